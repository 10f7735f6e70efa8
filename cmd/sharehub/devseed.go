package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app"
	"github.com/sharehub/sharehub/eventstore/blobs"
	"github.com/sharehub/sharehub/httpapi/auth"
)

// dev runs the developer commands: `dev seed`.
func dev(ctx context.Context, cfg Config, args []string, stdout io.Writer, log *slog.Logger) error {
	if len(args) == 0 || args[0] != "seed" {
		return errors.New("usage: sharehub dev seed [--customers N] [--documents M] [--events E] [--workers W]")
	}
	fs := flag.NewFlagSet("dev seed", flag.ContinueOnError)
	opt := seedOptions{}
	fs.IntVar(&opt.Customers, "customers", 50, "customers of the provider (every state: invited, active, paused, revoked)")
	fs.IntVar(&opt.Documents, "documents", 200, "documents in the provider's library (each with a real blob)")
	fs.IntVar(&opt.Events, "events", 3000, "stop adding sharing activity once the seed appended this many events")
	fs.IntVar(&opt.Workers, "workers", 8, "goroutines issuing commands, each on its own customers and documents")
	fs.Uint64Var(&opt.Seed, "seed", 1, "shape of the tenant (ids and tokens are random regardless)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if err := opt.validate(); err != nil {
		return err
	}
	pool, err := openPool(ctx, cfg)
	if err != nil {
		return err
	}
	defer pool.Close()
	if _, err := migrate(ctx, pool, cfg, log); err != nil {
		return err
	}
	opt.BlobDir = cfg.BlobDir
	started := time.Now()
	res, err := seedTenant(ctx, newStore(pool, cfg, log), opt)
	if err != nil {
		return err
	}
	res.print(stdout, time.Since(started))
	return nil
}

type seedOptions struct {
	Customers, Documents, Events, Workers int
	Seed                                  uint64
	BlobDir                               string
}

func (o seedOptions) validate() error {
	var errs []error
	if o.Customers < 1 {
		errs = append(errs, errors.New("--customers must be at least 1"))
	}
	if o.Documents < 1 {
		errs = append(errs, errors.New("--documents must be at least 1"))
	}
	if o.Events < 0 {
		errs = append(errs, errors.New("--events must not be negative"))
	}
	if o.Workers < 1 || o.Workers > 64 {
		errs = append(errs, errors.New("--workers must be within 1..64"))
	}
	return errors.Join(errs...)
}

// seedResult is what the seed built, counted as it went.
type seedResult struct {
	ProviderID       uuid.UUID
	AdminEmail       string
	AdminPassword    string
	CustomerPassword string // of every customer company's first admin
	CustomerLogins   []string
	Customers        map[domain.CustomerStatus]int
	Staff, Groups    int
	Folders          int
	Documents        int
	Versions         int
	SharesActive     int
	SharesCancelled  int
	LinksActive      int
	LinksCancelled   int
	Events           int64
}

func (r seedResult) print(w io.Writer, took time.Duration) {
	fmt.Fprintf(w, "provider   %s\n", r.ProviderID)
	fmt.Fprintf(w, "admin      %s\n", r.AdminEmail)
	fmt.Fprintf(w, "password   %s\n", r.AdminPassword)
	if len(r.CustomerLogins) > 0 {
		fmt.Fprintf(w, "customer   %s (password %s; every customer admin has it)\n", r.CustomerLogins[0], r.CustomerPassword)
	}
	fmt.Fprintf(w, "customers  %d invited, %d active, %d paused, %d revoked\n",
		r.Customers[domain.StatusInvited], r.Customers[domain.StatusActive], r.Customers[domain.StatusPaused], r.Customers[domain.StatusRevoked])
	fmt.Fprintf(w, "staff      %d (+ the admin), %d groups\n", r.Staff, r.Groups)
	fmt.Fprintf(w, "library    %d folders, %d documents, %d versions\n", r.Folders, r.Documents, r.Versions)
	fmt.Fprintf(w, "shares     %d active, %d cancelled\n", r.SharesActive, r.SharesCancelled)
	fmt.Fprintf(w, "links      %d active, %d cancelled\n", r.LinksActive, r.LinksCancelled)
	fmt.Fprintf(w, "events     %d in %s (%.0f/s)\n", r.Events, took.Round(time.Millisecond), float64(r.Events)/took.Seconds())
}

// seedPlan is what becomes of customer i, by i mod 20: 5% stay invited, 5% are
// invited and accept, 10% end paused, 5% end revoked (after having shares), the
// rest end active. Small seeds still get every state.
type seedPlan int

const (
	planActive seedPlan = iota
	planInvited
	planAccepted
	planPaused
	planRevoked
)

func planFor(i int) seedPlan {
	switch i % 20 {
	case 0:
		return planInvited
	case 1:
		return planAccepted
	case 2, 12:
		return planPaused
	case 3:
		return planRevoked
	}
	return planActive
}

type seedCustomer struct {
	id, companyID uuid.UUID
	plan          seedPlan
	status        domain.CustomerStatus
	token         string                  // invitation token while invited
	shares        map[uuid.UUID]uuid.UUID // active share -> document (uuid.Nil: a folder share)
	shared        map[uuid.UUID]bool      // documents and folders shared now
}

type seedDocument struct {
	id       uuid.UUID
	versions int
	hidden   map[int]bool
	links    []uuid.UUID // active links
}

// seeder builds one tenant through the application services. Commands run from
// several goroutines, each on its own customers and documents, so they rarely
// conflict; the provider's company stream (which tracks its customers) takes the
// connections and revocations one at a time.
type seeder struct {
	opt   seedOptions
	svc   *app.Service // the production hasher: the admin and staff logins
	fast  *app.Service // a cheap hasher for the many customer logins and link passwords
	blobs *blobs.Store
	admin app.Call
	group []uuid.UUID
	tops  []uuid.UUID // top-level library folders

	events atomic.Int64
	mu     sync.Mutex
	res    seedResult
}

func seedTenant(ctx context.Context, store app.EventStore, opt seedOptions) (seedResult, error) {
	hasher, err := auth.NewArgon2id(auth.DefaultArgon2Params)
	if err != nil {
		return seedResult{}, err
	}
	// Logins hashed with lighter parameters still verify (the parameters travel
	// in the hash); seeding a thousand customers must not take minutes.
	// The seeding workers hash in parallel and must wait for a slot, not be refused
	// as a flood of public requests would be: a bound of its own, one per worker.
	light, err := auth.NewLimitedArgon2id(auth.Argon2Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, 64)
	if err != nil {
		return seedResult{}, err
	}
	s := &seeder{opt: opt}
	if s.svc, err = app.New(app.Config{Store: store, Hasher: hasher}); err != nil {
		return seedResult{}, err
	}
	if s.fast, err = app.New(app.Config{Store: store, Hasher: light}); err != nil {
		return seedResult{}, err
	}
	if s.blobs, err = blobs.New(blobs.Config{Root: opt.BlobDir}); err != nil {
		return seedResult{}, err
	}
	s.res.Customers = map[domain.CustomerStatus]int{}
	tag := randomTag()
	s.res.CustomerPassword = "customer-" + randomTag()
	if err := s.provider(ctx, tag); err != nil {
		return seedResult{}, fmt.Errorf("provider: %w", err)
	}
	customers := make([]*seedCustomer, opt.Customers)
	for i := range customers {
		customers[i] = &seedCustomer{plan: planFor(i), shares: map[uuid.UUID]uuid.UUID{}, shared: map[uuid.UUID]bool{}}
	}
	docs := make([]*seedDocument, opt.Documents)
	// Customer companies sign up and the library fills, concurrently.
	err = s.parallel(ctx, func(ctx context.Context, w int, rnd *mrand.Rand) error {
		for i := w; i < len(customers); i += opt.Workers {
			c := customers[i]
			if c.plan == planInvited || c.plan == planAccepted {
				continue
			}
			email := fmt.Sprintf("contact-%04d-%s@customer.seed.sharehub.test", i, tag)
			reg, err := s.fast.RegisterCompany(ctx, app.Call{}, app.RegisterCompany{CompanyName: fmt.Sprintf("%s %04d", customerNames[i%len(customerNames)], i),
				Name: personNames[i%len(personNames)], Email: email, Password: s.res.CustomerPassword})
			if err != nil {
				return fmt.Errorf("customer company %d: %w", i, err)
			}
			s.count(reg.Appended)
			c.companyID = reg.CompanyID
			if i < 3 {
				s.mu.Lock()
				s.res.CustomerLogins = append(s.res.CustomerLogins, email)
				s.mu.Unlock()
			}
		}
		return s.library(ctx, w, rnd, docs)
	})
	if err != nil {
		return seedResult{}, err
	}
	// One at a time: every connection appends to the provider's stream.
	for i, c := range customers {
		if err := s.connect(ctx, i, c, tag); err != nil {
			return seedResult{}, fmt.Errorf("customer %d: %w", i, err)
		}
	}
	// Sharing activity until the event budget is spent.
	err = s.parallel(ctx, func(ctx context.Context, w int, rnd *mrand.Rand) error {
		var mine []*seedCustomer
		for i := w; i < len(customers); i += opt.Workers {
			mine = append(mine, customers[i])
		}
		var myDocs []*seedDocument
		for j := w; j < len(docs); j += opt.Workers {
			myDocs = append(myDocs, docs[j])
		}
		return s.activity(ctx, rnd, mine, myDocs)
	})
	if err != nil {
		return seedResult{}, err
	}
	for i, c := range customers {
		if c.plan != planRevoked || c.status == domain.StatusRevoked {
			continue
		}
		res, err := s.svc.RevokeCustomer(ctx, s.admin, app.CustomerRef{CustomerID: c.id})
		if err != nil {
			return seedResult{}, fmt.Errorf("revoke customer %d: %w", i, err)
		}
		s.count(res.Appended)
		c.status = domain.StatusRevoked
		s.res.SharesCancelled += len(c.shares)
		s.res.SharesActive -= len(c.shares)
		clear(c.shares)
	}
	for _, c := range customers {
		s.res.Customers[c.status]++
	}
	for _, d := range docs {
		s.res.LinksActive += len(d.links)
	}
	s.res.Events = s.events.Load()
	return s.res, nil
}

func (s *seeder) count(res app.AppendResult) { s.events.Add(int64(len(res.Positions))) }

// parallel runs fn on every worker and returns the first error (the others are
// cancelled).
func (s *seeder) parallel(ctx context.Context, fn func(ctx context.Context, w int, rnd *mrand.Rand) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wg sync.WaitGroup
	for w := range s.opt.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rnd := mrand.New(mrand.NewPCG(s.opt.Seed, uint64(w)))
			if err := fn(ctx, w, rnd); err != nil {
				cancel(err)
			}
		}()
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return ctx.Err()
}

// provider signs the provider up, invites staff (two of three accept), creates the
// customer groups and gives staff access to them, and creates the top folders.
func (s *seeder) provider(ctx context.Context, tag string) error {
	s.res.AdminEmail = "admin-" + tag + "@provider.seed.sharehub.test"
	s.res.AdminPassword = "seed-" + randomTag()
	reg, err := s.svc.RegisterCompany(ctx, app.Call{}, app.RegisterCompany{CompanyName: "Seed Provider " + tag,
		Name: "Ada Admin", Email: s.res.AdminEmail, Password: s.res.AdminPassword})
	if err != nil {
		return err
	}
	s.count(reg.Appended)
	s.res.ProviderID = reg.CompanyID
	s.admin = app.Call{ActorID: reg.UserID}
	var staff []uuid.UUID
	for i, name := range []string{"Sam Staff", "Kim Keeper", "Lee Later"} {
		inv, err := s.svc.InviteStaff(ctx, s.admin, app.InviteStaff{Name: name, Email: fmt.Sprintf("staff-%d-%s@provider.seed.sharehub.test", i, tag),
			CanShare: i != 1, Auditor: i == 1})
		if err != nil {
			return fmt.Errorf("invite staff: %w", err)
		}
		s.count(inv.Appended)
		staff = append(staff, inv.UserID)
		s.res.Staff++
		if i == 2 {
			continue // stays invited
		}
		acc, err := s.fast.AcceptInvitation(ctx, app.Call{}, app.AcceptInvitation{Token: inv.Token, Password: s.res.CustomerPassword})
		if err != nil {
			return fmt.Errorf("accept staff invitation: %w", err)
		}
		s.count(acc.Appended)
	}
	groups := []string{"Key accounts", "North", "South", "Partners", "Public sector"}
	for i, name := range groups[:min(len(groups), max(1, s.opt.Customers/10))] {
		g, err := s.svc.CreateGroup(ctx, s.admin, app.CreateGroup{Name: name})
		if err != nil {
			return fmt.Errorf("group: %w", err)
		}
		s.count(g.Appended)
		s.group = append(s.group, g.GroupID)
		s.res.Groups++
		access := domain.AccessWrite
		if i%2 == 1 {
			access = domain.AccessRead
		}
		r, err := s.svc.GrantGroupAccess(ctx, s.admin, app.GrantGroupAccess{GroupID: g.GroupID, UserID: staff[i%2], Access: access})
		if err != nil {
			return fmt.Errorf("group access: %w", err)
		}
		s.count(r.Appended)
	}
	for _, name := range []string{"Contracts", "Reports", "Manuals", "Price lists"} {
		f, err := s.svc.CreateFolder(ctx, s.admin, app.CreateFolder{Name: name})
		if err != nil {
			return fmt.Errorf("folder: %w", err)
		}
		s.count(f.Appended)
		s.tops = append(s.tops, f.FolderID)
		s.res.Folders++
	}
	return nil
}

// library adds worker w's documents (indexes w, w+workers, ...) in subfolders of its
// own, each with a real blob; some get more versions, some versions are hidden.
func (s *seeder) library(ctx context.Context, w int, rnd *mrand.Rand, docs []*seedDocument) error {
	var folders []uuid.UUID
	for j := w; j < len(docs); j += s.opt.Workers {
		if len(folders) == 0 || rnd.IntN(10) == 0 {
			top := s.tops[rnd.IntN(len(s.tops))]
			f, err := s.svc.CreateFolder(ctx, s.admin, app.CreateFolder{Name: fmt.Sprintf("%d-%02d batch %d", 2020+rnd.IntN(7), 1+rnd.IntN(12), j), ParentID: top})
			if err != nil {
				return fmt.Errorf("folder: %w", err)
			}
			s.count(f.Appended)
			folders = append(folders, f.FolderID)
			s.mu.Lock()
			s.res.Folders++
			s.mu.Unlock()
		}
		name := fmt.Sprintf("%s %04d.txt", documentNames[rnd.IntN(len(documentNames))], j)
		file, err := s.blob(ctx, rnd, name, 1)
		if err != nil {
			return err
		}
		hidden := rnd.IntN(10) == 0
		d, err := s.svc.AddDocument(ctx, s.admin, app.AddDocument{FolderID: folders[len(folders)-1], Name: name, File: file, Hidden: hidden})
		if err != nil {
			return fmt.Errorf("document: %w", err)
		}
		s.count(d.Appended)
		doc := &seedDocument{id: d.DocumentID, versions: 1, hidden: map[int]bool{1: hidden}}
		docs[j] = doc
		for v := 2; rnd.IntN(3) == 0 && v <= 4; v++ {
			if err := s.addVersion(ctx, rnd, doc, name); err != nil {
				return err
			}
		}
		s.mu.Lock()
		s.res.Documents++
		s.res.Versions += doc.versions
		s.mu.Unlock()
	}
	return nil
}

func (s *seeder) addVersion(ctx context.Context, rnd *mrand.Rand, doc *seedDocument, name string) error {
	file, err := s.blob(ctx, rnd, name, doc.versions+1)
	if err != nil {
		return err
	}
	hidden := rnd.IntN(4) == 0
	v, err := s.svc.AddVersion(ctx, s.admin, app.AddVersion{DocumentID: doc.id, File: file, Hidden: hidden})
	if err != nil {
		return fmt.Errorf("version: %w", err)
	}
	s.count(v.Appended)
	doc.versions = v.Version
	doc.hidden[v.Version] = hidden
	return nil
}

// blob writes a small text file (0.5 to 16 KiB) into the blob store.
func (s *seeder) blob(ctx context.Context, rnd *mrand.Rand, name string, version int) (domain.FileInfo, error) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s, version %d\nseeded by sharehub dev seed\n\n", name, version)
	for size := 512 << rnd.IntN(6); b.Len() < size; {
		fmt.Fprintf(&b, "%d. %s\n", b.Len(), loremLines[rnd.IntN(len(loremLines))])
	}
	info, err := s.blobs.Put(ctx, &b, 0, "text/plain")
	if err != nil {
		return domain.FileInfo{}, fmt.Errorf("blob: %w", err)
	}
	return domain.FileInfo{SHA256: info.SHA256, Size: info.Size, MediaType: info.MediaType}, nil
}

// connect connects customer i's company, or invites it.
func (s *seeder) connect(ctx context.Context, i int, c *seedCustomer, tag string) error {
	var group uuid.UUID
	if n := len(s.group); n > 0 && i%(n+1) != n {
		group = s.group[i%(n+1)]
	}
	if c.plan == planInvited || c.plan == planAccepted {
		inv, err := s.svc.InviteCustomer(ctx, s.admin, app.InviteCustomer{CompanyName: fmt.Sprintf("%s %04d", customerNames[i%len(customerNames)], i),
			ContactName: personNames[i%len(personNames)], Email: fmt.Sprintf("invited-%04d-%s@customer.seed.sharehub.test", i, tag), GroupID: group})
		if err != nil {
			return err
		}
		s.count(inv.Appended)
		c.id, c.companyID, c.token, c.status = inv.CustomerID, inv.CompanyID, inv.Token, domain.StatusInvited
		return nil
	}
	res, err := s.svc.ConnectCustomer(ctx, s.admin, app.ConnectCustomer{CompanyID: c.companyID, GroupID: group})
	if err != nil {
		return err
	}
	s.count(res.Appended)
	c.id, c.status = res.CustomerID, domain.StatusActive
	return nil
}

// activity runs one worker's sharing activity on its own customers and documents
// until the seed's event budget is spent, then leaves its customers in their
// planned state (revocations come after, one at a time).
func (s *seeder) activity(ctx context.Context, rnd *mrand.Rand, mine []*seedCustomer, docs []*seedDocument) error {
	for _, c := range mine {
		if c.plan != planAccepted {
			continue
		}
		acc, err := s.fast.AcceptInvitation(ctx, app.Call{}, app.AcceptInvitation{Token: c.token, Password: s.res.CustomerPassword})
		if err != nil {
			return fmt.Errorf("accept customer invitation: %w", err)
		}
		s.count(acc.Appended)
		c.status, c.token = domain.StatusActive, ""
	}
	var live []*seedCustomer
	for _, c := range mine {
		if c.status != domain.StatusInvited {
			live = append(live, c)
		}
	}
	idle := 0
	for s.events.Load() < int64(s.opt.Events) && len(live) > 0 && len(docs) > 0 && idle < 100 {
		if err := ctx.Err(); err != nil {
			return err
		}
		done, err := s.step(ctx, rnd, live, docs)
		if err != nil {
			return err
		}
		if done {
			idle = 0
		} else {
			idle++
		}
	}
	for _, c := range live {
		if c.plan == planPaused && c.status == domain.StatusActive {
			res, err := s.svc.PauseCustomer(ctx, s.admin, app.CustomerRef{CustomerID: c.id})
			if err != nil {
				return fmt.Errorf("pause: %w", err)
			}
			s.count(res.Appended)
			c.status = domain.StatusPaused
		}
		if c.plan != planPaused && c.status == domain.StatusPaused {
			res, err := s.svc.ResumeCustomer(ctx, s.admin, app.CustomerRef{CustomerID: c.id})
			if err != nil {
				return fmt.Errorf("resume: %w", err)
			}
			s.count(res.Appended)
			c.status = domain.StatusActive
		}
	}
	return nil
}

// step issues one random command; false when the one drawn had nothing to act on.
func (s *seeder) step(ctx context.Context, rnd *mrand.Rand, live []*seedCustomer, docs []*seedDocument) (bool, error) {
	c := live[rnd.IntN(len(live))]
	d := docs[rnd.IntN(len(docs))]
	switch n := rnd.IntN(100); {
	case n < 40: // grant a document (or, now and then, a whole top folder)
		cmd := app.GrantShare{CustomerID: c.id, DocumentID: d.id, Permission: domain.PermissionView}
		if rnd.IntN(8) == 0 {
			cmd.DocumentID, cmd.FolderID = uuid.Nil, s.tops[rnd.IntN(len(s.tops))]
		}
		if rnd.IntN(5) == 0 {
			cmd.Permission = domain.PermissionEdit
		}
		target := cmd.DocumentID
		if target == uuid.Nil {
			target = cmd.FolderID
		}
		if c.shared[target] {
			return false, nil
		}
		res, err := s.svc.GrantShare(ctx, s.admin, cmd)
		if err != nil {
			return false, fmt.Errorf("grant: %w", err)
		}
		s.count(res.Appended)
		c.shares[res.ShareID], c.shared[target] = target, true
		s.add(&s.res.SharesActive, 1)
	case n < 55: // cancel one of the customer's shares
		for id, target := range c.shares {
			res, err := s.svc.CancelShare(ctx, s.admin, app.ShareRef{ShareID: id})
			if err != nil {
				return false, fmt.Errorf("cancel share: %w", err)
			}
			s.count(res.Appended)
			delete(c.shares, id)
			delete(c.shared, target)
			s.add(&s.res.SharesActive, -1)
			s.add(&s.res.SharesCancelled, 1)
			return true, nil
		}
		return false, nil
	case n < 70: // a link, some with expiry or password
		cmd := app.CreateLink{DocumentID: d.id}
		if rnd.IntN(3) == 0 {
			cmd.ExpiresAt = time.Now().Add(time.Duration(1+rnd.IntN(60)) * 24 * time.Hour)
		}
		if rnd.IntN(4) == 0 {
			cmd.Password = "link-" + randomTag()
		}
		res, err := s.fast.CreateLink(ctx, s.admin, cmd)
		if err != nil {
			return false, fmt.Errorf("link: %w", err)
		}
		s.count(res.Appended)
		d.links = append(d.links, res.LinkID)
	case n < 78: // cancel a link
		if len(d.links) == 0 {
			return false, nil
		}
		res, err := s.svc.CancelLink(ctx, s.admin, app.LinkRef{LinkID: d.links[0]})
		if err != nil {
			return false, fmt.Errorf("cancel link: %w", err)
		}
		s.count(res.Appended)
		d.links = d.links[1:]
		s.add(&s.res.LinksCancelled, 1)
	case n < 86: // pause or resume
		var err error
		var res app.CustomerResult
		if c.status == domain.StatusPaused {
			res, err = s.svc.ResumeCustomer(ctx, s.admin, app.CustomerRef{CustomerID: c.id})
			c.status = domain.StatusActive
		} else {
			res, err = s.svc.PauseCustomer(ctx, s.admin, app.CustomerRef{CustomerID: c.id})
			c.status = domain.StatusPaused
		}
		if err != nil {
			return false, fmt.Errorf("pause/resume: %w", err)
		}
		s.count(res.Appended)
	case n < 94: // a new version
		if d.versions >= 12 {
			return false, nil
		}
		if err := s.addVersion(ctx, rnd, d, fmt.Sprintf("document %s", d.id)); err != nil {
			return false, err
		}
		s.add(&s.res.Versions, 1)
	default: // publish a hidden version, or hide a published one
		v := 1 + rnd.IntN(d.versions)
		res, err := s.svc.SetVersionVisibility(ctx, s.admin, app.SetVersionVisibility{DocumentID: d.id, Version: v, Visible: d.hidden[v]})
		if err != nil {
			return false, fmt.Errorf("visibility: %w", err)
		}
		s.count(res.Appended)
		d.hidden[v] = !d.hidden[v]
	}
	return true, nil
}

func (s *seeder) add(n *int, d int) {
	s.mu.Lock()
	*n += d
	s.mu.Unlock()
}

func randomTag() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

var (
	customerNames = []string{"Acme Logistics", "Birch & Partners", "Cobalt Engineering", "Dunmore Foods", "Elm Street Clinic",
		"Fjord Shipping", "Granite Builders", "Harbor Insurance", "Iris Pharma", "Juniper Retail"}
	personNames   = []string{"Alex Kim", "Bea Novak", "Carlos Ruiz", "Dana Weiss", "Eli Moreau", "Fay Olsen", "Gus Tanaka", "Hana Berg"}
	documentNames = []string{"Service agreement", "Quarterly report", "Installation manual", "Price list", "Safety data sheet",
		"Invoice summary", "Audit findings", "Maintenance schedule", "Certificate", "Meeting minutes"}
	loremLines = []string{
		strings.Repeat("The parties agree to the terms set out below. ", 2),
		"Figures are stated in EUR, excluding VAT, unless noted otherwise.",
		"This section describes the maintenance intervals for the equipment.",
		"All measurements were taken at 20 degrees Celsius and 50% relative humidity.",
		"Questions about this document go to your account manager.",
	}
)
