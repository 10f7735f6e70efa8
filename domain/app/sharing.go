package app

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app/query"
)

// GrantShare shares a document or a folder (exactly one of the ids) with a
// customer. Needs can_share and write access to the customer's group.
type GrantShare struct {
	CustomerID uuid.UUID
	DocumentID uuid.UUID
	FolderID   uuid.UUID
	Permission domain.Permission
	ExpiresAt  time.Time // zero: never; else in the future
}

// ShareResult names the share a command created or changed.
type ShareResult struct {
	ShareID uuid.UUID
	// Share is the share as the command left it (views.go).
	Share    query.Share
	Appended AppendResult
}

// sharedCustomer loads a customer the actor may share with.
func (u *unit) sharedCustomer(customerID uuid.UUID) (domain.Principal, *domain.Customer, error) {
	p, err := u.principal()
	if err != nil {
		return p, nil, err
	}
	c, err := u.customer(customerID)
	if err != nil {
		return p, nil, err
	}
	scope, err := u.customerScope(p, c)
	if err != nil {
		return p, nil, err
	}
	return p, c, u.authorize(p, domain.ActionShare, scope)
}

// GrantShare shares a document or folder with a customer (can_share and write
// access to its group). Already shared: domain.ErrConflict; revoked customer:
// domain.ErrCustomerRevoked.
func (s *Service) GrantShare(ctx context.Context, call Call, cmd GrantShare) (ShareResult, error) {
	var out ShareResult
	var err error
	out.Appended, err = s.exec(ctx, call, func(u *unit) error {
		p, c, err := u.sharedCustomer(cmd.CustomerID)
		if err != nil {
			return err
		}
		in := domain.NewShare{Customer: c, Permission: cmd.Permission, ExpiresAt: cmd.ExpiresAt, By: p.UserID}
		if cmd.DocumentID != uuid.Nil {
			if in.Document, err = u.document(cmd.DocumentID); err != nil {
				return err
			}
		}
		if cmd.FolderID != uuid.Nil {
			if in.Folder, err = u.folder(cmd.FolderID); err != nil {
				return err
			}
		}
		if in.ShareID, err = u.id(); err != nil {
			return err
		}
		out.ShareID = in.ShareID
		changes, err := domain.GrantShare(in, u.now)
		if err != nil {
			return err
		}
		out.Share = shareView(after(&domain.Share{}, same[domain.Share], eventsOn(domain.ShareStream(in.ShareID), changes)))
		return u.record(changes...)
	})
	return out, err
}

// ShareRef names the share of a command.
type ShareRef struct{ ShareID uuid.UUID }

// ChangeSharePermission switches a share between view and edit.
type ChangeSharePermission struct {
	ShareID    uuid.UUID
	Permission domain.Permission
}

// onShare runs a command on a share; decide records its changes and returns the
// events it recorded on the share's stream.
func (s *Service) onShare(ctx context.Context, call Call, shareID uuid.UUID, decide func(u *unit, p domain.Principal, sh *domain.Share, c *domain.Customer) ([]domain.Event, error)) (ShareResult, error) {
	out := ShareResult{ShareID: shareID}
	var err error
	out.Appended, err = s.exec(ctx, call, func(u *unit) error {
		sh, err := u.share(shareID)
		if err != nil {
			return err
		}
		if !sh.Exists() {
			return fmt.Errorf("share: %w", domain.ErrNotFound)
		}
		p, c, err := u.sharedCustomer(sh.CustomerID)
		if err != nil {
			return err
		}
		events, err := decide(u, p, sh, c)
		if err != nil {
			return err
		}
		out.Share = shareView(after(sh, same[domain.Share], events))
		return nil
	})
	return out, err
}

// ChangeSharePermission switches a share between view and edit; cancelled:
// domain.ErrShareCancelled.
func (s *Service) ChangeSharePermission(ctx context.Context, call Call, cmd ChangeSharePermission) (ShareResult, error) {
	return s.onShare(ctx, call, cmd.ShareID, func(u *unit, p domain.Principal, sh *domain.Share, _ *domain.Customer) ([]domain.Event, error) {
		events, err := sh.ChangePermission(cmd.Permission, p.UserID, u.now)
		if err != nil {
			return nil, err
		}
		return events, u.recordOn(sh, events)
	})
}

// CancelShare cancels a share for good; again: domain.ErrShareCancelled.
func (s *Service) CancelShare(ctx context.Context, call Call, cmd ShareRef) (ShareResult, error) {
	return s.onShare(ctx, call, cmd.ShareID, func(u *unit, p domain.Principal, sh *domain.Share, c *domain.Customer) ([]domain.Event, error) {
		changes, err := domain.CancelShare(sh, c, p.UserID, u.now)
		if err != nil {
			return nil, err
		}
		return eventsOn(sh.StreamID(), changes), u.record(changes...)
	})
}

// CreateLink creates a shareable link to a document. ExpiresAt is optional (zero:
// never) and must be in the future; Password is optional.
type CreateLink struct {
	DocumentID uuid.UUID
	ExpiresAt  time.Time
	Password   string
}

// LinkResult is a created or cancelled link. Token is the plain link token, given
// to the creator (it is the last segment of the link URL); the log keeps its hash,
// and the token itself only sealed under the provider's key (see RevealLink).
type LinkResult struct {
	LinkID           uuid.UUID
	DocumentID       uuid.UUID
	FolderID         uuid.UUID // for a folder link
	Token            string
	ExpiresAt        time.Time
	PasswordRequired bool
	CreatedAt        time.Time
	CancelledAt      time.Time // set by CancelLink
	Appended         AppendResult
}

// CreateLink creates a link; the result carries the plain token, shown only here.
func (s *Service) CreateLink(ctx context.Context, call Call, cmd CreateLink) (LinkResult, error) {
	passwordHash, err := s.linkPasswordHash(cmd.Password)
	if err != nil {
		return LinkResult{}, err
	}
	out := LinkResult{DocumentID: cmd.DocumentID, ExpiresAt: cmd.ExpiresAt.UTC(), PasswordRequired: passwordHash != ""}
	if cmd.ExpiresAt.IsZero() {
		out.ExpiresAt = time.Time{}
	}
	out.Appended, err = s.exec(ctx, call, func(u *unit) error {
		p, d, err := u.documentFor(domain.ActionShare, cmd.DocumentID)
		if err != nil {
			return err
		}
		if out.LinkID, err = u.id(); err != nil {
			return err
		}
		token, hash, err := newToken(s.random, tokenLink, out.LinkID)
		if err != nil {
			return err
		}
		out.Token, out.CreatedAt = token, u.now
		workspace, err := u.workspaceCustomer(d)
		if err != nil {
			return err
		}
		changes, err := domain.CreateLink(domain.NewLink{LinkID: out.LinkID, Document: d, TokenHash: hash, SealedToken: token, PasswordHash: passwordHash, ExpiresAt: out.ExpiresAt, By: p.UserID, Customer: workspace}, u.now)
		if err != nil {
			return err
		}
		return u.record(changes...)
	})
	return out, err
}

// LinkRef names the link of a command.
type LinkRef struct{ LinkID uuid.UUID }

// CancelLink cancels a link for good; again (or once expired): domain.ErrLinkGone.
func (s *Service) CancelLink(ctx context.Context, call Call, cmd LinkRef) (LinkResult, error) {
	out := LinkResult{LinkID: cmd.LinkID}
	var err error
	out.Appended, err = s.exec(ctx, call, func(u *unit) error {
		l, err := u.link(cmd.LinkID)
		if err != nil {
			return err
		}
		if !l.Exists() {
			return fmt.Errorf("link: %w", domain.ErrNotFound)
		}
		p, _, err := u.linkFor(l.ID)
		if err != nil {
			return err
		}
		out.DocumentID, out.FolderID, out.ExpiresAt, out.PasswordRequired, out.CreatedAt = l.DocumentID, l.FolderID, l.ExpiresAt, l.PasswordRequired(), l.CreatedAt
		events, err := l.Cancel(p.UserID, u.now)
		if err != nil {
			return err
		}
		out.CancelledAt = u.now
		return u.recordOn(l, events)
	})
	return out, err
}

// OpenLink is an anonymous access through a link token.
type OpenLink struct {
	Token    string
	Password string
}

// LinkAccess is what a link gives access to: the document's newest visible version.
type LinkAccess struct {
	LinkID           uuid.UUID
	ProviderID       uuid.UUID
	DocumentID       uuid.UUID
	Name             string
	Version          int
	File             domain.FileInfo
	ExpiresAt        time.Time
	PasswordRequired bool
	Appended         AppendResult
	// checkedHash is the password hash the visitor's password was checked against
	// (RecordLinkOpen refuses if the link's password changed since).
	checkedHash string
	// folderLink: DocumentID was reached through a folder link.
	folderLink bool
}

// OpenLink checks a link token at this instant and records the access
// (LinkOpened, in a stream of its own). Unknown token: domain.ErrNotFound;
// cancelled or expired (or the document removed): domain.ErrLinkGone; protected
// without password: domain.ErrPasswordRequired; wrong password:
// domain.ErrPasswordRejected, and the rejection is recorded (LinkPasswordRejected).
// Callers throttle before calling.
func (s *Service) OpenLink(ctx context.Context, call Call, cmd OpenLink) (LinkAccess, error) {
	return s.accessLink(ctx, call, cmd, true)
}

// InspectLink runs the same checks as OpenLink (recording a wrong password the same
// way) but records no LinkOpened: for showing a link's metadata before download,
// or for checking an access that RecordLinkOpen records once it is served.
func (s *Service) InspectLink(ctx context.Context, call Call, cmd OpenLink) (LinkAccess, error) {
	return s.accessLink(ctx, call, cmd, false)
}

// RecordLinkOpen records the open of an access InspectLink granted, once the
// caller knows it serves the content (a refused range is no open). The link is
// read again: cancelled or expired since: domain.ErrLinkGone; its password changed
// since: domain.ErrPasswordRejected. Nothing is recorded then.
func (s *Service) RecordLinkOpen(ctx context.Context, call Call, acc LinkAccess) (AppendResult, error) {
	return s.execRecording(ctx, call, func(u *unit) error {
		l, err := u.link(acc.LinkID)
		if err != nil {
			return err
		}
		if !l.Exists() {
			return fmt.Errorf("link: %w", domain.ErrNotFound)
		}
		u.tenant = l.ProviderID
		openID, err := u.id()
		if err != nil {
			return err
		}
		events, err := l.RecordOpen(openID, acc.checkedHash, acc.Version, u.now)
		if acc.folderLink {
			events, err = l.RecordFolderOpen(openID, acc.DocumentID, acc.checkedHash, acc.Version, u.now)
		}
		if err != nil {
			return err
		}
		return u.recordOpen(l, events)
	})
}

// recordOpen adds an open (a new stream) guarded by the link's stream at the
// version the decision read: a cancel that commits first makes the append
// conflict, and the retry finds the link gone. The open's cost does not depend on
// how many opens the link had: they are not in its stream.
func (u *unit) recordOpen(l *domain.Link, events []domain.Event) error {
	u.records = append(u.records, StreamGuard{StreamID: l.StreamID(), Version: l.Version()})
	return u.recordNew(events)
}

func (s *Service) accessLink(ctx context.Context, call Call, cmd OpenLink, recordOpen bool) (LinkAccess, error) {
	kind, linkID, err := parseToken(cmd.Token)
	if err != nil || kind != tokenLink {
		return LinkAccess{}, fmt.Errorf("link: %w", domain.ErrNotFound)
	}
	// A retry after a conflict must not pay for the password hash again.
	verified := map[string]bool{}
	verify := func(hash, password string) bool {
		ok, seen := verified[hash]
		if !seen {
			ok = s.hasher.Verify(hash, password)
			verified[hash] = ok
		}
		return ok
	}
	var out LinkAccess
	out.Appended, err = s.execRecording(ctx, call, func(u *unit) error {
		l, err := u.link(linkID)
		if err != nil {
			return err
		}
		if !l.Exists() || !l.MatchesToken(TokenHash(cmd.Token)) {
			return fmt.Errorf("link: %w", domain.ErrNotFound)
		}
		if l.IsFolderLink() {
			return fmt.Errorf("link %s: %w", l.ID, ErrFolderLink)
		}
		d, err := u.document(l.DocumentID)
		if err != nil {
			return err
		}
		u.tenant = l.ProviderID
		if err := u.checkWorkspaceLink(d); err != nil {
			return err
		}
		openID, err := u.id()
		if err != nil {
			return err
		}
		events, err := l.Open(d, cmd.Password, verify, openID, u.now)
		if err != nil && len(events) == 0 {
			return err
		}
		u.failure = err
		out = LinkAccess{LinkID: l.ID, ProviderID: l.ProviderID, DocumentID: d.ID, Name: d.Name, ExpiresAt: l.ExpiresAt,
			PasswordRequired: l.PasswordRequired(), checkedHash: l.PasswordHash}
		if err != nil {
			return u.recordOn(l, events) // the rejection, in the link's stream
		}
		v, _ := d.NewestVisible()
		out.Version, out.File = v.Number, v.FileInfo
		if !recordOpen {
			return nil
		}
		return u.recordOpen(l, events)
	})
	if err != nil {
		return LinkAccess{}, err
	}
	return out, nil
}

// linkPasswordHash checks a link password (before any hashing work) and hashes
// it; no password ("") is no hash.
func (s *Service) linkPasswordHash(password string) (string, error) {
	if err := domain.ValidateLinkPassword(password); err != nil {
		return "", err
	}
	if password == "" {
		return "", nil
	}
	hash, err := s.hasher.Hash(password)
	if err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	return hash, nil
}
