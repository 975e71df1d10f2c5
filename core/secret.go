package core

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
)

// sealer encrypts secrets at rest with AES-256-GCM. Secrets are encrypted
// rather than hashed because token verification needs API key secrets in the
// clear (HS256), and webhook signing will need the auth token.
type sealer struct {
	aead cipher.AEAD
}

func newSealer(key []byte) (*sealer, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("core: secret key must be 32 bytes, got %d", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("core: secret key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("core: secret key: %w", err)
	}
	return &sealer{aead: aead}, nil
}

// seal returns nonce || ciphertext of plain, bound to label (the SID of the
// record it belongs to) so a sealed value cannot be moved to another record.
func (s *sealer) seal(label string, plain []byte) []byte {
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(plain)+s.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		panic("core: crypto/rand failed: " + err.Error())
	}
	return s.aead.Seal(nonce, nonce, plain, []byte(label))
}

// open reverses seal.
func (s *sealer) open(label string, sealed []byte) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(sealed) < n {
		return nil, errors.New("core: sealed secret too short")
	}
	plain, err := s.aead.Open(nil, sealed[:n], sealed[n:], []byte(label))
	if err != nil {
		return nil, errors.New("core: cannot open sealed secret (wrong secret key?)")
	}
	return plain, nil
}

// matches reports in constant time whether sealed holds given.
func (s *sealer) matches(label string, sealed []byte, given string) bool {
	plain, err := s.open(label, sealed)
	if err != nil {
		return false
	}
	return subtle.ConstantTimeCompare(plain, []byte(given)) == 1
}
