package app

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
)

// Token kinds: the first byte of a token says what it opens.
const (
	tokenUserInvitation     byte = 'u'
	tokenCustomerInvitation byte = 'c'
	tokenLink               byte = 'l'
)

const tokenSecretBytes = 32 // 256 random bits

// newToken makes a bearer token for the aggregate id: kind, id and 256 random bits,
// base64url without padding (URL-safe, the last path segment of its URL). The id
// lets a command find the stream to check without a read model; only
// TokenHash(token) is ever stored.
func newToken(r io.Reader, kind byte, id uuid.UUID) (plain, hash string, err error) {
	raw := make([]byte, 1+len(id)+tokenSecretBytes)
	raw[0] = kind
	copy(raw[1:], id[:])
	if _, err := io.ReadFull(r, raw[1+len(id):]); err != nil {
		return "", "", fmt.Errorf("token: %w", err)
	}
	plain = base64.RawURLEncoding.EncodeToString(raw)
	return plain, TokenHash(plain), nil
}

// TokenHash is the stored form of a token: hex SHA-256 (domain.TokenHashSHA256).
// A fast hash suffices: tokens carry 256 random bits, so they cannot be guessed from
// the hash.
func TokenHash(plain string) string {
	sum := sha256.Sum256([]byte(plain))
	return hex.EncodeToString(sum[:])
}

// parseToken returns the id a token of the given kinds refers to. Anything
// malformed answers like an unknown token.
func parseToken(plain string) (kind byte, id uuid.UUID, err error) {
	raw, err := base64.RawURLEncoding.DecodeString(plain)
	if err != nil || len(raw) != 1+len(id)+tokenSecretBytes {
		return 0, uuid.Nil, fmt.Errorf("token: %w", domain.ErrNotFound)
	}
	copy(id[:], raw[1:])
	return raw[0], id, nil
}
