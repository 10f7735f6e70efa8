package eventstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app"
)

// ClaimOwner returns who holds the claim on (scope, value). The table keeps a
// digest of the value, never the value: keyed (KeyEncryptionKey.claimMAC) when the
// store has a key-encryption key, and for claims made before keying, the unkeyed
// legacyClaimDigest; the lookup tries both, as the insert checks both. A claim row
// commits with its batch's events, so its owner exists in the log.
func (s *Store) ClaimOwner(ctx context.Context, scope, value string) (uuid.UUID, error) {
	c := app.Claim{Scope: scope, Value: value}
	digests := []string{legacyClaimDigest(c)}
	if s.keys.kek != nil {
		digests = append(digests, s.keys.kek.claimMAC(scope, value))
	}
	var owner uuid.UUID
	err := s.pool.QueryRow(ctx, `SELECT owner_id FROM claims WHERE scope = $1 AND value = ANY($2) LIMIT 1`,
		scope, digests).Scan(&owner)
	if errors.Is(err, pgx.ErrNoRows) {
		return uuid.Nil, fmt.Errorf("claim %s: %w", scope, domain.ErrNotFound)
	}
	if err != nil {
		return uuid.Nil, fmt.Errorf("claim %s: %w", scope, err)
	}
	return owner, nil
}
