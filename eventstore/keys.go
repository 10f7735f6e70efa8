package eventstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app"
)

// forgetChannel is the notification channel on which ForgetSubject announces the
// subject whose key it deleted.
const forgetChannel = "sharehub_subject_forgotten"

// UseKeyEncryptionKey makes the store wrap the company keys it creates with kek,
// unwrap the ones it reads, and store claims as keyed digests. Call it once, before
// the store is used. Without it (tests, tools on scratch databases) keys are stored
// unwrapped and claims as plain digests; `serve` and every command of the binary
// always set one (KEY_ENCRYPTION_KEY).
func (s *Store) UseKeyEncryptionKey(kek *KeyEncryptionKey) { s.keys.kek = kek }

// CheckKeyEncryptionKey fails when the store's key-encryption key does not open the
// keys already wrapped in the database (another key than the one they were wrapped
// with), so that a process with the wrong key stops at start instead of failing on
// every read of personal data.
func CheckKeyEncryptionKey(ctx context.Context, q DB, kek *KeyEncryptionKey) error {
	var subject uuid.UUID
	var stored []byte
	err := q.QueryRow(ctx, `SELECT subject_id, key FROM subject_keys WHERE octet_length(key) = $1 LIMIT 1`, wrappedKeyLen).
		Scan(&subject, &stored)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("check key-encryption key: %w", err)
	}
	if _, err := openKey(kek, subject, stored); err != nil {
		return fmt.Errorf("check key-encryption key %s: %w", kek.ID(), err)
	}
	return nil
}

// WrapPlainKeys wraps every company key still stored unwrapped (written before
// keys were wrapped) with kek, each in place, and returns how many it wrapped. It
// runs with the migrations, as the owner (the application role may not rewrite
// keys); running it again finds nothing to do.
func WrapPlainKeys(ctx context.Context, pool *pgxpool.Pool, kek *KeyEncryptionKey) (int, error) {
	rows, err := pool.Query(ctx, `SELECT subject_id, key FROM subject_keys WHERE octet_length(key) = $1`, plainKeyLen)
	if err != nil {
		return 0, fmt.Errorf("wrap keys: %w", err)
	}
	type plain struct {
		id  uuid.UUID
		key []byte
	}
	keys, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (plain, error) {
		var p plain
		return p, r.Scan(&p.id, &p.key)
	})
	if err != nil {
		return 0, fmt.Errorf("wrap keys: %w", err)
	}
	n := 0
	for _, p := range keys {
		wrapped, err := kek.wrap(p.id, p.key)
		if err != nil {
			return n, err
		}
		// Only if still plain (and not forgotten meanwhile).
		tag, err := pool.Exec(ctx, `UPDATE subject_keys SET key = $3 WHERE subject_id = $1 AND key = $2`, p.id, p.key, wrapped)
		if err != nil {
			return n, fmt.Errorf("wrap key of %s: %w", p.id, err)
		}
		n += int(tag.RowsAffected())
	}
	return n, nil
}

// WatchForgets keeps this store's key cache in step with forgets committed by any
// process: it listens on a connection of the pool for ForgetSubject's notification
// and evicts the key when it arrives. While the listener is down the store reads
// keys from the database on every use, so a forget is never missed; when it is back
// the cache starts empty. It returns when ctx ends.
func (s *Store) WatchForgets(ctx context.Context) {
	for ctx.Err() == nil {
		err := s.listenForgets(ctx)
		s.keys.setWatch(watchDown)
		if ctx.Err() != nil {
			return
		}
		s.log.Warn("listening for forgotten companies failed; reading keys uncached until it is back", "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Second):
		}
	}
}

func (s *Store) listenForgets(ctx context.Context) error {
	pc, err := s.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	// The connection is never handed back: it listens until it fails or ctx ends.
	conn := pc.Hijack()
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, `LISTEN `+forgetChannel); err != nil {
		return err
	}
	s.keys.setWatch(watchUp) // empties the cache: what was cached before may be stale
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		if id, err := uuid.Parse(n.Payload); err == nil {
			s.keys.evict(id)
		} else {
			s.keys.flush()
		}
		s.keys.notifySeen()
	}
}

func (k *keyring) setWatch(w int) {
	k.mu.Lock()
	k.watch = w
	k.keys = nil
	k.gen++
	k.mu.Unlock()
}

func (k *keyring) flush() {
	k.mu.Lock()
	k.keys = nil
	k.gen++
	k.mu.Unlock()
}

// notifySeen tells a test waiting on forgetsSeen that a notification was handled.
func (k *keyring) notifySeen() {
	k.mu.Lock()
	ch := k.seen
	k.mu.Unlock()
	if ch != nil {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

// UpgradeClaims replaces the unkeyed digests of claims stored before claims were
// keyed by their keyed form, for every value the database still holds in plain
// elsewhere: each login's e-mail address (every e-mail claim is made with its
// login) and each group's code (the accounts read model). It runs with the
// migrations, as the owner; what it cannot find (the addresses of a forgotten
// company) stays unkeyed and is still checked by claims_insert_keyed. Running it
// again finds nothing to do.
func UpgradeClaims(ctx context.Context, pool *pgxpool.Pool, kek *KeyEncryptionKey) (int, error) {
	var legacy, keyed, scopes []string
	add := func(scope, value string) {
		c := app.Claim{Scope: scope, Value: value}
		scopes = append(scopes, scope)
		legacy = append(legacy, legacyClaimDigest(c))
		keyed = append(keyed, kek.claimMAC(scope, value))
	}
	rows, err := pool.Query(ctx, `SELECT email FROM credentials`)
	if err != nil {
		return 0, fmt.Errorf("upgrade claims: %w", err)
	}
	emails, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return 0, fmt.Errorf("upgrade claims: %w", err)
	}
	for _, e := range emails {
		add(app.EmailClaimScope, e)
	}
	// The groups table of the newest accounts definition that is built (each
	// definition has its schema: projections/schemas.go); group codes are the
	// same in every one.
	var groups *string
	if err := pool.QueryRow(ctx, `SELECT to_regclass(quote_ident(coalesce((SELECT schema_name FROM projection_definitions
			WHERE name = 'accounts' AND retired_at IS NULL AND schema_name IS NOT NULL
			  AND to_regnamespace(quote_ident(schema_name)) IS NOT NULL
			ORDER BY first_seen_at DESC LIMIT 1), 'rm_accounts')) || '.groups')::text`).Scan(&groups); err != nil {
		return 0, fmt.Errorf("upgrade claims: %w", err)
	}
	if groups != nil {
		rows, err := pool.Query(ctx, `SELECT code FROM `+*groups)
		if err != nil {
			return 0, fmt.Errorf("upgrade claims: %w", err)
		}
		codes, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return 0, fmt.Errorf("upgrade claims: %w", err)
		}
		for _, c := range codes {
			add(domain.GroupCodeClaimScope, domain.NormalizeGroupCode(c))
		}
	}
	if len(legacy) == 0 {
		return 0, nil
	}
	tag, err := pool.Exec(ctx, `UPDATE claims c SET value = u.keyed
		FROM unnest($1::text[], $2::text[], $3::text[]) AS u(scope, legacy, keyed)
		WHERE c.scope = u.scope AND c.value = u.legacy`, scopes, legacy, keyed)
	if err != nil {
		return 0, fmt.Errorf("upgrade claims: %w", err)
	}
	return int(tag.RowsAffected()), nil
}
