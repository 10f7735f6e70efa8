package auth

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Login is a stored credential.
type Login struct {
	UserID       uuid.UUID
	CompanyID    uuid.UUID
	PasswordHash string
	// Disabled: the user is deactivated; the login does not sign in.
	Disabled bool
}

// Credentials reads the logins the event store records with the events that create
// users (app.Credential). Read-only: credentials change only with events.
type Credentials struct {
	pool *pgxpool.Pool
}

// NewCredentials returns a reader over pool.
func NewCredentials(pool *pgxpool.Pool) *Credentials { return &Credentials{pool: pool} }

// Any reports whether any login exists: an empty installation offers signup.
func (c *Credentials) Any(ctx context.Context) (bool, error) {
	var any bool
	err := c.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM credentials)`).Scan(&any)
	return any, err
}

// ErrNoLogin is returned when no login has the e-mail address.
var ErrNoLogin = errors.New("no login with this e-mail address")

// Lookup returns the login of a normalised (lower-case) e-mail address.
func (c *Credentials) Lookup(ctx context.Context, email string) (Login, error) {
	var l Login
	err := c.pool.QueryRow(ctx, `SELECT user_id, company_id, password_hash, disabled_at IS NOT NULL FROM credentials WHERE email = $1`, email).
		Scan(&l.UserID, &l.CompanyID, &l.PasswordHash, &l.Disabled)
	if errors.Is(err, pgx.ErrNoRows) {
		return Login{}, ErrNoLogin
	}
	if err != nil {
		return Login{}, fmt.Errorf("look up login: %w", err)
	}
	return l, nil
}

// CheckLogin returns the login when email and password match. An unknown address
// still costs one hash verification, so response times do not tell which addresses
// have accounts; both failures are ErrBadCredentials. It never queues for the
// hasher: over the bound on concurrent hashes it fails with ErrHashBusy (503).
func CheckLogin(ctx context.Context, creds *Credentials, hasher *Argon2id, email, password string) (Login, error) {
	l, err := creds.Lookup(ctx, email)
	switch {
	case errors.Is(err, ErrNoLogin):
		if _, err := hasher.VerifyNow(hasher.dummyHash(), password); err != nil {
			return Login{}, err
		}
		return Login{}, ErrBadCredentials
	case err != nil:
		return Login{}, err
	}
	ok, err := hasher.VerifyNow(l.PasswordHash, password)
	if err != nil {
		return Login{}, err
	}
	// A deactivated user's login costs the same hash and fails the same way as a
	// wrong password: the answer tells nobody which accounts were deactivated.
	if !ok || l.Disabled {
		return Login{}, ErrBadCredentials
	}
	return l, nil
}

// ErrBadCredentials: the e-mail address or the password is wrong (never which).
var ErrBadCredentials = errors.New("wrong e-mail address or password")

// LookupUser returns the login of a user (a password change checks the current
// password against it).
func (c *Credentials) LookupUser(ctx context.Context, userID uuid.UUID) (Login, error) {
	var l Login
	err := c.pool.QueryRow(ctx, `SELECT user_id, company_id, password_hash, disabled_at IS NOT NULL FROM credentials WHERE user_id = $1`, userID).
		Scan(&l.UserID, &l.CompanyID, &l.PasswordHash, &l.Disabled)
	if errors.Is(err, pgx.ErrNoRows) {
		return Login{}, ErrNoLogin
	}
	if err != nil {
		return Login{}, fmt.Errorf("look up login: %w", err)
	}
	return l, nil
}
