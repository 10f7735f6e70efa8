package eventstore

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sharehub/sharehub/domain"
)

// ErrSubjectForgotten refuses new personal data about a company that was forgotten.
var ErrSubjectForgotten = errors.New("company was forgotten: its personal data can no longer be recorded")

// piiPrefix marks an encrypted field value in a stored payload.
const piiPrefix = "pii:v1:"

// PersonalDataPrefix starts every encrypted field value in a stored payload: a
// payload without it holds no personal data in ciphertext.
const PersonalDataPrefix = piiPrefix

// keyring caches subject keys. A key is only ever created or deleted, never
// changed, so a cached key is right until the subject is forgotten. Across
// processes a forget is learnt in one of two ways:
//   - a process that runs WatchForgets (serve) listens for the notification that
//     ForgetSubject sends in its transaction and evicts the key as soon as it is
//     delivered; while its listener is down it caches nothing;
//   - any other store (a CLI command, a test) caches for keyTTL.
type keyring struct {
	pool *pgxpool.Pool
	kek  *KeyEncryptionKey // nil: keys are created and read unwrapped
	mu   sync.Mutex
	keys map[uuid.UUID]cachedKey
	now  func() time.Time
	// watch is watchOff (no listener: TTL cache), watchUp (cache until notified)
	// or watchDown (listener lost: no cache).
	watch int
	gen   uint64 // counts forgets learnt; a key read before one is not cached
	seen  chan struct{}
}

const (
	watchOff = iota
	watchUp
	watchDown
)

type cachedKey struct {
	key []byte // nil: forgotten
	at  time.Time
}

const keyTTL = 30 * time.Second

func (k *keyring) get(ctx context.Context, subject uuid.UUID, create bool) ([]byte, error) {
	k.mu.Lock()
	c, ok := k.keys[subject]
	gen, watch := k.gen, k.watch
	k.mu.Unlock()
	if ok && watch != watchDown && k.now().Sub(c.at) < keyTTL {
		if c.key == nil {
			return nil, ErrSubjectForgotten
		}
		return c.key, nil
	}
	var key []byte
	var forgotten bool
	err := k.pool.QueryRow(ctx, `SELECT key, forgotten_at IS NOT NULL FROM subject_keys WHERE subject_id = $1`, subject).Scan(&key, &forgotten)
	switch {
	case errors.Is(err, pgx.ErrNoRows) && create:
		fresh := make([]byte, 32)
		if _, err := rand.Read(fresh); err != nil {
			return nil, err
		}
		stored := fresh
		if k.kek != nil {
			if stored, err = k.kek.wrap(subject, fresh); err != nil {
				return nil, err
			}
		}
		// Two writers may race to create it: the first insert wins, both use its key
		// (the loser reads the winner's; the service's role may not update keys).
		err = k.pool.QueryRow(ctx, `WITH ins AS (
				INSERT INTO subject_keys (subject_id, key) VALUES ($1, $2) ON CONFLICT (subject_id) DO NOTHING
				RETURNING key, forgotten_at IS NOT NULL)
			SELECT * FROM ins`, subject, stored).Scan(&key, &forgotten)
		if errors.Is(err, pgx.ErrNoRows) {
			err = k.pool.QueryRow(ctx, `SELECT key, forgotten_at IS NOT NULL FROM subject_keys WHERE subject_id = $1`, subject).
				Scan(&key, &forgotten)
		}
		if err != nil {
			return nil, fmt.Errorf("subject key: %w", err)
		}
	case errors.Is(err, pgx.ErrNoRows):
		return nil, ErrSubjectForgotten // never had a key: nothing can be decrypted
	case err != nil:
		return nil, fmt.Errorf("subject key: %w", err)
	}
	if key != nil {
		if key, err = openKey(k.kek, subject, key); err != nil {
			return nil, err
		}
	}
	k.mu.Lock()
	if k.keys == nil {
		k.keys = map[uuid.UUID]cachedKey{}
	}
	// A forget learnt while reading may concern this very key: not cached then.
	if k.gen == gen && k.watch != watchDown {
		k.keys[subject] = cachedKey{key: key, at: k.now()}
	}
	k.mu.Unlock()
	if forgotten {
		return nil, ErrSubjectForgotten
	}
	return key, nil
}

func (k *keyring) evict(subject uuid.UUID) {
	k.mu.Lock()
	delete(k.keys, subject)
	k.gen++
	k.mu.Unlock()
}

// personalData returns the event's personal-data view on a copy of it, or ok=false.
func personalData(e domain.Event) (copyPtr reflect.Value, pd domain.PersonalDataHolder, ok bool) {
	v := reflect.New(reflect.TypeOf(e))
	v.Elem().Set(reflect.ValueOf(e))
	pd, ok = v.Interface().(domain.PersonalDataHolder)
	return v, pd, ok
}

// sealPersonalData encrypts the personal-data fields of e with its subject's key.
func (s *Store) sealPersonalData(ctx context.Context, e domain.Event) (domain.Event, error) {
	return SealPersonalData(e, func(subject uuid.UUID) (cipher.AEAD, error) {
		key, err := s.keys.get(ctx, subject, true)
		if err != nil {
			return nil, err
		}
		return SubjectCipher(key)
	})
}

// SealPersonalData returns e with its personal-data fields encrypted as Append
// stores them (PersonalDataPrefix, then the nonce and ciphertext in base64, the
// subject's id as authenticated data). cipherFor gives the subject's cipher
// (SubjectCipher over its data key); it is asked only when e holds personal
// data. Writers that bypass Append (eventstore/bulkload) seal through it, so the
// stored format has one owner.
func SealPersonalData(e domain.Event, cipherFor func(subject uuid.UUID) (cipher.AEAD, error)) (domain.Event, error) {
	v, pd, ok := personalData(e)
	if !ok {
		return e, nil
	}
	fields := pd.PersonalDataFields()
	needed := false
	for _, f := range fields {
		needed = needed || *f != ""
	}
	if !needed {
		return e, nil
	}
	subject := pd.PersonalDataSubject()
	aead, err := cipherFor(subject)
	if err != nil {
		return nil, err
	}
	for _, f := range fields {
		if *f == "" {
			continue
		}
		nonce := make([]byte, aead.NonceSize())
		if _, err := rand.Read(nonce); err != nil {
			return nil, err
		}
		// The subject id is authenticated data: a ciphertext cannot be moved to
		// another company's event.
		ct := aead.Seal(nonce, nonce, []byte(*f), subject[:])
		*f = piiPrefix + base64.RawURLEncoding.EncodeToString(ct)
	}
	return v.Elem().Interface().(domain.Event), nil
}

// SubjectCipher is the cipher of a subject's data key.
func SubjectCipher(key []byte) (cipher.AEAD, error) { return newAEAD(key) }

// openPersonalData decrypts the personal-data fields of e in place of a copy; a
// forgotten subject's fields read as domain.Forgotten.
func (s *Store) openPersonalData(ctx context.Context, e domain.Event) (domain.Event, error) {
	v, pd, ok := personalData(e)
	if !ok {
		return e, nil
	}
	fields := pd.PersonalDataFields()
	var aead cipher.AEAD
	forgotten := false
	for _, f := range fields {
		if !strings.HasPrefix(*f, piiPrefix) {
			continue
		}
		if aead == nil && !forgotten {
			key, err := s.keys.get(ctx, pd.PersonalDataSubject(), false)
			switch {
			case errors.Is(err, ErrSubjectForgotten):
				forgotten = true
			case err != nil:
				return nil, err
			default:
				if aead, err = newAEAD(key); err != nil {
					return nil, err
				}
			}
		}
		if forgotten {
			*f = domain.Forgotten
			continue
		}
		raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(*f, piiPrefix))
		if err != nil || len(raw) < aead.NonceSize() {
			return nil, fmt.Errorf("personal data field is not a valid ciphertext")
		}
		subject := pd.PersonalDataSubject()
		plain, err := aead.Open(nil, raw[:aead.NonceSize()], raw[aead.NonceSize():], subject[:])
		if err != nil {
			return nil, fmt.Errorf("personal data field: %w", err)
		}
		*f = string(plain)
	}
	return v.Elem().Interface().(domain.Event), nil
}

func newAEAD(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// ForgetSubject deletes a company's key (crypto-shredding). Events keep their
// ciphertexts, so hash chains and seals still verify; every reader from now on sees
// domain.Forgotten in their personal-data fields. Read models must be rebuilt (or
// scrub the subject) to drop copies they made while the key existed; the caller also
// removes the company's credentials (see ForgetCredentials).
func (s *Store) ForgetSubject(ctx context.Context, subject uuid.UUID) error {
	err := withTx(ctx, s.pool, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO subject_keys (subject_id, key, forgotten_at) VALUES ($1, NULL, now())
			ON CONFLICT (subject_id) DO UPDATE SET key = NULL, forgotten_at = coalesce(subject_keys.forgotten_at, now())`, subject)
		if err != nil {
			return err
		}
		// Every process that watches (WatchForgets) drops its copy of the key when
		// this commits.
		if _, err := tx.Exec(ctx, `SELECT pg_notify($1, $2)`, forgetChannel, subject.String()); err != nil {
			return err
		}
		// Logins of that company's people hold their email addresses.
		_, err = tx.Exec(ctx, `DELETE FROM credentials WHERE company_id = $1`, subject)
		return err
	})
	s.keys.evict(subject)
	return err
}
