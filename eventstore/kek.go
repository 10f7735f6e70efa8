package eventstore

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"
)

// KeyEncryptionKey wraps the company keys of subject_keys (AES-256-GCM), so that a
// copy of the database (a backup, a replica, a dump) without it decrypts no personal
// data, and keys the digests of uniqueness claims (HMAC-SHA256), so that a claimed
// e-mail address cannot be confirmed by hashing a guess. It comes from the
// environment (KEY_ENCRYPTION_KEY), never from the database.
type KeyEncryptionKey struct {
	aead   cipher.AEAD
	claims []byte // HMAC key of claim digests, derived
	id     string // fingerprint, safe to log
}

// Sizes of a subject key as stored: plain (written before wrapping), or
// nonce || ciphertext || tag under the key-encryption key.
const (
	plainKeyLen   = 32
	wrappedKeyLen = 12 + 32 + 16
)

// ErrNoKeyEncryptionKey is returned when a wrapped key is met by a store that was
// given no key-encryption key.
var ErrNoKeyEncryptionKey = errors.New("subject key is wrapped, but no key-encryption key (KEY_ENCRYPTION_KEY) is configured")

// ErrWrongKeyEncryptionKey is returned when a wrapped key does not open: the
// key-encryption key is not the one the keys were wrapped with (or the row changed).
var ErrWrongKeyEncryptionKey = errors.New("subject key does not open with this key-encryption key (KEY_ENCRYPTION_KEY)")

// NewKeyEncryptionKey takes 32 random bytes.
func NewKeyEncryptionKey(raw []byte) (*KeyEncryptionKey, error) {
	if len(raw) != 32 {
		return nil, fmt.Errorf("key-encryption key: %d bytes, want 32", len(raw))
	}
	block, err := aes.NewCipher(raw)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	derive := func(label string) []byte {
		m := hmac.New(sha256.New, raw)
		m.Write([]byte(label))
		return m.Sum(nil)
	}
	return &KeyEncryptionKey{aead: aead, claims: derive("sharehub claims v1"),
		id: hex.EncodeToString(derive("sharehub key-encryption key id")[:8])}, nil
}

// ParseKeyEncryptionKey reads the text form of a key-encryption key: 32 bytes in
// base64 (standard or URL alphabet, padded or not) or in hex.
func ParseKeyEncryptionKey(text string) (*KeyEncryptionKey, error) {
	text = strings.TrimSpace(text)
	if b, err := hex.DecodeString(text); err == nil && len(b) == 32 {
		return NewKeyEncryptionKey(b)
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(text); err == nil && len(b) == 32 {
			return NewKeyEncryptionKey(b)
		}
	}
	return nil, errors.New("key-encryption key: want 32 bytes in base64 or hex (e.g. `openssl rand -base64 32`)")
}

// GenerateKeyEncryptionKey returns a new random key in its text form (base64).
func GenerateKeyEncryptionKey() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(b), nil
}

// ID is a fingerprint of the key, safe to log: which key is in use, not the key.
func (k *KeyEncryptionKey) ID() string { return k.id }

// wrapAD binds a wrapped key to its subject: a wrapped key moved to another
// company's row does not open.
func wrapAD(subject uuid.UUID) []byte {
	return append([]byte("sharehub subject key v1\x00"), subject[:]...)
}

func (k *KeyEncryptionKey) wrap(subject uuid.UUID, key []byte) ([]byte, error) {
	nonce := make([]byte, k.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return k.aead.Seal(nonce, nonce, key, wrapAD(subject)), nil
}

// openKey returns the plain subject key of a stored one: wrapped keys are
// unwrapped with kek, plain ones (stored before wrapping) are returned as they are.
func openKey(kek *KeyEncryptionKey, subject uuid.UUID, stored []byte) ([]byte, error) {
	switch len(stored) {
	case plainKeyLen:
		return stored, nil
	case wrappedKeyLen:
		if kek == nil {
			return nil, ErrNoKeyEncryptionKey
		}
		n := kek.aead.NonceSize()
		key, err := kek.aead.Open(nil, stored[:n], stored[n:], wrapAD(subject))
		if err != nil {
			return nil, fmt.Errorf("subject %s: %w", subject, ErrWrongKeyEncryptionKey)
		}
		return key, nil
	}
	return nil, fmt.Errorf("subject %s: stored key has %d bytes", subject, len(stored))
}

// claimMAC is the keyed digest stored for a claim: "h1:" || hex(HMAC-SHA256(claim
// key, scope || 0x00 || value)).
func (k *KeyEncryptionKey) claimMAC(scope, value string) string {
	m := hmac.New(sha256.New, k.claims)
	m.Write([]byte(scope + "\x00" + value))
	return "h1:" + hex.EncodeToString(m.Sum(nil))
}
