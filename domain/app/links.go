package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
)

// ErrFolderLink answers InspectLink for the token of a folder link: its
// documents are reached one by one (InspectFolderDocument).
var ErrFolderLink = errors.New("the link opens a folder")

// LinkView is a link as its owners see it (GET /links/{id}). Token is set when
// the URL was shown again (and that copy recorded as LinkUrlRevealed); otherwise
// TokenUnavailable says why not.
type LinkView struct {
	LinkID           uuid.UUID
	DocumentID       uuid.UUID
	FolderID         uuid.UUID
	ExpiresAt        time.Time
	PasswordRequired bool
	CreatedAt        time.Time
	Cancelled        bool
	CancelledAt      time.Time
	Expired          bool
	Token            string
	TokenUnavailable error // domain.ErrTokenNotStored, domain.ErrTokenForgotten or domain.ErrLinkGone
	Appended         AppendResult
}

func newLinkView(l *domain.Link, now time.Time) LinkView {
	return LinkView{LinkID: l.ID, DocumentID: l.DocumentID, FolderID: l.FolderID, ExpiresAt: l.ExpiresAt,
		PasswordRequired: l.PasswordRequired(), CreatedAt: l.CreatedAt, Cancelled: l.Cancelled, CancelledAt: l.CancelledAt,
		Expired: !l.Cancelled && l.ExpiredAt(now)}
}

// linkFor loads a link the actor may share: can_share and write access to
// what it opens (its document or folder), as for creating it.
func (u *unit) linkFor(linkID uuid.UUID) (domain.Principal, *domain.Link, error) {
	l, err := u.link(linkID)
	if err != nil {
		return domain.Principal{}, nil, err
	}
	if !l.Exists() {
		return domain.Principal{}, nil, fmt.Errorf("link: %w", domain.ErrNotFound)
	}
	if !l.IsFolderLink() {
		p, _, err := u.documentFor(domain.ActionShare, l.DocumentID)
		return p, l, err
	}
	p, _, err := u.folderFor(domain.ActionShare, l.FolderID)
	return p, l, err
}

func (u *unit) folderFor(act domain.Action, folderID uuid.UUID) (domain.Principal, *domain.Folder, error) {
	p, err := u.principal()
	if err != nil {
		return p, nil, err
	}
	f, err := u.folder(folderID)
	if err != nil {
		return p, nil, err
	}
	scope, err := u.folderScope(p, f)
	if err != nil {
		return p, nil, err
	}
	return p, f, u.authorize(p, act, scope)
}

// RevealLink shows a link to a user who may share what it opens, with its URL
// again when the link is live and its token was kept; that copy is recorded
// (LinkUrlRevealed: who, when). Otherwise the view says why there is no URL,
// and nothing is recorded.
func (s *Service) RevealLink(ctx context.Context, call Call, cmd LinkRef) (LinkView, error) {
	var out LinkView
	var err error
	appended, err := s.exec(ctx, call, func(u *unit) error {
		p, l, err := u.linkFor(cmd.LinkID)
		if err != nil {
			return err
		}
		out = newLinkView(l, u.now)
		events, err := l.RevealURL(p.UserID, u.now)
		switch {
		case errors.Is(err, domain.ErrLinkGone):
			out.TokenUnavailable = domain.ErrLinkGone
			return nil
		case errors.Is(err, domain.ErrTokenNotStored), errors.Is(err, domain.ErrTokenForgotten):
			out.TokenUnavailable = err
			return nil
		case err != nil:
			return err
		}
		out.Token, _ = l.Token()
		return u.recordOn(l, events)
	})
	out.Appended = appended
	return out, err
}

// ChangeLink changes the expiry or the password of a live link. Set* say which;
// ExpiresAt zero: never; Password "": none.
type ChangeLink struct {
	LinkID      uuid.UUID
	SetExpiry   bool
	ExpiresAt   time.Time
	SetPassword bool
	Password    string
}

// ChangeLink records LinkChanged; cancelled or expired: domain.ErrLinkGone.
func (s *Service) ChangeLink(ctx context.Context, call Call, cmd ChangeLink) (LinkView, error) {
	change := domain.LinkChange{SetExpiry: cmd.SetExpiry, ExpiresAt: cmd.ExpiresAt, SetPassword: cmd.SetPassword}
	if cmd.SetPassword && cmd.Password != "" {
		hash, err := s.linkPasswordHash(cmd.Password)
		if err != nil {
			return LinkView{}, err
		}
		change.PasswordHash = hash
	}
	var out LinkView
	appended, err := s.exec(ctx, call, func(u *unit) error {
		p, l, err := u.linkFor(cmd.LinkID)
		if err != nil {
			return err
		}
		events, err := l.Change(change, p.UserID, u.now)
		if err != nil {
			return err
		}
		changed := after(l, same[domain.Link], events)
		out = newLinkView(&changed, u.now)
		return u.recordOn(l, events)
	})
	out.Appended = appended
	return out, err
}

// CreateFolderLink creates a link to a folder (see CreateLink).
type CreateFolderLink struct {
	FolderID  uuid.UUID
	ExpiresAt time.Time
	Password  string
}

// CreateFolderLink creates a folder link; the result carries the plain token,
// which is also kept sealed for copying the URL again.
func (s *Service) CreateFolderLink(ctx context.Context, call Call, cmd CreateFolderLink) (LinkResult, error) {
	passwordHash, err := s.linkPasswordHash(cmd.Password)
	if err != nil {
		return LinkResult{}, err
	}
	out := LinkResult{FolderID: cmd.FolderID, PasswordRequired: passwordHash != ""}
	if !cmd.ExpiresAt.IsZero() {
		out.ExpiresAt = cmd.ExpiresAt.UTC()
	}
	out.Appended, err = s.exec(ctx, call, func(u *unit) error {
		p, f, err := u.folderFor(domain.ActionShare, cmd.FolderID)
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
		changes, err := domain.CreateFolderLink(domain.NewFolderLink{LinkID: out.LinkID, Folder: f, TokenHash: hash, SealedToken: token,
			PasswordHash: passwordHash, ExpiresAt: out.ExpiresAt, By: p.UserID}, u.now)
		if err != nil {
			return err
		}
		return u.record(changes...)
	})
	return out, err
}

// OpenFolderLink is an anonymous look into a folder link: the folder (uuid.Nil:
// the link's own) or one document below it.
type OpenFolderLink struct {
	Token      string
	Password   string
	FolderID   uuid.UUID
	DocumentID uuid.UUID
}

// FolderLinkAccess is what a folder link shows: a folder at or below the link's.
type FolderLinkAccess struct {
	LinkID           uuid.UUID
	ProviderID       uuid.UUID
	FolderID         uuid.UUID
	Name             string
	ExpiresAt        time.Time
	PasswordRequired bool
	Appended         AppendResult
}

// linkFolderChain loads folder id and the folders above it, up to the first whose id
// is stop (or the root, or domain.MaxFolderDepth+1 folders).
func (u *unit) linkFolderChain(id, stop uuid.UUID) ([]*domain.Folder, error) {
	var out []*domain.Folder
	for id != uuid.Nil && len(out) <= domain.MaxFolderDepth {
		f, err := u.folder(id)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
		if f.ID == stop || !f.Exists() {
			break
		}
		id = f.ParentID
	}
	return out, nil
}

// visitLink loads the link a visitor's token names: unknown, malformed or not a
// folder link: domain.ErrNotFound.
func (u *unit) visitFolderLink(token string) (*domain.Link, error) {
	kind, linkID, err := parseToken(token)
	if err != nil || kind != tokenLink {
		return nil, fmt.Errorf("link: %w", domain.ErrNotFound)
	}
	l, err := u.link(linkID)
	if err != nil {
		return nil, err
	}
	if !l.Exists() || !l.MatchesToken(TokenHash(token)) || !l.IsFolderLink() {
		return nil, fmt.Errorf("link: %w", domain.ErrNotFound)
	}
	u.tenant = l.ProviderID
	return l, nil
}

// InspectFolderLink checks a folder link's token, expiry and password now, and
// that cmd.FolderID (uuid.Nil: the link's folder) lies at or below the link's
// folder, outside every workspace (else domain.ErrNotFound). A wrong password
// is recorded, as for a document link. Callers throttle before calling.
func (s *Service) InspectFolderLink(ctx context.Context, call Call, cmd OpenFolderLink) (FolderLinkAccess, error) {
	verify := s.onceVerifier()
	var out FolderLinkAccess
	appended, err := s.execRecording(ctx, call, func(u *unit) error {
		l, err := u.visitFolderLink(cmd.Token)
		if err != nil {
			return err
		}
		target := cmd.FolderID
		if target == uuid.Nil {
			target = l.FolderID
		}
		above, err := u.linkFolderChain(target, l.FolderID)
		if err != nil {
			return err
		}
		events, err := l.CheckFolder(above, cmd.Password, verify, u.now)
		if err != nil {
			if len(events) == 0 {
				return err
			}
			u.failure = err
			return u.recordOn(l, events)
		}
		out = FolderLinkAccess{LinkID: l.ID, ProviderID: l.ProviderID, FolderID: above[0].ID, Name: above[0].Name,
			ExpiresAt: l.ExpiresAt, PasswordRequired: l.PasswordRequired()}
		return nil
	})
	if err != nil {
		return FolderLinkAccess{}, err
	}
	out.Appended = appended
	return out, nil
}

// InspectFolderDocument checks an access to one document through a folder link
// (token, expiry, password, then the document: below the link's folder, the
// provider's own, not removed, with a visible version; else domain.ErrNotFound)
// without recording the open: RecordLinkOpen records it once it is served.
func (s *Service) InspectFolderDocument(ctx context.Context, call Call, cmd OpenFolderLink) (LinkAccess, error) {
	verify := s.onceVerifier()
	var out LinkAccess
	appended, err := s.execRecording(ctx, call, func(u *unit) error {
		l, err := u.visitFolderLink(cmd.Token)
		if err != nil {
			return err
		}
		d, err := u.document(cmd.DocumentID)
		if err != nil {
			return err
		}
		var above []*domain.Folder
		if d.Exists() {
			if above, err = u.linkFolderChain(d.FolderID, l.FolderID); err != nil {
				return err
			}
		}
		openID, err := u.id()
		if err != nil {
			return err
		}
		events, err := l.OpenInFolder(d, above, cmd.Password, verify, openID, u.now)
		if err != nil {
			if len(events) == 0 {
				return err
			}
			u.failure = err
			return u.recordOn(l, events)
		}
		v, _ := d.NewestVisible()
		out = LinkAccess{LinkID: l.ID, ProviderID: l.ProviderID, DocumentID: d.ID, Name: d.Name, Version: v.Number, File: v.FileInfo,
			ExpiresAt: l.ExpiresAt, PasswordRequired: l.PasswordRequired(), checkedHash: l.PasswordHash, folderLink: true}
		return nil
	})
	if err != nil {
		return LinkAccess{}, err
	}
	out.Appended = appended
	return out, nil
}

// onceVerifier checks a password against a hash once per hash: a retry after a
// conflict must not pay for the password hash again.
func (s *Service) onceVerifier() func(hash, password string) bool {
	verified := map[string]bool{}
	return func(hash, password string) bool {
		ok, seen := verified[hash]
		if !seen {
			ok = s.hasher.Verify(hash, password)
			verified[hash] = ok
		}
		return ok
	}
}
