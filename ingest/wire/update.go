package wire

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
)

// The agent's self-update: GET /api/v1/agent/update (with the host token) answers an
// UpdateManifest; GET /api/v1/agent/binary the binary it describes. The server is the agent
// (one binary), so it serves its own executable, signed with its Ed25519 key; the agent pinned
// the public key when it enrolled (EnrollResponse update_key) and replaces itself only with a
// binary whose SHA-256 and signature both check.

// MaxAgentBinary caps the size of an agent binary, served and downloaded.
const MaxAgentBinary = 256 << 20

// UpdateManifest describes the agent binary the server offers.
type UpdateManifest struct {
	Version   string `json:"version"`   // the binary's version (the server's own)
	SHA256    string `json:"sha256"`    // hex SHA-256 of the binary
	Size      int64  `json:"size"`      // bytes
	Signature string `json:"signature"` // base64 Ed25519 signature over SignedMessage(Version, SHA256)
}

// Refusals of an offered binary.
var (
	ErrChecksum  = errors.New("checksum mismatch")
	ErrSignature = errors.New("signature does not verify with the pinned server key")
)

// SignedMessage is what the server signs: a domain label, the version and the checksum, so a
// signature can never be replayed for another version or another binary.
func SignedMessage(version, sha256hex string) []byte {
	return []byte("patchward agent update v1\n" + version + "\n" + sha256hex + "\n")
}

// SignManifest describes and signs binary as version with key.
func SignManifest(key ed25519.PrivateKey, version string, binary []byte) UpdateManifest {
	sum := sha256.Sum256(binary)
	h := hex.EncodeToString(sum[:])
	return UpdateManifest{Version: version, SHA256: h, Size: int64(len(binary)),
		Signature: base64.StdEncoding.EncodeToString(ed25519.Sign(key, SignedMessage(version, h)))}
}

// VerifyUpdate checks that binary is the one m describes (ErrChecksum) and that m is signed by
// pub (ErrSignature).
func VerifyUpdate(pub ed25519.PublicKey, m UpdateManifest, binary []byte) error {
	if len(pub) != ed25519.PublicKeySize {
		return fmt.Errorf("pinned server key: want %d bytes, have %d", ed25519.PublicKeySize, len(pub))
	}
	sum := sha256.Sum256(binary)
	if hex.EncodeToString(sum[:]) != m.SHA256 || int64(len(binary)) != m.Size {
		return ErrChecksum
	}
	sig, err := base64.StdEncoding.DecodeString(m.Signature)
	if err != nil || !ed25519.Verify(pub, SignedMessage(m.Version, m.SHA256), sig) {
		return ErrSignature
	}
	return nil
}

// EncodeKey and DecodeKey write an Ed25519 public key as base64, as enrolment sends it and
// the agent pins it.
func EncodeKey(pub ed25519.PublicKey) string { return base64.StdEncoding.EncodeToString(pub) }

// DecodeKey reads a key written by EncodeKey.
func DecodeKey(s string) (ed25519.PublicKey, error) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(b) != ed25519.PublicKeySize {
		return nil, errors.New("not a base64 Ed25519 public key")
	}
	return ed25519.PublicKey(b), nil
}
