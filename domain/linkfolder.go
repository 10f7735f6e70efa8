package domain

import (
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// Why a link's URL cannot be shown again (Link.Token). They are not rejections of
// a command: the link is there, only its URL is not.
var (
	// ErrTokenNotStored: the link was created before tokens were kept sealed.
	ErrTokenNotStored = errors.New("the link was created before its URL was kept: it cannot be shown again")
	// ErrTokenForgotten: the provider company was forgotten, its key shredded.
	ErrTokenForgotten = errors.New("the company's key was deleted: the link's URL cannot be shown again")
)

// MaxFolderDepth bounds the walk from a document up to a folder link's folder.
const MaxFolderDepth = 64

// IsFolderLink reports whether the link opens a folder rather than one document.
func (l *Link) IsFolderLink() bool { return l.FolderID != uuid.Nil }

// Token is the plain token of the link, to show its URL again, or why it cannot
// be: ErrTokenNotStored or ErrTokenForgotten.
func (l *Link) Token() (string, error) {
	switch l.SealedToken {
	case "":
		return "", ErrTokenNotStored
	case Forgotten:
		return "", ErrTokenForgotten
	}
	return l.SealedToken, nil
}

// NewFolderLink is the input of CreateFolderLink (see NewLink).
type NewFolderLink struct {
	LinkID       uuid.UUID
	Folder       *Folder
	TokenHash    string
	SealedToken  string
	PasswordHash string
	ExpiresAt    time.Time
	By           uuid.UUID
}

// CreateFolderLink creates a link to a folder of the provider's library. A
// customer's workspace (and what lies below it) is private to that customer and
// the provider's staff: no folder link reaches into one (ErrConflict).
func CreateFolderLink(in NewFolderLink, now time.Time) ([]Change, error) {
	f := in.Folder
	if f == nil || !f.Exists() {
		return nil, fmt.Errorf("folder: %w", ErrNotFound)
	}
	if f.WorkspaceCustomerID != uuid.Nil {
		return nil, fmt.Errorf("folder %s is in a customer's workspace: no link reaches it: %w", f.ID, ErrConflict)
	}
	if in.TokenHash == "" {
		return nil, invalid("token", "is missing")
	}
	if err := validExpiry("expires_at", in.ExpiresAt, now); err != nil {
		return nil, err
	}
	return []Change{change(LinkStream(in.LinkID), 0, FolderLinkCreated{
		LinkID: in.LinkID, ProviderID: f.ProviderID, FolderID: f.ID, TokenHash: in.TokenHash, TokenHashAlg: TokenHashSHA256,
		SealedToken: in.SealedToken, PasswordHash: in.PasswordHash, ExpiresAt: in.ExpiresAt, CreatedBy: in.By, CreatedAt: now,
	})}, nil
}

// LinkChange is the input of Link.Change: each Set* says that field changes.
// ExpiresAt zero: never expires; PasswordHash "": no password any more.
type LinkChange struct {
	SetExpiry    bool
	ExpiresAt    time.Time
	SetPassword  bool
	PasswordHash string
}

// Change changes the expiry or the password of a live link (cancelled or
// expired: ErrLinkGone). A change to what the link already has records nothing.
func (l *Link) Change(c LinkChange, by uuid.UUID, now time.Time) ([]Event, error) {
	if err := l.live(now); err != nil {
		return nil, err
	}
	if !c.SetExpiry && !c.SetPassword {
		return nil, invalid("body", "names nothing to change (expires_at, password)")
	}
	if c.SetExpiry {
		if err := validExpiry("expires_at", c.ExpiresAt, now); err != nil {
			return nil, err
		}
	}
	e := LinkChanged{LinkID: l.ID, ProviderID: l.ProviderID, DocumentID: l.DocumentID, FolderID: l.FolderID, ChangedBy: by, ChangedAt: now}
	if c.SetExpiry && !c.ExpiresAt.Equal(l.ExpiresAt) {
		e.Changed, e.ExpiresAt = append(e.Changed, LinkExpiry), c.ExpiresAt.UTC()
	}
	// A new password always changes the hash (salted); removing none changes nothing.
	if c.SetPassword && (c.PasswordHash != "" || l.PasswordHash != "") {
		e.Changed, e.PasswordHash = append(e.Changed, LinkPassword), c.PasswordHash
	}
	if len(e.Changed) == 0 {
		return nil, nil
	}
	return []Event{e}, nil
}

// RevealURL records that by was given the link's URL again at now. Only a live
// link's URL is shown (ErrLinkGone), and only when its token was kept
// (ErrTokenNotStored, ErrTokenForgotten).
func (l *Link) RevealURL(by uuid.UUID, now time.Time) ([]Event, error) {
	if err := l.live(now); err != nil {
		return nil, err
	}
	if _, err := l.Token(); err != nil {
		return nil, err
	}
	return []Event{LinkUrlRevealed{LinkID: l.ID, ProviderID: l.ProviderID, DocumentID: l.DocumentID, FolderID: l.FolderID, RevealedBy: by, RevealedAt: now}}, nil
}

// ReachesFolder reports whether folder lies at or below the folder link's
// folder. above is the chain from folder up to the library's root as far as it
// was loaded (above[0] is folder, each next one the previous one's parent).
// Workspaces are never reached.
func (l *Link) ReachesFolder(above []*Folder) bool {
	if !l.IsFolderLink() || len(above) == 0 || len(above) > MaxFolderDepth+1 {
		return false
	}
	for i, f := range above {
		if !f.Exists() || f.ProviderID != l.ProviderID || f.WorkspaceCustomerID != uuid.Nil {
			return false
		}
		if i > 0 && above[i-1].ParentID != f.ID {
			return false
		}
		if f.ID == l.FolderID {
			return true
		}
	}
	return false
}

// Reaches reports whether the folder link gives access to document d: a live
// document of the provider, uploaded by the provider (never a customer's
// deposit), outside every workspace, whose folder the link reaches (above is its
// folder's chain, see ReachesFolder). Its visible versions are another matter.
func (l *Link) Reaches(d *Document, above []*Folder) bool {
	if d == nil || d.live() != nil || d.ProviderID != l.ProviderID {
		return false
	}
	if d.UploadedByCustomerID != uuid.Nil || d.WorkspaceCustomerID != uuid.Nil {
		return false
	}
	return len(above) > 0 && above[0].ID == d.FolderID && l.ReachesFolder(above)
}

// CheckFolder decides one look into a folder link at now: gone, password (as
// Open does, the rejection being an event the caller records), then folder
// reached (above: see ReachesFolder; else ErrNotFound).
func (l *Link) CheckFolder(above []*Folder, password string, verify func(hash, plain string) bool, now time.Time) ([]Event, error) {
	if err := l.checkVisitor(password, verify, now); err != nil {
		return l.rejection(err, now), err
	}
	if !l.ReachesFolder(above) {
		return nil, fmt.Errorf("link %s: folder not below the link's: %w", l.ID, ErrNotFound)
	}
	return nil, nil
}

// OpenInFolder decides one download of document d through a folder link, in the
// order Open uses (gone, password, then what is reached: d not reached or
// without a visible version: ErrNotFound), and records LinkOpened for d's newest
// visible version in the stream openID names.
func (l *Link) OpenInFolder(d *Document, above []*Folder, password string, verify func(hash, plain string) bool, openID uuid.UUID, now time.Time) ([]Event, error) {
	if err := l.checkVisitor(password, verify, now); err != nil {
		return l.rejection(err, now), err
	}
	if !l.Reaches(d, above) {
		return nil, fmt.Errorf("link %s: document not below the link's folder: %w", l.ID, ErrNotFound)
	}
	v, ok := d.NewestVisible()
	if !ok {
		return nil, fmt.Errorf("link %s: no published version: %w", l.ID, ErrNotFound)
	}
	return l.RecordFolderOpen(openID, d.ID, l.PasswordHash, v.Number, now)
}

// RecordFolderOpen is RecordOpen for a document reached through a folder link.
func (l *Link) RecordFolderOpen(openID, documentID uuid.UUID, checkedPasswordHash string, version int, now time.Time) ([]Event, error) {
	if !l.IsFolderLink() || documentID == uuid.Nil {
		return nil, fmt.Errorf("link %s: not a folder link: %w", l.ID, ErrNotFound)
	}
	events, err := l.RecordOpen(openID, checkedPasswordHash, version, now)
	for i, e := range events {
		if o, ok := e.(LinkOpened); ok {
			o.DocumentID = documentID
			events[i] = o
		}
	}
	return events, err
}

// checkVisitor: the link is live at now and the visitor's password is right.
func (l *Link) checkVisitor(password string, verify func(hash, plain string) bool, now time.Time) error {
	if err := l.live(now); err != nil {
		return err
	}
	if l.PasswordRequired() {
		if password == "" {
			return fmt.Errorf("link %s: %w", l.ID, ErrPasswordRequired)
		}
		if !verify(l.PasswordHash, password) {
			return fmt.Errorf("link %s: %w", l.ID, ErrPasswordRejected)
		}
	}
	return nil
}

// rejection is the event a wrong password leaves, if err is one.
func (l *Link) rejection(err error, now time.Time) []Event {
	if !errors.Is(err, ErrPasswordRejected) {
		return nil
	}
	return []Event{LinkPasswordRejected{LinkID: l.ID, ProviderID: l.ProviderID, DocumentID: l.DocumentID, RejectedAt: now}}
}
