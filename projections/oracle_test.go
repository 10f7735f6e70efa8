package projections_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app"
	"github.com/sharehub/sharehub/projections"
)

// scenario drives seeded random commands through the application services on a
// real database: shares and cancellations, permission changes, pauses, resumes,
// revokes, master access, the documents module, folders, documents, versions and
// their visibility, removals, customer uploads and folders (deposits, which
// other customers of the same shared folder must not see) and new customers.
type scenario struct {
	w         *world
	rng       *rand.Rand
	customers []uuid.UUID
	users     map[uuid.UUID]uuid.UUID // customer -> one of its users
	folders   []uuid.UUID
	library   []uuid.UUID // folders outside any workspace
	docs      []uuid.UUID
	shares    []uuid.UUID
	versions  map[uuid.UUID]int
	applied   int
	seen      int // visible documents summed over every check
	foreign   int // of which other customers' deposits shared on purpose
	listings  int // materialised listings compared with the rule's
}

func newScenario(w *world, seed uint64) *scenario {
	s := &scenario{w: w, rng: rand.New(rand.NewPCG(seed, 0x5eed)), users: map[uuid.UUID]uuid.UUID{}, versions: map[uuid.UUID]int{}}
	for i := range 3 {
		s.newCustomer(i)
	}
	for i := range 2 {
		f := w.folder(fmt.Sprint("Root", i), uuid.Nil, uuid.Nil)
		s.folders = append(s.folders, f)
		s.library = append(s.library, f)
		for j := range 2 {
			d := w.document(fmt.Sprintf("Seed%d-%d", i, j), f, false)
			s.docs = append(s.docs, d)
			s.versions[d] = 1
		}
	}
	// The two-customer deposit case (issue 11): one library folder shared with
	// customer 0 (edit) and customer 1 (view); customer 0 deposits a document and a
	// folder there. The random steps then share, upload, cancel and remove around it.
	ex := w.folder("Exchange", uuid.Nil, uuid.Nil)
	s.folders = append(s.folders, ex)
	s.library = append(s.library, ex)
	s.shares = append(s.shares, w.share(s.customers[0], uuid.Nil, ex, domain.PermissionEdit), w.share(s.customers[1], uuid.Nil, ex, domain.PermissionView))
	up, err := w.svc.PortalUpload(w.ctx, as(s.users[s.customers[0]]), app.PortalUpload{ProviderID: w.provider, FolderID: ex, Name: "Deposit", File: file(99)})
	w.do(up, err)
	s.docs = append(s.docs, up.DocumentID)
	s.versions[up.DocumentID] = 1
	sub, err := w.svc.PortalCreateFolder(w.ctx, as(s.users[s.customers[0]]), app.PortalCreateFolder{ProviderID: w.provider, ParentID: ex, Name: "Deposited"})
	w.do(sub, err)
	s.folders = append(s.folders, sub.FolderID)
	s.library = append(s.library, sub.FolderID)
	return s
}

func (s *scenario) newCustomer(i int) {
	c, u, ws := s.w.customer(fmt.Sprintf("Customer%d", i))
	s.customers = append(s.customers, c)
	s.users[c] = u
	s.folders = append(s.folders, ws)
}

// step runs one random command; rejected commands are part of the game.
func (s *scenario) step(i int) {
	w, rng := s.w, s.rng
	admin := as(w.admin)
	c := pick(rng, s.customers)
	d := pick(rng, s.docs)
	f := pick(rng, s.folders)
	if rng.IntN(3) > 0 {
		f = pick(rng, s.library)
	}
	perm := pick(rng, []domain.Permission{domain.PermissionView, domain.PermissionEdit})
	var (
		res any
		err error
	)
	switch rng.IntN(25) {
	case 0, 1, 2, 20, 21, 22, 23, 24:
		cmd := app.GrantShare{CustomerID: c, Permission: perm}
		if rng.IntN(2) == 0 && d != uuid.Nil {
			cmd.DocumentID = d
		} else {
			cmd.FolderID = f
		}
		var r app.ShareResult
		if r, err = w.svc.GrantShare(w.ctx, admin, cmd); err == nil {
			s.shares = append(s.shares, r.ShareID)
		}
		res = r
	case 3:
		res, err = w.svc.CancelShare(w.ctx, admin, app.ShareRef{ShareID: pick(rng, s.shares)})
	case 4:
		res, err = w.svc.ChangeSharePermission(w.ctx, admin, app.ChangeSharePermission{ShareID: pick(rng, s.shares), Permission: perm})
	case 5:
		res, err = w.svc.PauseCustomer(w.ctx, admin, app.CustomerRef{CustomerID: c})
	case 6:
		res, err = w.svc.ResumeCustomer(w.ctx, admin, app.CustomerRef{CustomerID: c})
	case 7:
		if rng.IntN(4) == 0 {
			res, err = w.svc.RevokeCustomer(w.ctx, admin, app.CustomerRef{CustomerID: c})
		} else {
			s.newCustomer(i)
		}
	case 8:
		res, err = w.svc.SetMasterAccess(w.ctx, admin, app.SetMasterAccess{CustomerID: c, Enabled: rng.IntN(3) > 0})
	case 9:
		var on *bool
		if v := rng.IntN(3); v < 2 {
			b := v == 1
			on = &b
		}
		if rng.IntN(4) == 0 {
			res, err = w.svc.SetPortalDefault(w.ctx, admin, app.SetPortalDefault{Enabled: rng.IntN(4) > 0})
		} else {
			res, err = w.svc.SetPortalDocuments(w.ctx, admin, app.SetPortalDocuments{CustomerID: c, Enabled: on})
		}
	case 10, 11:
		var r app.FolderResult
		if r, err = w.svc.CreateFolder(w.ctx, admin, app.CreateFolder{Name: fmt.Sprint("F", i), ParentID: f}); err == nil {
			s.folders = append(s.folders, r.FolderID)
			if r.Folder.WorkspaceCustomerID == nil {
				s.library = append(s.library, r.FolderID)
			}
		}
		res = r
	case 12, 13, 14:
		var r app.DocumentResult
		if r, err = w.svc.AddDocument(w.ctx, admin, app.AddDocument{FolderID: f, Name: fmt.Sprint("D", i), File: file(i), Hidden: rng.IntN(4) == 0}); err == nil {
			s.docs = append(s.docs, r.DocumentID)
			s.versions[r.DocumentID] = 1
		}
		res = r
	case 15:
		var r app.DocumentResult
		if r, err = w.svc.AddVersion(w.ctx, admin, app.AddVersion{DocumentID: d, File: file(i), Hidden: rng.IntN(3) == 0}); err == nil {
			s.versions[d] = r.Version
		}
		res = r
	case 16, 17:
		if n := s.versions[d]; n > 0 {
			res, err = w.svc.SetVersionVisibility(w.ctx, admin, app.SetVersionVisibility{DocumentID: d, Version: 1 + rng.IntN(n), Visible: rng.IntN(2) == 0})
		}
	case 18:
		res, err = w.svc.RemoveDocument(w.ctx, admin, app.DocumentRef{DocumentID: d})
	case 19:
		if rng.IntN(3) == 0 {
			var r app.FolderResult
			if r, err = w.svc.PortalCreateFolder(w.ctx, as(s.users[c]), app.PortalCreateFolder{ProviderID: w.provider, ParentID: f, Name: fmt.Sprint("P", i)}); err == nil {
				s.folders = append(s.folders, r.FolderID)
				s.library = append(s.library, r.FolderID)
			}
			res = r
			break
		}
		var r app.DocumentResult
		if r, err = w.svc.PortalUpload(w.ctx, as(s.users[c]), app.PortalUpload{ProviderID: w.provider, FolderID: f, Name: fmt.Sprint("U", i), File: file(i)}); err == nil {
			s.docs = append(s.docs, r.DocumentID)
			s.versions[r.DocumentID] = 1
		}
		res = r
	}
	if err != nil && testing.Verbose() {
		s.w.t.Logf("step %d: %T %v", i, res, err)
	}
	if err == nil && res != nil {
		s.applied++
		w.note(appended(res))
	}
}

// check compares every customer's view from the projection with the oracle.
func (s *scenario) check(t *testing.T, label string) {
	t.Helper()
	s.w.caughtUp("portal")
	st := s.w.state()
	for _, c := range s.customers {
		got := must[domain.PortalView](t)(projections.PortalView(s.w.ctx, s.w.pool, c))
		sameView(t, fmt.Sprintf("%s customer %s", label, c), got, st.PortalView(c))
		s.listings += sameListings(t, s.w.ctx, s.w.pool, fmt.Sprintf("%s customer %s", label, c), c, st.PortalView(c))
		s.seen += len(got.Documents)
		// Deposits are private, checked here without the rule's own code: another
		// customer's upload shows only through a share of that document with c.
		cust := st.Customer(c)
		for _, d := range got.Documents {
			by := st.Document(d.ID).UploadedByCustomerID
			if by == uuid.Nil || by == c {
				continue
			}
			direct := false
			for _, id := range cust.ActiveShareIDs() {
				direct = direct || st.Share(id).DocumentID == d.ID
			}
			if !direct {
				t.Errorf("%s: customer %s sees %s, uploaded by customer %s and not shared with it", label, c, d.Name, by)
			}
			s.foreign++
		}
	}
}

// TestDifferentialOracle: for seeded random command sequences, the portal view read
// from the projection tables equals the one computed from the domain state, for
// every customer, at several points of each sequence.
func TestDifferentialOracle(t *testing.T) {
	t.Parallel()
	for seed := range uint64(4) {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			w.run(projections.Portal)
			s := newScenario(w, seed)
			for i := range 240 {
				s.step(i)
				if i%30 == 29 {
					s.check(t, fmt.Sprint("step ", i))
				}
			}
			if s.applied < 100 {
				t.Fatalf("only %d of 240 commands were accepted: the scenario exercises too little", s.applied)
			}
			if s.seen < 20 {
				t.Fatalf("customers saw only %d documents over all checks: the scenario exercises too little", s.seen)
			}
			t.Logf("%d commands accepted, %d customers, %d visible documents over all checks (%d of them other customers' deposits shared on purpose), %d listings compared",
				s.applied, len(s.customers), s.seen, s.foreign, s.listings)
		})
	}
}
