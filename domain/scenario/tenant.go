package scenario

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
)

// TenantSpec shapes one realistic provider for benchmarks (issue 15): customers,
// a library of nested folders full of documents, master access for some
// customers, folder shares for the others, links, and one customer (Heavy) that
// sees HeavyDocuments documents.
type TenantSpec struct {
	Customers int // including Heavy
	Documents int // in the library (workspace deposits come on top)
	Links     int
	// Heavy is a company registered outside the generator (through the API, so
	// that its users can log in); it becomes a customer of the tenant.
	Heavy          uuid.UUID
	HeavyName      string
	HeavyDocuments int
}

// Tenant is what NewTenant built.
type Tenant struct {
	ProviderID      uuid.UUID
	HeavyCustomerID uuid.UUID
	// Level is a folder the heavy customer sees holding exactly 50 items (5
	// folders, 45 documents) among everything else it sees.
	Level  uuid.UUID
	Events int
}

// NewTenant records one tenant shaped by spec into sink, one command per batch,
// each decided by the domain as the real commands are. The library is 10 top
// folders of 10 folders of 5 folders; the heavy customer gets the first
// HeavyDocuments/(Documents/10) top folders shared; one customer in five has master
// access (and a workspace with a few folders and deposits); the others have one
// to three folder shares.
func NewTenant(ctx context.Context, sink Sink, spec TenantSpec, seed int64) (Tenant, error) {
	g := newGenerator(sink, 1<<40, seed)
	g.step = 1
	w := &world{id: g.id(), st: domain.NewState(), inFolder: map[uuid.UUID][]uuid.UUID{}, name: "Bench Tenant"}
	out := Tenant{ProviderID: w.id}
	rec := func(c cmd, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		c.tenant = w.id
		if c.actor == uuid.Nil {
			c.actor = w.staff[0]
		}
		n, err := g.record(w, c)
		out.Events += n
		return err
	}
	evs, err := g.global.Company(w.id).Register(w.id, w.name, domain.ViaSignup, g.now)
	if err != nil {
		return out, err
	}
	admin := g.id()
	user, err := g.global.User(admin).Register(g.person(admin, w.id, domain.RoleAdmin, true), g.now)
	if err != nil {
		return out, err
	}
	w.staff = append(w.staff, admin)
	if err := rec(cmd{kind: domain.ActorPublic, actor: admin, changes: []domain.Change{g.single(nil, evs), g.single(nil, user)}}, nil); err != nil {
		return out, err
	}

	// The library: 10 top folders of 10 folders of 5 folders.
	folder := func(name string, parent *domain.Folder, by uuid.UUID) (*domain.Folder, error) {
		in := domain.NewFolder{ID: g.id(), ProviderID: w.id, Name: name, Parent: parent, CreatedByCustomerID: by}
		err := rec(g.one(w, admin)(w.st.Folder(in.ID).Create(in, g.now)))
		return w.st.Folder(in.ID), err
	}
	document := func(name string, f *domain.Folder, by uuid.UUID) error {
		in := domain.NewDocument{ID: g.id(), Folder: f, File: g.file(), Name: name, UploadedByCustomerID: by}
		if err := rec(g.one(w, admin)(w.st.Document(in.ID).Add(in, g.now))); err != nil {
			return err
		}
		w.docs = append(w.docs, in.ID)
		return nil
	}
	var tops, mids []*domain.Folder
	var leaves [][]*domain.Folder // by top folder
	for i := range 10 {
		top, err := folder(fmt.Sprintf("Year %d", 2015+i), nil, uuid.Nil)
		if err != nil {
			return out, err
		}
		tops = append(tops, top)
		leaves = append(leaves, nil)
		for j := range 10 {
			mid, err := folder(fmt.Sprintf("%s %02d", folderNames[j%len(folderNames)], j), top, uuid.Nil)
			if err != nil {
				return out, err
			}
			mids = append(mids, mid)
			for k := range 5 {
				leaf, err := folder(fmt.Sprintf("Part %d", k), mid, uuid.Nil)
				if err != nil {
					return out, err
				}
				leaves[i] = append(leaves[i], leaf)
			}
		}
	}
	// The level: the first middle folder holds 45 documents beside its 5 folders;
	// the rest of each top folder's share goes into its leaves.
	out.Level = mids[0].ID
	perTop := spec.Documents / 10
	for i := range 10 {
		n := perTop
		if i == 0 {
			for d := range 45 {
				if err := document(fmt.Sprintf("Statement %03d.pdf", d), mids[0], uuid.Nil); err != nil {
					return out, err
				}
			}
			n -= 45
		}
		for d := range n {
			leaf := leaves[i][d%len(leaves[i])]
			name := fmt.Sprintf("%s %d.pdf", docNames[g.rng.IntN(len(docNames))], d)
			if err := document(name, leaf, uuid.Nil); err != nil {
				return out, err
			}
		}
	}

	// Customers: companies registered without users, connected by the provider;
	// the heavy one is the company given.
	if err := g.global.Apply(domain.CompanyRegistered{CompanyID: spec.Heavy, Name: spec.HeavyName, Via: domain.ViaSignup, RegisteredAt: g.now}); err != nil {
		return out, fmt.Errorf("heavy company: %w", err)
	}
	heavy := g.global.Company(spec.Heavy)
	share := func(c *domain.Customer, f *domain.Folder) error {
		in := domain.NewShare{ShareID: g.id(), Customer: c, Folder: f, Permission: domain.PermissionView, By: admin}
		changes, err := domain.GrantShare(in, g.now)
		return rec(cmd{actor: admin, changes: changes}, err)
	}
	for i := range spec.Customers {
		company := heavy
		if i > 0 {
			id := g.id()
			evs, err := g.global.Company(id).Register(id, g.companyName(), domain.ViaSignup, g.now)
			if err != nil {
				return out, err
			}
			if err := rec(cmd{kind: domain.ActorPublic, actor: admin, changes: []domain.Change{g.single(nil, evs)}}, nil); err != nil {
				return out, err
			}
			company = g.global.Company(id)
		}
		id := g.id()
		changes, err := domain.ConnectCustomer(g.global.Company(w.id), domain.NewCustomer{CustomerID: id, WorkspaceFolderID: g.id(), Company: company}, domain.ViaProvider, g.now)
		if err := rec(cmd{actor: admin, changes: changes}, err); err != nil {
			return out, err
		}
		c := w.st.Customer(id)
		switch {
		case i == 0:
			out.HeavyCustomerID = id
			for t := range min(10, spec.HeavyDocuments/max(1, perTop)) {
				if err := share(c, tops[t]); err != nil {
					return out, err
				}
			}
		case i%5 == 0:
			if err := rec(g.one(w, admin)(c.SetMasterAccess(true, g.now))); err != nil {
				return out, err
			}
			ws := w.st.Folder(c.WorkspaceFolderID)
			for k := range 2 {
				f, err := folder(fmt.Sprintf("Inbox %d", k), ws, uuid.Nil)
				if err != nil {
					return out, err
				}
				if err := document("Deposit.pdf", f, id); err != nil {
					return out, err
				}
			}
		default:
			first := g.rng.IntN(len(mids))
			for j := range 1 + g.rng.IntN(3) {
				if err := share(w.st.Customer(id), mids[(first+7*j)%len(mids)]); err != nil {
					return out, err
				}
			}
		}
	}
	for range spec.Links {
		d := w.st.Document(w.docs[g.rng.IntN(len(w.docs))])
		in := domain.NewLink{LinkID: g.id(), Document: d, TokenHash: g.token(), By: admin}
		changes, err := domain.CreateLink(in, g.now)
		if err := rec(cmd{actor: admin, changes: changes}, err); err != nil {
			return out, err
		}
	}
	return out, nil
}
