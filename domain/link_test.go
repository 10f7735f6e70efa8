package domain_test

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
)

// verify is the fake password check: the "hash" of p is "hash:"+p.
func verify(hash, plain string) bool { return hash == "hash:"+plain }

func TestCreateLink(t *testing.T) {
	t.Parallel()
	create := func(password string, expires time.Time, token string) func(s *domain.State) ([]domain.Change, error) {
		return func(s *domain.State) ([]domain.Change, error) {
			return domain.CreateLink(domain.NewLink{LinkID: link1, Document: s.Document(doc), TokenHash: token, PasswordHash: password, ExpiresAt: expires, By: admin}, at(1))
		}
	}
	run(t, []tc{
		{name: "a link that never expires, without password", given: world(), do: create("", time.Time{}, "th"),
			then: evs(
				domain.LinkCreated{LinkID: link1, ProviderID: provider, DocumentID: doc, TokenHash: "th", TokenHashAlg: domain.TokenHashSHA256, CreatedBy: admin, CreatedAt: at(1)},
				domain.DocumentLinkAdded{DocumentID: doc, LinkID: link1},
			)},
		{name: "a link with expiry and password (only hashes are stored)", given: world(), do: create("hash:pw", at(24*time.Hour), "th"),
			then: evs(
				domain.LinkCreated{LinkID: link1, ProviderID: provider, DocumentID: doc, TokenHash: "th", TokenHashAlg: domain.TokenHashSHA256, PasswordHash: "hash:pw", ExpiresAt: at(24 * time.Hour), CreatedBy: admin, CreatedAt: at(1)},
				domain.DocumentLinkAdded{DocumentID: doc, LinkID: link1},
			)},
		{name: "expiry in the past", given: world(), do: create("", t0, "th"), wantErr: domain.ErrValidation},
		{name: "expiry now", given: world(), do: create("", at(1), "th"), wantErr: domain.ErrValidation},
		{name: "no token hash", given: world(), do: create("", time.Time{}, ""), wantErr: domain.ErrValidation},
		{name: "a removed document", given: join(world(), evs(domain.DocumentRemoved{DocumentID: doc, ProviderID: provider, RemovedAt: t0})), do: create("", time.Time{}, "th"), wantErr: domain.ErrNotFound},
		{name: "a missing document", given: providerRegistered(), do: create("", time.Time{}, "th"), wantErr: domain.ErrNotFound},
	})
}

func TestCancelLink(t *testing.T) {
	t.Parallel()
	cancel := func(when time.Time) func(s *domain.State) ([]domain.Event, error) {
		return func(s *domain.State) ([]domain.Event, error) { return s.Link(link1).Cancel(admin, when) }
	}
	cancelledLink := evs(domain.LinkCancelled{LinkID: link1, ProviderID: provider, DocumentID: doc, Reason: domain.ReasonCancelled, CancelledBy: admin, CancelledAt: t0})
	run(t, []tc{
		{name: "cancel", given: join(world(), linkCreated(link1, "", time.Time{})), when: cancel(at(1)),
			then: evs(domain.LinkCancelled{LinkID: link1, ProviderID: provider, DocumentID: doc, Reason: domain.ReasonCancelled, CancelledBy: admin, CancelledAt: at(1)})},
		{name: "cancel is final: cancel again", given: join(world(), linkCreated(link1, "", time.Time{}), cancelledLink), when: cancel(at(1)), wantErr: domain.ErrLinkGone},
		{name: "an expired link is gone", given: join(world(), linkCreated(link1, "", at(time.Hour))), when: cancel(at(time.Hour)), wantErr: domain.ErrLinkGone},
		{name: "a missing link", given: world(), when: cancel(at(1)), wantErr: domain.ErrNotFound},
	})
}

func TestOpenLink(t *testing.T) {
	t.Parallel()
	open := func(password string, when time.Time) func(s *domain.State) ([]domain.Event, error) {
		return func(s *domain.State) ([]domain.Event, error) {
			l := s.Link(link1)
			return l.Open(s.Document(l.DocumentID), password, verify, open1, when)
		}
	}
	opened := func(v int, when time.Time) []domain.Event {
		return evs(domain.LinkOpened{OpenID: open1, LinkID: link1, ProviderID: provider, DocumentID: doc, Version: v, OpenedAt: when})
	}
	plain := join(world(), linkCreated(link1, "", time.Time{}))
	protected := join(world(), linkCreated(link1, "hash:s3cret", time.Time{}))
	expiring := join(world(), linkCreated(link1, "", at(time.Hour)))
	run(t, []tc{
		{name: "open", given: plain, when: open("", at(1)), then: opened(1, at(1))},
		{name: "open serves the newest visible version", given: join(plain, evs(
			domain.DocumentVersionAdded{DocumentID: doc, ProviderID: provider, Version: 2, FileInfo: file2, AddedAt: t0},
			domain.DocumentVersionAdded{DocumentID: doc, ProviderID: provider, Version: 3, FileInfo: file1, Hidden: true, AddedAt: t0},
		)), when: open("", at(1)), then: opened(2, at(1))},
		{name: "open a link whose document has no visible version", given: join(plain, evs(
			domain.VersionVisibilityChanged{DocumentID: doc, ProviderID: provider, Version: 1, Hidden: true, ChangedAt: t0},
		)), when: open("", at(1)), wantErr: domain.ErrNotFound},
		{name: "open just before expiry", given: expiring, when: open("", at(time.Hour-1)), then: opened(1, at(time.Hour-1))},
		{name: "open at the expiry instant", given: expiring, when: open("", at(time.Hour)), wantErr: domain.ErrLinkGone},
		{name: "open a cancelled link", given: join(plain, evs(domain.LinkCancelled{LinkID: link1, ProviderID: provider, DocumentID: doc, Reason: domain.ReasonCancelled, CancelledBy: admin, CancelledAt: t0})),
			when: open("", at(1)), wantErr: domain.ErrLinkGone},
		{name: "open a link of a removed document", given: join(plain, evs(domain.DocumentRemoved{DocumentID: doc, ProviderID: provider, RemovedAt: t0})),
			when: open("", at(1)), wantErr: domain.ErrLinkGone},
		{name: "a protected link without password", given: protected, when: open("", at(1)), wantErr: domain.ErrPasswordRequired},
		{name: "a protected link with a wrong password records the rejection", given: protected, when: open("guess", at(1)),
			then:    evs(domain.LinkPasswordRejected{LinkID: link1, ProviderID: provider, DocumentID: doc, RejectedAt: at(1)}),
			wantErr: domain.ErrPasswordRejected},
		{name: "a protected link with the password", given: protected, when: open("s3cret", at(1)), then: opened(1, at(1))},
		{name: "a cancelled protected link answers gone before asking for a password", given: join(protected, evs(domain.LinkCancelled{LinkID: link1, ProviderID: provider, DocumentID: doc, Reason: domain.ReasonCancelled, CancelledAt: t0})),
			when: open("guess", at(1)), wantErr: domain.ErrLinkGone},
		{name: "a missing link", given: world(), when: func(s *domain.State) ([]domain.Event, error) {
			return s.Link(link1).Open(s.Document(doc), "", verify, open1, at(1))
		}, wantErr: domain.ErrNotFound},
	})
}

// open1 names the stream of one recorded open.
var open1 = uuid.MustParse("0190b5a0-0000-7000-8000-00000000f001")

// TestRecordLinkOpen: an open checked earlier (password, version) is recorded
// only if the link still allows it now; a cancel in between wins.
func TestRecordLinkOpen(t *testing.T) {
	t.Parallel()
	record := func(checkedHash string, version int, when time.Time) func(s *domain.State) ([]domain.Event, error) {
		return func(s *domain.State) ([]domain.Event, error) {
			return s.Link(link1).RecordOpen(open1, checkedHash, version, when)
		}
	}
	plain := join(world(), linkCreated(link1, "", time.Time{}))
	protected := join(world(), linkCreated(link1, "hash:s3cret", time.Time{}))
	cancelled := evs(domain.LinkCancelled{LinkID: link1, ProviderID: provider, DocumentID: doc, Reason: domain.ReasonCancelled, CancelledBy: admin, CancelledAt: t0})
	run(t, []tc{
		{name: "record an open in a stream of its own", given: plain, when: record("", 1, at(1)),
			then: evs(domain.LinkOpened{OpenID: open1, LinkID: link1, ProviderID: provider, DocumentID: doc, Version: 1, OpenedAt: at(1)})},
		{name: "a protected link checked against its current password", given: protected, when: record("hash:s3cret", 1, at(1)),
			then: evs(domain.LinkOpened{OpenID: open1, LinkID: link1, ProviderID: provider, DocumentID: doc, Version: 1, OpenedAt: at(1)})},
		{name: "a cancel since the check wins", given: join(plain, cancelled), when: record("", 1, at(1)), wantErr: domain.ErrLinkGone},
		{name: "an expiry since the check wins", given: join(world(), linkCreated(link1, "", at(time.Hour))), when: record("", 1, at(time.Hour)), wantErr: domain.ErrLinkGone},
		{name: "a password other than the one checked", given: protected, when: record("hash:old", 1, at(1)), wantErr: domain.ErrPasswordRejected},
		{name: "a missing link", given: world(), when: record("", 1, at(1)), wantErr: domain.ErrNotFound},
		{name: "old opens in the link's stream still replay", given: join(plain, evs(
			domain.LinkOpened{LinkID: link1, ProviderID: provider, DocumentID: doc, Version: 1, OpenedAt: t0})),
			when: record("", 1, at(1)),
			then: evs(domain.LinkOpened{OpenID: open1, LinkID: link1, ProviderID: provider, DocumentID: doc, Version: 1, OpenedAt: at(1)})},
	})
}

func TestLinkOpenedStream(t *testing.T) {
	t.Parallel()
	if got := domain.StreamOf(domain.LinkOpened{OpenID: open1, LinkID: link1}); got != domain.LinkOpenStream(open1) {
		t.Fatalf("new open in %s", got)
	}
	if got := domain.StreamOf(domain.LinkOpened{LinkID: link1}); got != domain.LinkStream(link1) {
		t.Fatalf("old open in %s", got)
	}
	kind, id, err := domain.ParseStream(domain.LinkOpenStream(open1))
	if err != nil || kind != domain.KindLinkOpen || id != open1 {
		t.Fatalf("parse: %s %s %v", kind, id, err)
	}
}
