package app

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/mail"
)

// tokenEmailVerification is the kind byte of signup verification tokens.
const tokenEmailVerification byte = 'v'

// requestVerification adds a verification request (and its mail) to the events
// that create a user, and returns them all.
func (u *unit) requestVerification(created []domain.Event, urlPrefix string) ([]domain.Event, error) {
	user := &domain.User{}
	user.Replay(created...)
	events, err := u.verificationMail(user, urlPrefix, true)
	if err != nil {
		return nil, err
	}
	return append(created, events...), nil
}

func (u *unit) verificationMail(user *domain.User, urlPrefix string, fresh bool) ([]domain.Event, error) {
	token, hash, err := newToken(u.s.random, tokenEmailVerification, user.ID)
	if err != nil {
		return nil, err
	}
	events, err := user.RequestEmailVerification(hash, fresh, u.now)
	if err != nil {
		return nil, err
	}
	id, err := u.id()
	if err != nil {
		return nil, err
	}
	m, err := mail.Render(mail.EmailVerification, mail.Link{URL: strings.TrimRight(urlPrefix, "/") + "/" + token,
		Valid: domain.EmailVerificationTTL.String()})
	if err != nil {
		return nil, err
	}
	u.records = append(u.records, OutboxMail{ID: id, To: user.Personal.Email, Subject: m.Subject, Template: m.Template, Body: m.Body})
	return events, nil
}

// ResendEmailVerification mails the actor a new verification link (the old one
// stops working); a verified address: domain.ErrConflict.
func (s *Service) ResendEmailVerification(ctx context.Context, call Call, urlPrefix string) (AppendResult, error) {
	if call.ActorID == uuid.Nil {
		return AppendResult{}, fmt.Errorf("verification: %w", domain.ErrForbidden)
	}
	return s.exec(ctx, call, func(u *unit) error {
		user, err := u.user(call.ActorID)
		if err != nil {
			return err
		}
		events, err := u.verificationMail(user, urlPrefix, false)
		if err != nil {
			return err
		}
		u.tenant = user.CompanyID
		return u.recordOn(user, events)
	})
}

// VerifyEmail uses a verification token (public: the token is the proof).
// Unknown or replaced: domain.ErrNotFound; used or expired:
// domain.ErrInvitationGone.
func (s *Service) VerifyEmail(ctx context.Context, call Call, token string) (AppendResult, error) {
	kind, userID, err := parseToken(token)
	if err != nil || kind != tokenEmailVerification {
		return AppendResult{}, fmt.Errorf("verification: %w", domain.ErrNotFound)
	}
	return s.exec(ctx, call, func(u *unit) error {
		user, err := u.user(userID)
		if err != nil {
			return err
		}
		events, err := user.VerifyEmail(TokenHash(token), u.now)
		if err != nil {
			return err
		}
		u.tenant = user.CompanyID
		return u.recordOn(user, events)
	})
}
