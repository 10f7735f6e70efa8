package domain_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
)

// sim runs random commands against the pure model, appending their changes as a
// store would (expected-version checked) and keeping the log.
type sim struct {
	t    *testing.T
	rng  *rand.Rand
	s    *domain.State
	log  []domain.Recorded
	now  time.Time
	next uint32
	cos  []uuid.UUID // customer companies
}

func (m *sim) id() uuid.UUID { m.next++; return n(1000 + m.next) }

func pick[T any](rng *rand.Rand, xs []T) (T, bool) {
	var zero T
	if len(xs) == 0 {
		return zero, false
	}
	return xs[rng.IntN(len(xs))], true
}

func (m *sim) commit(name string, changes []domain.Change, err error) {
	m.t.Helper()
	if err != nil && !domain.IsRejection(err) {
		m.t.Fatalf("%s: unexpected error %v", name, err)
	}
	if err != nil && len(changes) > 0 {
		m.t.Fatalf("%s: rejected (%v) but decided %d changes", name, err, len(changes))
	}
	if aerr := m.s.ApplyChanges(changes); aerr != nil {
		m.t.Fatalf("%s: %v", name, aerr)
	}
	m.record(changes)
}

func (m *sim) record(changes []domain.Change) {
	for _, c := range changes {
		for i, e := range c.Events {
			m.log = append(m.log, domain.Recorded{Position: int64(len(m.log) + 1), StreamID: c.Stream, Version: c.Version + int64(i) + 1, Type: e.EventType(), Event: e})
		}
	}
}

func (m *sim) single(name string, a domain.Aggregate, events []domain.Event, err error) {
	m.t.Helper()
	var changes []domain.Change
	if len(events) > 0 {
		changes = []domain.Change{{Stream: domain.StreamOf(events[0]), Version: a.Version(), Events: events}}
	}
	if errors.Is(err, domain.ErrPasswordRejected) {
		// The one rejection that is recorded.
		if aerr := m.s.ApplyChanges(changes); aerr != nil {
			m.t.Fatal(aerr)
		}
		m.record(changes)
		return
	}
	m.commit(name, changes, err)
}

func (m *sim) step() {
	rng, s := m.rng, m.s
	customer, _ := pick(rng, s.Customers())
	if customer == nil {
		customer = &domain.Customer{}
	}
	doc, _ := pick(rng, s.Documents())
	folder, _ := pick(rng, s.Folders())
	share, _ := pick(rng, s.Shares())
	link, _ := pick(rng, s.Links())
	perm, _ := pick(rng, []domain.Permission{domain.PermissionView, domain.PermissionEdit})
	switch rng.IntN(16) {
	case 0, 1:
		in := domain.NewShare{ShareID: m.id(), Customer: customer, Permission: perm, By: admin}
		if rng.IntN(2) == 0 && doc != nil {
			in.Document = doc
		} else if folder != nil {
			in.Folder = folder
		}
		ch, err := domain.GrantShare(in, m.now)
		m.commit("grant", ch, err)
	case 2:
		if share != nil {
			ch, err := domain.CancelShare(share, s.Customer(share.CustomerID), admin, m.now)
			m.commit("cancel share", ch, err)
		}
	case 3:
		if share != nil {
			evs, err := share.ChangePermission(perm, admin, m.now)
			m.single("change permission", share, evs, err)
		}
	case 4:
		evs, err := customer.Pause(m.now)
		m.single("pause", customer, evs, err)
	case 5:
		evs, err := customer.Resume(m.now)
		m.single("resume", customer, evs, err)
	case 6:
		if rng.IntN(3) != 0 {
			break // revokes are final: keep them rare so sequences stay interesting
		}
		shares := map[uuid.UUID]*domain.Share{}
		for _, id := range customer.ActiveShareIDs() {
			shares[id] = s.Share(id)
		}
		links := map[uuid.UUID]*domain.Link{}
		for _, id := range customer.Links {
			links[id] = s.Link(id)
		}
		reason, _ := pick(rng, []string{domain.ReasonCustomerRevoked, domain.ReasonCustomerLeft})
		ch, err := domain.EndCustomer(domain.CustomerEnding{Provider: s.Company(provider), Customer: customer, Shares: shares, Links: links, Reason: reason, By: admin}, m.now)
		m.commit("revoke", ch, err)
	case 7:
		co, _ := pick(rng, m.cos)
		ch, err := domain.ConnectCustomer(s.Company(provider), domain.NewCustomer{CustomerID: m.id(), WorkspaceFolderID: m.id(), Company: s.Company(co)}, domain.ViaProvider, m.now)
		m.commit("connect", ch, err)
	case 8:
		if doc != nil {
			in := domain.NewLink{LinkID: m.id(), Document: doc, TokenHash: "t", By: admin}
			if doc.WorkspaceCustomerID != uuid.Nil {
				in.Customer = s.Customer(doc.WorkspaceCustomerID)
			}
			if rng.IntN(2) == 0 {
				in.ExpiresAt = m.now.Add(time.Duration(rng.IntN(5)) * time.Hour)
			}
			if rng.IntN(2) == 0 {
				in.PasswordHash = "hash:pw"
			}
			ch, err := domain.CreateLink(in, m.now)
			m.commit("link", ch, err)
		}
	case 9:
		if link != nil {
			evs, err := link.Cancel(admin, m.now)
			m.single("cancel link", link, evs, err)
		}
	case 10:
		if link != nil {
			pw, _ := pick(rng, []string{"", "pw", "wrong"})
			evs, err := link.Open(s.Document(link.DocumentID), pw, verify, m.id(), m.now)
			if err == nil { // an open is a stream of its own
				m.commit("open link", []domain.Change{{Stream: domain.StreamOf(evs[0]), Events: evs}}, nil)
				break
			}
			m.single("open link", link, evs, err)
		}
	case 11:
		if doc != nil && rng.IntN(3) == 0 {
			in := domain.DocumentRemoval{Document: doc, By: admin, Shares: map[uuid.UUID]*domain.Share{}, Links: map[uuid.UUID]*domain.Link{}, Customers: map[uuid.UUID]*domain.Customer{}}
			for _, id := range doc.ShareIDs {
				in.Shares[id] = s.Share(id)
				in.Customers[s.Share(id).CustomerID] = s.Customer(s.Share(id).CustomerID)
			}
			for _, id := range doc.LinkIDs {
				in.Links[id] = s.Link(id)
			}
			ch, err := domain.RemoveDocument(in, m.now)
			m.commit("remove", ch, err)
		}
	case 12:
		if folder != nil {
			id := m.id()
			evs, err := s.Document(id).Add(domain.NewDocument{ID: id, Folder: folder, Name: fmt.Sprint("d", id[15]), File: file1, Hidden: rng.IntN(2) == 0}, m.now)
			m.single("add document", s.Document(id), evs, err)
		}
	case 13:
		if doc != nil {
			evs, err := doc.AddVersion(file2, rng.IntN(2) == 0, uuid.Nil, m.now)
			m.single("add version", doc, evs, err)
			evs, err = doc.SetVersionVisibility(1+rng.IntN(3), rng.IntN(2) == 0, m.now)
			m.single("visibility", doc, evs, err)
		}
	case 14:
		evs, err := customer.SetMasterAccess(rng.IntN(2) == 0, m.now)
		m.single("master", customer, evs, err)
	case 15:
		m.now = m.now.Add(time.Duration(rng.IntN(90)) * time.Minute)
	}
}

// TestPropertyRandomCommands drives the model with seeded random command sequences
// and checks the log's invariants (domain.CheckLog) along the way: nothing follows
// ShareCancelled, LinkCancelled, SharingRevoked or DocumentRemoved in its stream; a
// revoked customer's shares are all cancelled; versions are contiguous; share
// tracking agrees with the shares. It also checks the portal view never shows
// anything to a customer that is not active.
func TestPropertyRandomCommands(t *testing.T) {
	t.Parallel()
	for seed := range uint64(16) {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			t.Parallel()
			m := &sim{t: t, rng: rand.New(rand.NewPCG(seed, 0x5ba7e)), s: domain.NewState(), now: t0, cos: []uuid.UUID{acmeCo, n(4), n(5)}}
			setup := join(world(),
				evs(domain.CompanyRegistered{CompanyID: n(4), Name: "Four", Via: domain.ViaSignup, RegisteredAt: t0},
					domain.CompanyRegistered{CompanyID: n(5), Name: "Five", Via: domain.ViaSignup, RegisteredAt: t0}))
			for _, e := range setup {
				s := domain.StreamOf(e)
				m.record([]domain.Change{{Stream: s, Version: m.s.Version(s), Events: []domain.Event{e}}})
				if err := m.s.Apply(e); err != nil {
					t.Fatal(err)
				}
			}
			for i := range 400 {
				m.step()
				if i%50 == 49 {
					if err := domain.CheckLog(m.log); err != nil {
						t.Fatalf("after step %d: %v", i, err)
					}
					for _, c := range m.s.Customers() {
						if v := m.s.PortalView(c.ID); c.Status != domain.StatusActive && (v.Open || len(v.Documents)+len(v.Folders) > 0) {
							t.Fatalf("customer %s is %s but sees %+v", c.ID, c.Status, v)
						}
					}
				}
			}
			if err := domain.CheckLog(m.log); err != nil {
				t.Fatal(err)
			}
			if ran := len(m.log) - len(setup); ran < 120 {
				t.Fatalf("only %d events: the simulation barely ran", ran)
			}
		})
	}
}

// TestCheckLogCatchesViolations makes sure the invariant checker can fail.
func TestCheckLogCatchesViolations(t *testing.T) {
	t.Parallel()
	rec := func(events ...domain.Event) []domain.Recorded {
		versions := map[string]int64{}
		var out []domain.Recorded
		for i, e := range events {
			s := domain.StreamOf(e)
			versions[s]++
			out = append(out, domain.Recorded{Position: int64(i + 1), StreamID: s, Version: versions[s], Type: e.EventType(), Event: e})
		}
		return out
	}
	base := join(world(), docShare(share1, doc, domain.PermissionView))
	if err := domain.CheckLog(rec(base...)); err != nil {
		t.Fatalf("a valid log: %v", err)
	}
	for name, log := range map[string][]domain.Recorded{
		"an event after ShareCancelled": rec(join(base, cancelled(share1, doc, uuid.Nil, domain.ReasonCancelled), evs(
			domain.SharePermissionChanged{ShareID: share1, ProviderID: provider, CustomerID: cust, Permission: domain.PermissionEdit, ChangedAt: t0}))...),
		"an active share on a revoked customer": rec(join(base, revoked())...),
		"an active share on a removed document": rec(join(base, evs(domain.DocumentRemoved{DocumentID: doc, ProviderID: provider, RemovedAt: t0}))...),
		"a live link on a removed document":     rec(join(world(), linkCreated(link1, "", time.Time{}), evs(domain.DocumentRemoved{DocumentID: doc, ProviderID: provider, RemovedAt: t0}))...),
		"an untracked share": rec(join(world(), evs(
			domain.PortalShareGranted{ShareID: share1, ProviderID: provider, CustomerID: cust, DocumentID: doc, Permission: domain.PermissionView, GrantedAt: t0}))...),
		"a gap in versions": func() []domain.Recorded { l := rec(base...); l[len(l)-1].Version += 2; return l }(),
		"an event in the wrong stream": func() []domain.Recorded {
			l := rec(base...)
			l[len(l)-1].StreamID = domain.CustomerStream(cust)
			return l
		}(),
	} {
		if err := domain.CheckLog(log); err == nil {
			t.Errorf("%s: not detected", name)
		}
	}
}
