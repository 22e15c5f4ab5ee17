package wire

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"testing"
)

func TestVerifyUpdate(t *testing.T) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	otherPub, otherPriv, _ := ed25519.GenerateKey(rand.Reader)
	bin := []byte("\x7fELF a binary of version 1.1.0")
	m := SignManifest(priv, "1.1.0", bin)
	if err := VerifyUpdate(pub, m, bin); err != nil {
		t.Fatalf("good binary refused: %v", err)
	}
	flipped := append([]byte(nil), bin...)
	flipped[5] ^= 1
	relabelled := m
	relabelled.Version = "9.9.9" // a signature for 1.1.0 must not pass as 9.9.9
	tests := []struct {
		name string
		pub  ed25519.PublicKey
		m    UpdateManifest
		bin  []byte
		want error
	}{
		{"flipped byte", pub, m, flipped, ErrChecksum},
		{"truncated", pub, m, bin[:len(bin)-1], ErrChecksum},
		{"other key pinned", otherPub, m, bin, ErrSignature},
		{"signed by another key", pub, SignManifest(otherPriv, "1.1.0", bin), bin, ErrSignature},
		{"version changed", pub, relabelled, bin, ErrSignature},
		{"signature not base64", pub, UpdateManifest{Version: m.Version, SHA256: m.SHA256, Size: m.Size, Signature: "!!"}, bin, ErrSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := VerifyUpdate(tt.pub, tt.m, tt.bin); !errors.Is(err, tt.want) {
				t.Errorf("got %v, want %v", err, tt.want)
			}
		})
	}
	if err := VerifyUpdate(pub[:10], m, bin); err == nil {
		t.Error("a short pinned key verified")
	}
	k, err := DecodeKey(EncodeKey(pub))
	if err != nil || !k.Equal(pub) {
		t.Errorf("key round trip: %v", err)
	}
	if _, err := DecodeKey("AAAA"); err == nil {
		t.Error("a 3-byte key decoded")
	}
}
