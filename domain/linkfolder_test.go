package domain_test

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
)

var (
	folderLink = n(61)
	hiddenDoc  = n(43) // in libSub, its only version hidden
	deposit    = n(44) // in libRoot, uploaded by the customer
	outside    = n(45) // in a folder beside libRoot
	besideRoot = n(33)
)

func folderLinkCreated(id, folder uuid.UUID, password string, expires time.Time) []domain.Event {
	return evs(domain.FolderLinkCreated{LinkID: id, ProviderID: provider, FolderID: folder, TokenHash: "tokenhash", TokenHashAlg: domain.TokenHashSHA256,
		SealedToken: "token", PasswordHash: password, ExpiresAt: expires, CreatedBy: admin, CreatedAt: t0})
}

// folderWorld: the library plus a hidden document, a customer's deposit, and a
// document in a folder beside the linked one.
func folderWorld() []domain.Event {
	return join(world(), evs(
		domain.DocumentAdded{DocumentID: hiddenDoc, ProviderID: provider, FolderID: libSub, Name: "Draft.pdf", FileInfo: file2, Hidden: true, AddedAt: t0},
		domain.DocumentAdded{DocumentID: deposit, ProviderID: provider, FolderID: libRoot, Name: "Mine.pdf", FileInfo: file2, UploadedByCustomerID: cust, AddedAt: t0},
		domain.FolderCreated{FolderID: besideRoot, ProviderID: provider, Name: "Other", CreatedAt: t0},
		domain.DocumentAdded{DocumentID: outside, ProviderID: provider, FolderID: besideRoot, Name: "Other.pdf", FileInfo: file1, AddedAt: t0},
	))
}

func TestCreateFolderLink(t *testing.T) {
	t.Parallel()
	create := func(folder uuid.UUID, expires time.Time) func(s *domain.State) ([]domain.Change, error) {
		return func(s *domain.State) ([]domain.Change, error) {
			return domain.CreateFolderLink(domain.NewFolderLink{LinkID: folderLink, Folder: s.Folder(folder), TokenHash: "tokenhash", SealedToken: "token",
				PasswordHash: "hash:pw", ExpiresAt: expires, By: admin}, at(1))
		}
	}
	run(t, []tc{
		{name: "a folder link keeps its token sealed and its password hashed", given: world(), do: create(libRoot, at(time.Hour)),
			then: evs(domain.FolderLinkCreated{LinkID: folderLink, ProviderID: provider, FolderID: libRoot, TokenHash: "tokenhash", TokenHashAlg: domain.TokenHashSHA256,
				SealedToken: "token", PasswordHash: "hash:pw", ExpiresAt: at(time.Hour), CreatedBy: admin, CreatedAt: at(1)})},
		{name: "refused: a customer's workspace", given: world(), do: create(workspace, time.Time{}), wantErr: domain.ErrConflict},
		{name: "refused: a folder inside a workspace", given: world(), do: create(wsSub, time.Time{}), wantErr: domain.ErrConflict},
		{name: "refused: a missing folder", given: world(), do: create(n(99), time.Time{}), wantErr: domain.ErrNotFound},
		{name: "refused: expiry in the past", given: world(), do: create(libRoot, t0), wantErr: domain.ErrValidation},
	})
}

func TestChangeLink(t *testing.T) {
	t.Parallel()
	change := func(c domain.LinkChange, when time.Time) func(s *domain.State) ([]domain.Event, error) {
		return func(s *domain.State) ([]domain.Event, error) { return s.Link(link1).Change(c, admin, when) }
	}
	cancelled := evs(domain.LinkCancelled{LinkID: link1, ProviderID: provider, DocumentID: doc, Reason: domain.ReasonCancelled, CancelledBy: admin, CancelledAt: t0})
	run(t, []tc{
		{name: "new expiry", given: join(world(), linkCreated(link1, "", time.Time{})), when: change(domain.LinkChange{SetExpiry: true, ExpiresAt: at(48 * time.Hour)}, at(1)),
			then: evs(domain.LinkChanged{LinkID: link1, ProviderID: provider, DocumentID: doc, Changed: []string{domain.LinkExpiry}, ExpiresAt: at(48 * time.Hour), ChangedBy: admin, ChangedAt: at(1)})},
		{name: "expiry removed and password set", given: join(world(), linkCreated(link1, "", at(time.Hour))),
			when: change(domain.LinkChange{SetExpiry: true, SetPassword: true, PasswordHash: "hash:new"}, at(1)),
			then: evs(domain.LinkChanged{LinkID: link1, ProviderID: provider, DocumentID: doc, Changed: []string{domain.LinkExpiry, domain.LinkPassword}, PasswordHash: "hash:new", ChangedBy: admin, ChangedAt: at(1)})},
		{name: "password removed", given: join(world(), linkCreated(link1, "hash:old", time.Time{})), when: change(domain.LinkChange{SetPassword: true}, at(1)),
			then: evs(domain.LinkChanged{LinkID: link1, ProviderID: provider, DocumentID: doc, Changed: []string{domain.LinkPassword}, ChangedBy: admin, ChangedAt: at(1)})},
		{name: "what the link has already: nothing recorded", given: join(world(), linkCreated(link1, "", time.Time{})),
			when: change(domain.LinkChange{SetExpiry: true, SetPassword: true}, at(1))},
		{name: "refused: a cancelled link", given: join(world(), linkCreated(link1, "", time.Time{}), cancelled),
			when: change(domain.LinkChange{SetExpiry: true, ExpiresAt: at(48 * time.Hour)}, at(1)), wantErr: domain.ErrLinkGone},
		{name: "refused: an expired link", given: join(world(), linkCreated(link1, "", at(time.Hour))),
			when: change(domain.LinkChange{SetExpiry: true, ExpiresAt: at(48 * time.Hour)}, at(2*time.Hour)), wantErr: domain.ErrLinkGone},
		{name: "refused: expiry in the past", given: join(world(), linkCreated(link1, "", time.Time{})),
			when: change(domain.LinkChange{SetExpiry: true, ExpiresAt: t0}, at(1)), wantErr: domain.ErrValidation},
		{name: "refused: nothing named", given: join(world(), linkCreated(link1, "", time.Time{})), when: change(domain.LinkChange{}, at(1)), wantErr: domain.ErrValidation},
		{name: "refused: no such link", given: world(), when: change(domain.LinkChange{SetPassword: true}, at(1)), wantErr: domain.ErrNotFound},
	})
}

func TestRevealLinkURL(t *testing.T) {
	t.Parallel()
	reveal := func(id uuid.UUID, when time.Time) func(s *domain.State) ([]domain.Event, error) {
		return func(s *domain.State) ([]domain.Event, error) { return s.Link(id).RevealURL(member, when) }
	}
	sealed := evs(domain.LinkCreated{LinkID: link1, ProviderID: provider, DocumentID: doc, TokenHash: "th", TokenHashAlg: domain.TokenHashSHA256, SealedToken: "token", CreatedBy: admin, CreatedAt: t0},
		domain.DocumentLinkAdded{DocumentID: doc, LinkID: link1})
	shredded := evs(domain.LinkCreated{LinkID: link1, ProviderID: provider, DocumentID: doc, TokenHash: "th", TokenHashAlg: domain.TokenHashSHA256, SealedToken: domain.Forgotten, CreatedBy: admin, CreatedAt: t0},
		domain.DocumentLinkAdded{DocumentID: doc, LinkID: link1})
	run(t, []tc{
		{name: "a copy is recorded: who, when", given: join(world(), sealed), when: reveal(link1, at(7*24*time.Hour)),
			then: evs(domain.LinkUrlRevealed{LinkID: link1, ProviderID: provider, DocumentID: doc, RevealedBy: member, RevealedAt: at(7 * 24 * time.Hour)})},
		{name: "a folder link", given: join(world(), folderLinkCreated(folderLink, libRoot, "", time.Time{})), when: reveal(folderLink, at(1)),
			then: evs(domain.LinkUrlRevealed{LinkID: folderLink, ProviderID: provider, FolderID: libRoot, RevealedBy: member, RevealedAt: at(1)})},
		{name: "refused: created before tokens were kept", given: join(world(), linkCreated(link1, "", time.Time{})), when: reveal(link1, at(1)), wantErr: domain.ErrTokenNotStored},
		{name: "refused: the company was forgotten", given: join(world(), shredded), when: reveal(link1, at(1)), wantErr: domain.ErrTokenForgotten},
		{name: "refused: cancelled", given: join(world(), sealed, evs(domain.LinkCancelled{LinkID: link1, ProviderID: provider, DocumentID: doc, Reason: domain.ReasonCancelled, CancelledAt: t0})),
			when: reveal(link1, at(1)), wantErr: domain.ErrLinkGone},
	})
}

func TestOpenInFolder(t *testing.T) {
	t.Parallel()
	// chain loads the folders from d's folder up, as the application does.
	chain := func(s *domain.State, folder uuid.UUID) []*domain.Folder {
		var out []*domain.Folder
		for id := folder; id != uuid.Nil && len(out) <= domain.MaxFolderDepth; id = s.Folder(id).ParentID {
			out = append(out, s.Folder(id))
		}
		return out
	}
	open := func(linkFolder, document uuid.UUID, password string, when time.Time) func(s *domain.State) ([]domain.Event, error) {
		return func(s *domain.State) ([]domain.Event, error) {
			d := s.Document(document)
			return s.Link(folderLink).OpenInFolder(d, chain(s, d.FolderID), password, verify, n(70), when)
		}
	}
	base := func(password string, expires time.Time) []domain.Event {
		return join(folderWorld(), rivalRegistered(), folderLinkCreated(folderLink, libRoot, password, expires))
	}
	opened := func(document uuid.UUID) []domain.Event {
		return evs(domain.LinkOpened{OpenID: n(70), LinkID: folderLink, ProviderID: provider, DocumentID: document, Version: 1, OpenedAt: at(1)})
	}
	run(t, []tc{
		{name: "a document below the folder (at any depth)", given: base("", time.Time{}), when: open(libRoot, doc, "", at(1)), then: opened(doc)},
		{name: "a document added later is reached", given: join(base("", time.Time{}), evs(
			domain.DocumentAdded{DocumentID: n(46), ProviderID: provider, FolderID: libSub, Name: "New.pdf", FileInfo: file1, AddedAt: at(1)})),
			when: open(libRoot, n(46), "", at(1)), then: opened(n(46))},
		{name: "with the right password", given: base("hash:pw", time.Time{}), when: open(libRoot, doc, "pw", at(1)), then: opened(doc)},
		{name: "refused: no password", given: base("hash:pw", time.Time{}), when: open(libRoot, doc, "", at(1)), wantErr: domain.ErrPasswordRequired},
		{name: "refused: a wrong password (recorded)", given: base("hash:pw", time.Time{}), when: open(libRoot, doc, "nope", at(1)), wantErr: domain.ErrPasswordRejected,
			then: evs(domain.LinkPasswordRejected{LinkID: folderLink, ProviderID: provider, RejectedAt: at(1)})},
		{name: "refused: a wrong password, even for a document outside", given: base("hash:pw", time.Time{}), when: open(libRoot, outside, "nope", at(1)), wantErr: domain.ErrPasswordRejected,
			then: evs(domain.LinkPasswordRejected{LinkID: folderLink, ProviderID: provider, RejectedAt: at(1)})},
		{name: "refused: expired", given: base("", at(time.Hour)), when: open(libRoot, doc, "", at(time.Hour)), wantErr: domain.ErrLinkGone},
		{name: "refused: a document outside the folder", given: base("", time.Time{}), when: open(libRoot, outside, "", at(1)), wantErr: domain.ErrNotFound},
		{name: "refused: another provider's document", given: base("", time.Time{}), when: open(libRoot, rivalDoc, "", at(1)), wantErr: domain.ErrNotFound},
		{name: "refused: a customer's deposit below the folder", given: base("", time.Time{}), when: open(libRoot, deposit, "", at(1)), wantErr: domain.ErrNotFound},
		{name: "refused: a workspace document", given: base("", time.Time{}), when: open(libRoot, wsDoc, "", at(1)), wantErr: domain.ErrNotFound},
		{name: "refused: only hidden versions", given: base("", time.Time{}), when: open(libRoot, hiddenDoc, "", at(1)), wantErr: domain.ErrNotFound},
		{name: "refused: a removed document", given: join(base("", time.Time{}), evs(domain.DocumentRemoved{DocumentID: doc, ProviderID: provider, RemovedAt: t0})),
			when: open(libRoot, doc, "", at(1)), wantErr: domain.ErrNotFound},
		{name: "refused: an unknown document", given: base("", time.Time{}), when: open(libRoot, n(98), "", at(1)), wantErr: domain.ErrNotFound},
	})
}
