package domain_test

import (
	"encoding/binary"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
)

// t0 is the injected "now" of every command in these tests.
var t0 = time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)

func at(d time.Duration) time.Time { return t0.Add(d) }

// n makes readable, deterministic ids: n(7) is ...-000000000007.
func n(i uint32) uuid.UUID {
	var u uuid.UUID
	u[6], u[8] = 0x70, 0x80
	binary.BigEndian.PutUint32(u[12:], i)
	return u
}

// The cast of the fixtures.
var (
	provider  = n(1) // the provider company
	rival     = n(2) // another provider
	acmeCo    = n(3) // a customer company
	admin     = n(10)
	member    = n(11)
	cust      = n(20) // provider's customer for acmeCo
	workspace = n(21) // cust's workspace folder
	wsSub     = n(22) // a folder inside the workspace
	libRoot   = n(30) // "Manuals"
	libSub    = n(31) // "Manuals/2025"
	rivalRoot = n(32) // a folder of the rival provider
	doc       = n(40) // "Guide.pdf" in libSub
	wsDoc     = n(41) // a document in the workspace
	rivalDoc  = n(42)
	share1    = n(50)
	share2    = n(51)
	link1     = n(60)
	group     = domain.GroupIDForCode("Acme-4821")
)

var (
	file1 = domain.FileInfo{SHA256: sha('1'), Size: 1000, MediaType: "application/pdf"}
	file2 = domain.FileInfo{SHA256: sha('2'), Size: 2000, MediaType: "application/pdf"}
)

func sha(c byte) string {
	b := make([]byte, 64)
	for i := range b {
		b[i] = c
	}
	return string(b)
}

func join(parts ...[]domain.Event) []domain.Event {
	var out []domain.Event
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func evs(e ...domain.Event) []domain.Event { return e }

func providerRegistered() []domain.Event {
	return evs(
		domain.CompanyRegistered{CompanyID: provider, Name: "Provider Ltd", Via: domain.ViaSignup, RegisteredAt: t0},
		domain.UserRegistered{UserID: admin, CompanyID: provider, Personal: domain.PersonalData{Name: "Ada", Email: "ada@provider.test"}, Role: domain.RoleAdmin, RegisteredAt: t0},
	)
}

func acmeRegistered() []domain.Event {
	return evs(domain.CompanyRegistered{CompanyID: acmeCo, Name: "Acme Corp", Via: domain.ViaSignup, RegisteredAt: t0})
}

func rivalRegistered() []domain.Event {
	return evs(
		domain.CompanyRegistered{CompanyID: rival, Name: "Rival", Via: domain.ViaSignup, RegisteredAt: t0},
		domain.FolderCreated{FolderID: rivalRoot, ProviderID: rival, Name: "Rival files", CreatedAt: t0},
		domain.DocumentAdded{DocumentID: rivalDoc, ProviderID: rival, FolderID: rivalRoot, Name: "x.pdf", FileInfo: file1, AddedAt: t0},
	)
}

func groupCreated() []domain.Event {
	return evs(domain.CustomerGroupCreated{GroupID: group, ProviderID: provider, Name: "Acme", Code: "Acme-4821", CreatedAt: t0})
}

// connected: provider, acme, and cust active with its workspace (and a subfolder and
// a document inside it).
func connected() []domain.Event {
	return join(providerRegistered(), acmeRegistered(), evs(
		domain.CustomerConnected{CustomerID: cust, ProviderID: provider, CompanyID: acmeCo, CompanyName: "Acme Corp", WorkspaceFolderID: workspace, Via: domain.ViaProvider, ConnectedAt: t0},
		domain.FolderCreated{FolderID: workspace, ProviderID: provider, Name: "Acme Corp", WorkspaceCustomerID: cust, CreatedAt: t0},
		domain.ProviderCustomerAdded{ProviderID: provider, CustomerID: cust, CustomerCompanyID: acmeCo},
		domain.FolderCreated{FolderID: wsSub, ProviderID: provider, ParentID: workspace, Name: "Invoices", WorkspaceCustomerID: cust, CreatedAt: t0},
		domain.DocumentAdded{DocumentID: wsDoc, ProviderID: provider, FolderID: wsSub, Name: "Invoice 1.pdf", WorkspaceCustomerID: cust, FileInfo: file1, AddedAt: t0},
	))
}

// library: a root folder, a subfolder, and doc (one visible version) in it.
func library() []domain.Event {
	return evs(
		domain.FolderCreated{FolderID: libRoot, ProviderID: provider, Name: "Manuals", CreatedAt: t0},
		domain.FolderCreated{FolderID: libSub, ProviderID: provider, ParentID: libRoot, Name: "2025", CreatedAt: t0},
		domain.DocumentAdded{DocumentID: doc, ProviderID: provider, FolderID: libSub, Name: "Guide.pdf", FileInfo: file1, AddedAt: t0},
	)
}

func world() []domain.Event { return join(connected(), library()) }

func docShare(id, docID uuid.UUID, p domain.Permission) []domain.Event {
	return evs(
		domain.PortalShareGranted{ShareID: id, ProviderID: provider, CustomerID: cust, DocumentID: docID, Permission: p, GrantedBy: admin, GrantedAt: t0},
		domain.CustomerShareAdded{CustomerID: cust, ShareID: id, DocumentID: docID},
		domain.DocumentShareAdded{DocumentID: docID, ShareID: id, CustomerID: cust},
	)
}

func folderShare(id, folderID uuid.UUID, p domain.Permission) []domain.Event {
	return evs(
		domain.PortalShareGranted{ShareID: id, ProviderID: provider, CustomerID: cust, FolderID: folderID, Permission: p, GrantedBy: admin, GrantedAt: t0},
		domain.CustomerShareAdded{CustomerID: cust, ShareID: id, FolderID: folderID},
	)
}

func cancelled(id, docID, folderID uuid.UUID, reason string) []domain.Event {
	out := evs(domain.ShareCancelled{ShareID: id, ProviderID: provider, CustomerID: cust, DocumentID: docID, FolderID: folderID, Reason: reason, CancelledBy: admin, CancelledAt: t0})
	if reason == domain.ReasonCancelled {
		out = append(out, domain.CustomerShareRemoved{CustomerID: cust, ShareID: id})
	}
	return out
}

func linkCreated(id uuid.UUID, password string, expires time.Time) []domain.Event {
	return evs(
		domain.LinkCreated{LinkID: id, ProviderID: provider, DocumentID: doc, TokenHash: "tokenhash", TokenHashAlg: domain.TokenHashSHA256, PasswordHash: password, ExpiresAt: expires, CreatedBy: admin, CreatedAt: t0},
		domain.DocumentLinkAdded{DocumentID: doc, LinkID: id},
	)
}

func paused() []domain.Event {
	return evs(domain.SharingPaused{CustomerID: cust, ProviderID: provider, PausedAt: t0})
}

func revoked() []domain.Event {
	return evs(
		domain.SharingRevoked{CustomerID: cust, ProviderID: provider, RevokedAt: t0},
		domain.ProviderCustomerRemoved{ProviderID: provider, CustomerID: cust, CustomerCompanyID: acmeCo},
	)
}

// A case of an aggregate table: replay given, run the command, compare the
// recorded events (go-cmp) and the error (errors.Is).
type tc struct {
	name  string
	given []domain.Event
	// Exactly one of when (single-stream commands) and do (multi-stream ones).
	when    func(s *domain.State) ([]domain.Event, error)
	do      func(s *domain.State) ([]domain.Change, error)
	then    []domain.Event
	wantErr error
}

func run(t *testing.T, cases []tc) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s := domain.NewState()
			if err := s.Apply(c.given...); err != nil {
				t.Fatalf("given: %v", err)
			}
			var got []domain.Event
			var err error
			if c.do != nil {
				var changes []domain.Change
				changes, err = c.do(s)
				for _, ch := range changes {
					got = append(got, ch.Events...)
				}
				// The decision must append at the versions it read, to the streams
				// its events belong to.
				if applyErr := s.ApplyChanges(changes); applyErr != nil {
					t.Fatalf("changes do not apply: %v", applyErr)
				}
			} else {
				got, err = c.when(s)
				if applyErr := s.Apply(got...); applyErr != nil {
					t.Fatalf("events do not apply: %v", applyErr)
				}
			}
			switch {
			case c.wantErr == nil && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case c.wantErr != nil && !errors.Is(err, c.wantErr):
				t.Fatalf("error = %v, want %v", err, c.wantErr)
			}
			if diff := cmp.Diff(c.then, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }
