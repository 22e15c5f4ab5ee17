package repo

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/clearsign"
	pgperrors "github.com/ProtonMail/go-crypto/openpgp/errors"
)

// ErrSignature is returned when a Release file's signature is bad, missing where required,
// or made by a key no configured keyring holds where one is required.
var ErrSignature = errors.New("release signature check failed")

// keyrings holds the trusted OpenPGP keys: global ones and per-URL-prefix ones.
type keyrings struct {
	mode   string // auto, required, off
	global openpgp.EntityList
	rules  []keyRule
}

type keyRule struct {
	prefix string
	ring   openpgp.EntityList
}

// loadKeyrings reads every configured keyring file.
func loadKeyrings(opts Options) (*keyrings, error) {
	k := &keyrings{mode: opts.Signatures}
	for _, f := range opts.KeyringFiles {
		ring, err := readKeyring(f)
		if err != nil {
			return nil, err
		}
		k.global = append(k.global, ring...)
	}
	for _, r := range opts.Keyrings {
		rule := keyRule{prefix: r.Prefix}
		for _, f := range r.Files {
			ring, err := readKeyring(f)
			if err != nil {
				return nil, err
			}
			rule.ring = append(rule.ring, ring...)
		}
		k.rules = append(k.rules, rule)
	}
	return k, nil
}

// keyringCache keeps parsed keyring files by path, size and modification time: parsing a
// distribution keyring costs tens of milliseconds, and refreshers are built per run.
var keyringCache sync.Map // keyringID -> openpgp.EntityList

type keyringID struct {
	path  string
	size  int64
	mtime int64
}

// readKeyring reads a binary (gpg --export) or armoured keyring file.
func readKeyring(path string) (openpgp.EntityList, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("read keyring: %w", err)
	}
	id := keyringID{path, st.Size(), st.ModTime().UnixNano()}
	if ring, ok := keyringCache.Load(id); ok {
		return ring.(openpgp.EntityList), nil
	}
	ring, err := parseKeyringFile(path)
	if err != nil {
		return nil, err
	}
	keyringCache.Store(id, ring)
	return ring, nil
}

func parseKeyringFile(path string) (openpgp.EntityList, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read keyring: %w", err)
	}
	var ring openpgp.EntityList
	if bytes.Contains(data[:min(len(data), 64)], []byte("-----BEGIN PGP")) {
		ring, err = openpgp.ReadArmoredKeyRing(bytes.NewReader(data))
	} else {
		ring, err = openpgp.ReadKeyRing(bytes.NewReader(data))
	}
	if err != nil {
		return nil, fmt.Errorf("read keyring %s: %w", path, err)
	}
	return ring, nil
}

// ringFor returns the keys that must (required) or may sign the Release at suiteURL.
func (k *keyrings) ringFor(suiteURL string) (ring openpgp.EntityList, required bool) {
	best := -1
	for i, r := range k.rules {
		if strings.HasPrefix(suiteURL, r.prefix) && (best < 0 || len(r.prefix) > len(k.rules[best].prefix)) {
			best = i
		}
	}
	if best >= 0 {
		return k.rules[best].ring, true
	}
	return k.global, k.mode == "required"
}

// verifyInRelease checks a clearsigned InRelease and returns the signed text, which is all
// that may be parsed (text outside the signed part is an attacker's to add). verified is
// false when the signature could not be checked and that is acceptable (mode auto, key
// unknown; mode off; an unsigned file where no signature is required).
func (k *keyrings) verifyInRelease(suiteURL string, data []byte) (text []byte, verified bool, err error) {
	if k.mode == "off" {
		return data, false, nil
	}
	ring, required := k.ringFor(suiteURL)
	block, _ := clearsign.Decode(data)
	if block == nil {
		if required {
			return nil, false, fmt.Errorf("%s/InRelease: %w: not clearsigned", suiteURL, ErrSignature)
		}
		return data, false, nil
	}
	_, err = block.VerifySignature(ring, nil)
	return k.judge(suiteURL+"/InRelease", block.Plaintext, err, required)
}

// verifyDetached checks Release against Release.gpg (armoured or binary); sig nil means
// there was none.
func (k *keyrings) verifyDetached(suiteURL string, release, sig []byte) (verified bool, err error) {
	if k.mode == "off" {
		return false, nil
	}
	ring, required := k.ringFor(suiteURL)
	if sig == nil {
		if required {
			return false, fmt.Errorf("%s/Release: %w: no InRelease and no Release.gpg", suiteURL, ErrSignature)
		}
		return false, nil
	}
	if bytes.Contains(sig[:min(len(sig), 64)], []byte("-----BEGIN PGP")) {
		_, err = openpgp.CheckArmoredDetachedSignature(ring, bytes.NewReader(release), bytes.NewReader(sig), nil)
	} else {
		_, err = openpgp.CheckDetachedSignature(ring, bytes.NewReader(release), bytes.NewReader(sig), nil)
	}
	_, verified, err = k.judge(suiteURL+"/Release.gpg", release, err, required)
	return verified, err
}

// judge turns a verification result into the outcome: an unknown signer is acceptable only
// when no signature is required; any other failure is a bad signature.
func (k *keyrings) judge(what string, text []byte, err error, required bool) ([]byte, bool, error) {
	switch {
	case err == nil:
		return text, true, nil
	case errors.Is(err, pgperrors.ErrUnknownIssuer) && !required:
		return text, false, nil
	case errors.Is(err, pgperrors.ErrUnknownIssuer):
		return nil, false, fmt.Errorf("%s: %w: signed by a key not in the configured keyring", what, ErrSignature)
	}
	return nil, false, fmt.Errorf("%s: %w: %v", what, ErrSignature, err)
}
