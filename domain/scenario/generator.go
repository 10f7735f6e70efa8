// Package scenario is sharehub's one generator of realistic command sequences: from
// a seed it runs domain commands against the state the sequence so far describes
// and hands each decision (a batch of changes with its metadata and time) to a
// Sink. The same seed gives the same sequence.
//
// Sinks live where their dependencies do: Log (here) keeps the events in memory
// as a store would record them, for pure tests; the benchmark's bulk loader
// (cmd/shbench) writes them into PostgreSQL. Since every event comes from a
// command, stream versions are contiguous, nothing follows a terminal event and
// domain.CheckLog holds.
//
// Pure: it imports the standard library, google/uuid and domain only (make lint's
// dependency rule for domain/... covers it).
package scenario

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
)

// errSkip: the chosen command does not apply right now (no candidate, a domain
// rule refuses it, or it would overshoot the event count); another is chosen.
var errSkip = errors.New("skip")

// errDecidedAndRejected: a decider refused a command and still decided events
// (only a rejected link password is recorded: LinkPasswordRejected).
var errDecidedAndRejected = errors.New("scenario: a rejected command decided events")

// Batch is one command's decision, as a store appends it: changes of one or more
// streams, committed together under one metadata at one time.
type Batch struct {
	Meta    domain.Metadata
	At      time.Time
	Changes []domain.Change
}

// Sink receives the batches in order. An error stops the generator.
type Sink interface {
	Record(Batch) error
}

// Generator produces a sequence of exactly a given number of events.
type Generator struct{ g *generator }

// New returns a generator of n events from seed into sink.
func New(sink Sink, n int, seed int64) *Generator { return &Generator{newGenerator(sink, n, seed)} }

// Run generates until the count is reached or ctx ends.
func (g *Generator) Run(ctx context.Context) error { return g.g.run(ctx) }

// Strict makes the generator a property check of the deciders: a command that
// fails with anything but a domain rejection, or is rejected yet decides events,
// stops it with an error (by default it is skipped and another is chosen).
func (g *Generator) Strict() *Generator { g.g.strict = true; return g }

// The log interleaves a few providers at a time, each its own tenant: staff,
// customer groups, customers in every state (connected, invited, accepted, paused,
// resumed, revoked with their shares cancelled), folder trees and workspaces,
// documents with hidden and published versions, portal shares of documents and
// folders, links with expiry and passwords, opens and downloads.
type generator struct {
	b         Sink
	strict    bool
	rng       *rand.Rand
	now       time.Time
	step      float64 // mean seconds between commands
	total     int
	remaining int

	global    *domain.State // companies and users: shared by every provider
	worlds    []*world
	companies []uuid.UUID               // companies on the platform that may become customers
	users     map[uuid.UUID][]uuid.UUID // company -> its active users
	pending   []uuid.UUID               // invited users who have not activated yet
	codes     map[string]bool
	serial    int
}

// world is one provider and everything in its library: its own tenant.
type world struct {
	id        uuid.UUID
	name      string
	st        *domain.State // customers, groups, folders, documents, shares, links
	budget    int
	staff     []uuid.UUID // active staff who may share
	groups    []uuid.UUID
	customers []uuid.UUID // not revoked (pruned lazily)
	invited   []uuid.UUID // customers still invited (pruned lazily)
	folders   []uuid.UUID // every folder, library and workspace
	docs      []uuid.UUID // not removed (pruned lazily)
	shares    []uuid.UUID // active (pruned lazily)
	links     []uuid.UUID // live (pruned lazily)
	inFolder  map[uuid.UUID][]uuid.UUID
}

// cmd is what a command decided: the changes of one batch and who caused them.
type cmd struct {
	tenant  uuid.UUID
	actor   uuid.UUID
	kind    string
	changes []domain.Change
	after   func() // bookkeeping once recorded
}

func newGenerator(b Sink, n int, seed int64) *generator {
	g := &generator{
		b: b, rng: rand.New(rand.NewPCG(uint64(seed), 0x5eed)), remaining: n, total: n,
		now:    time.Date(2024, 1, 1, 8, 0, 0, 0, time.UTC),
		global: domain.NewState(), users: map[uuid.UUID][]uuid.UUID{}, codes: map[string]bool{},
	}
	// About 1.7 events per command; spread the log over two years.
	g.step = (2 * 365 * 24 * 3600) / math.Max(1, float64(n)/1.7)
	return g
}

const activeWorlds = 6

func (g *generator) run(ctx context.Context) error {
	for g.remaining > 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		if len(g.worlds) < activeWorlds && g.remaining >= 200 {
			if err := g.newWorld(); err != nil {
				return err
			}
			continue
		}
		if len(g.worlds) == 0 || g.remaining < 4 {
			if err := g.fill(); err != nil {
				return err
			}
			continue
		}
		i := g.rng.IntN(len(g.worlds))
		w := g.worlds[i]
		if w.budget <= 0 && g.remaining >= 200 {
			g.worlds = append(g.worlds[:i], g.worlds[i+1:]...) // retired: its state is dropped
			continue
		}
		if err := g.step1(w); err != nil {
			return err
		}
	}
	return nil
}

// step1 runs one randomly chosen command in w (or none, when it does not apply).
func (g *generator) step1(w *world) error {
	a := pick(g.rng, actions)
	c, err := a.run(g, w)
	if err != nil {
		if g.strict && !errors.Is(err, errSkip) && !errors.Is(err, errDecidedAndRejected) && !domain.IsRejection(err) {
			return fmt.Errorf("scenario: a command failed with what is no rejection: %w", err)
		}
		if errors.Is(err, errDecidedAndRejected) && g.strict {
			return err
		}
		return nil // errSkip or a domain refusal: choose again
	}
	n, err := g.record(w, c)
	w.budget -= n
	return err
}

// fill ends the log with single-event commands so it has exactly the count asked.
func (g *generator) fill() error {
	for range 200 {
		if len(g.worlds) == 0 {
			break
		}
		w := g.worlds[g.rng.IntN(len(g.worlds))]
		for _, a := range []func(*generator, *world) (cmd, error){(*generator).download, (*generator).openLink, (*generator).addVersion} {
			if c, err := a(g, w); err == nil {
				_, err := g.record(w, c)
				return err
			}
		}
	}
	// Always possible: a company signs up (one event when it brings no user).
	id := g.id()
	evs, err := g.global.Company(id).Register(id, g.companyName(), domain.ViaSignup, g.now)
	if err != nil {
		return err
	}
	_, err = g.record(nil, cmd{tenant: id, kind: domain.ActorPublic, changes: []domain.Change{g.single(nil, evs)}})
	return err
}

// record appends a command's changes to the loader and applies them to the states
// that own their streams. It refuses (errSkip, nothing recorded) a command that
// would make the log longer than asked.
func (g *generator) record(w *world, c cmd) (int, error) {
	n := 0
	for _, ch := range c.changes {
		n += len(ch.Events)
	}
	if n == 0 || n > g.remaining {
		return 0, nil
	}
	meta := domain.Metadata{ActorID: c.actor, ActorKind: c.kind, TenantID: c.tenant, CorrelationID: g.id()}
	if meta.ActorKind == "" {
		meta.ActorKind = domain.ActorUser
	}
	for _, ch := range c.changes {
		if v := g.stateOf(w, ch.Stream).Version(ch.Stream); v != ch.Version {
			return 0, fmt.Errorf("scenario: %s at version %d, command expects %d", ch.Stream, v, ch.Version)
		}
		if err := g.stateOf(w, ch.Stream).Apply(ch.Events...); err != nil {
			return 0, err
		}
	}
	if err := g.b.Record(Batch{Meta: meta, At: g.now, Changes: c.changes}); err != nil {
		return 0, err
	}
	g.remaining -= n
	// The next command decides, and is recorded, a little later.
	g.now = g.now.Add(time.Duration((g.rng.ExpFloat64()*g.step + 0.001) * float64(time.Second))).Truncate(time.Microsecond)
	if c.after != nil {
		c.after()
	}
	return n, nil
}

// stateOf is the state that owns stream: companies and users are global, the rest
// belongs to one provider's world.
func (g *generator) stateOf(w *world, stream string) *domain.State {
	if w == nil || strings.HasPrefix(stream, domain.KindCompany+"-") || strings.HasPrefix(stream, domain.KindUser+"-") {
		return g.global
	}
	return w.st
}

// single wraps one aggregate's new events as a change at its current version.
func (g *generator) single(w *world, evs []domain.Event) domain.Change {
	stream := domain.StreamOf(evs[0])
	return domain.Change{Stream: stream, Version: g.stateOf(w, stream).Version(stream), Events: evs}
}

// one makes a command of one aggregate's decision: g.one(w, actor)(agg.Do(...)).
func (g *generator) one(w *world, actor uuid.UUID) func([]domain.Event, error) (cmd, error) {
	return func(evs []domain.Event, err error) (cmd, error) { return g.oneOf(w, actor, evs, err) }
}

func (g *generator) oneOf(w *world, actor uuid.UUID, evs []domain.Event, err error) (cmd, error) {
	if err != nil && len(evs) > 0 && !errors.Is(err, domain.ErrPasswordRejected) {
		return cmd{}, fmt.Errorf("%w: %d events with %w", errDecidedAndRejected, len(evs), err)
	}
	if err != nil {
		return cmd{}, err
	}
	if len(evs) == 0 {
		return cmd{}, errSkip
	}
	return cmd{tenant: w.id, actor: actor, changes: []domain.Change{g.single(w, evs)}}, nil
}

// ---- worlds ----

// newWorld registers a provider with its admin, invites staff, creates customer
// groups and a folder tree: one command at a time, like the real thing.
func (g *generator) newWorld() error {
	w := &world{id: g.id(), st: domain.NewState(), inFolder: map[uuid.UUID][]uuid.UUID{}}
	w.name = g.companyName()
	w.budget = 500 + g.rng.IntN(max(1, g.total/10))
	evs, err := g.global.Company(w.id).Register(w.id, w.name, domain.ViaSignup, g.now)
	if err != nil {
		return err
	}
	admin := g.id()
	user, err := g.global.User(admin).Register(g.person(admin, w.id, domain.RoleAdmin, true), g.now)
	if err != nil {
		return err
	}
	if _, err := g.record(nil, cmd{tenant: w.id, kind: domain.ActorPublic, changes: []domain.Change{
		g.single(nil, evs), g.single(nil, user)}}); err != nil {
		return err
	}
	w.staff = append(w.staff, admin)
	g.users[w.id] = append(g.users[w.id], admin)
	g.worlds = append(g.worlds, w)
	for range 2 + g.rng.IntN(5) {
		_ = g.tryRecord(w, (*generator).inviteStaff)
	}
	for range 1 + g.rng.IntN(4) {
		_ = g.tryRecord(w, (*generator).createGroup)
	}
	for range 3 + g.rng.IntN(6) {
		_ = g.tryRecord(w, (*generator).createFolder)
	}
	return nil
}

func (g *generator) tryRecord(w *world, a func(*generator, *world) (cmd, error)) error {
	c, err := a(g, w)
	if err != nil {
		return err
	}
	n, err := g.record(w, c)
	w.budget -= n
	return err
}

// ---- the commands, weighted ----

type action struct {
	weight float64
	run    func(*generator, *world) (cmd, error)
}

var actions = []action{
	{0.5, (*generator).signup},
	{0.6, (*generator).inviteStaff},
	{2.0, (*generator).activateUser},
	{0.3, (*generator).changeRole},
	{0.2, (*generator).createGroup},
	{0.4, (*generator).groupAccess},
	{0.2, (*generator).portalDefault},
	{1.2, (*generator).connectCustomer},
	{0.4, (*generator).registerWithGroupCode},
	{0.8, (*generator).inviteCustomer},
	{1.0, (*generator).acceptInvitation},
	{0.8, (*generator).inviteCustomerUser},
	{0.6, (*generator).assignGroup},
	{0.7, (*generator).pause},
	{0.8, (*generator).resume},
	{0.4, (*generator).revoke},
	{0.4, (*generator).masterAccess},
	{0.3, (*generator).documentsToggle},
	{1.2, (*generator).createFolder},
	{4.0, (*generator).addDocument},
	{2.5, (*generator).addVersion},
	{1.2, (*generator).visibility},
	{0.2, (*generator).removeDocument},
	{6.0, (*generator).grantShare},
	{1.2, (*generator).changePermission},
	{1.2, (*generator).cancelShare},
	{0.6, (*generator).changeShareExpiry},
	{0.5, (*generator).grantShares},
	{2.0, (*generator).createLink},
	{0.6, (*generator).cancelLink},
	{8.0, (*generator).openLink},
	{0.6, (*generator).rejectLinkPassword},
	{14.0, (*generator).download},
}

var actionTotal = func() float64 {
	t := 0.0
	for _, a := range actions {
		t += a.weight
	}
	return t
}()

func pick(rng *rand.Rand, as []action) action {
	x := rng.Float64() * actionTotal
	for _, a := range as {
		if x -= a.weight; x < 0 {
			return a
		}
	}
	return as[len(as)-1]
}

// signup: a company joins the platform with its first admin (a future customer).
func (g *generator) signup(*world) (cmd, error) {
	id, admin := g.id(), g.id()
	evs, err := g.global.Company(id).Register(id, g.companyName(), domain.ViaSignup, g.now)
	if err != nil {
		return cmd{}, err
	}
	user, err := g.global.User(admin).Register(g.person(admin, id, domain.RoleAdmin, false), g.now)
	if err != nil {
		return cmd{}, err
	}
	return cmd{tenant: id, kind: domain.ActorPublic, changes: []domain.Change{g.single(nil, evs), g.single(nil, user)},
		after: func() {
			g.companies = append(g.companies, id)
			g.users[id] = append(g.users[id], admin)
		}}, nil
}

func (g *generator) inviteStaff(w *world) (cmd, error) {
	id, by := g.id(), g.pickID(w.staff)
	p := g.person(id, w.id, domain.RoleMember, g.rng.IntN(3) > 0)
	p.Auditor = g.rng.IntN(10) == 0
	evs, err := g.global.User(id).Invite(p, uuid.Nil, by, g.token(), g.now.Add(7*24*time.Hour), g.now)
	c, err := g.one(w, by)(evs, err)
	c.after = func() { g.pending = append(g.pending, id) }
	return c, err
}

// activateUser: an invited person (staff or a customer's portal user) accepts.
func (g *generator) activateUser(w *world) (cmd, error) {
	// Most people accept soon after they were invited; some never do.
	i, ok := g.pickIndex(min(len(g.pending), 8))
	if !ok {
		return cmd{}, errSkip
	}
	i = len(g.pending) - 1 - i
	id := g.pending[i]
	g.pending = swapRemove(g.pending, i) // used or expired: either way no longer pending
	u := g.global.User(id)
	evs, err := u.Activate(u.TokenHash, "", g.now)
	if err != nil {
		return cmd{}, err
	}
	return cmd{tenant: u.CompanyID, actor: id, kind: domain.ActorPublic, changes: []domain.Change{g.single(nil, evs)},
		after: func() {
			g.users[u.CompanyID] = append(g.users[u.CompanyID], id)
			for _, pw := range g.worlds {
				if pw.id == u.CompanyID && u.CanShare {
					pw.staff = append(pw.staff, id)
				}
			}
		}}, nil
}

func (g *generator) changeRole(w *world) (cmd, error) {
	staff := g.users[w.id]
	if len(staff) < 2 {
		return cmd{}, errSkip
	}
	u := g.global.User(staff[1+g.rng.IntN(len(staff)-1)])
	evs, err := u.ChangeRole(u.Role, !u.CanShare, g.rng.IntN(4) == 0, staff[0], g.now)
	c, err := g.one(w, staff[0])(evs, err)
	c.after = func() {
		w.staff = slices.DeleteFunc(w.staff, func(id uuid.UUID) bool { return id == u.ID })
		if u.CanShare {
			w.staff = append(w.staff, u.ID)
		}
	}
	return c, err
}

func (g *generator) createGroup(w *world) (cmd, error) {
	name := fmt.Sprintf("%s %s", strings.Fields(w.name)[0], groupNames[g.rng.IntN(len(groupNames))])
	suffix := g.rng.IntN(10000)
	code, err := domain.GroupCode(name, suffix)
	if err != nil || g.codes[domain.NormalizeGroupCode(code)] {
		return cmd{}, errSkip
	}
	id := domain.GroupIDForCode(code)
	c, err := g.one(w, w.staff[0])(w.st.Group(id).Create(w.id, name, suffix, g.now))
	c.after = func() {
		g.codes[domain.NormalizeGroupCode(code)] = true
		w.groups = append(w.groups, id)
	}
	return c, err
}

func (g *generator) groupAccess(w *world) (cmd, error) {
	if len(w.groups) == 0 || len(w.staff) < 2 {
		return cmd{}, errSkip
	}
	gr := w.st.Group(g.pickID(w.groups))
	staff := g.global.User(g.pickID(w.staff[1:]))
	if gr.AccessOf(staff.ID) != domain.AccessNone && g.rng.IntN(3) == 0 {
		return g.one(w, w.staff[0])(gr.RevokeAccess(staff.ID, g.now))
	}
	access := domain.AccessRead
	if g.rng.IntN(2) == 0 {
		access = domain.AccessWrite
	}
	return g.one(w, w.staff[0])(gr.GrantAccess(staff, access, g.now))
}

func (g *generator) portalDefault(w *world) (cmd, error) {
	p := g.global.Company(w.id)
	evs, err := p.SetPortalDefault(!p.DocumentsEnabledDefault || g.rng.IntN(4) != 0, g.now)
	return g.one(w, w.staff[0])(evs, err)
}

// connectCustomer connects a company already on the platform (maybe into a group).
func (g *generator) connectCustomer(w *world) (cmd, error) {
	if len(g.companies) == 0 {
		return cmd{}, errSkip
	}
	company := g.global.Company(g.pickID(g.companies))
	provider := g.global.Company(w.id)
	if _, taken := provider.Customers[company.ID]; taken {
		return cmd{}, errSkip
	}
	id := g.id()
	changes, err := domain.ConnectCustomer(provider, domain.NewCustomer{CustomerID: id, WorkspaceFolderID: g.id(),
		Company: company, Group: g.maybeGroup(w)}, domain.ViaProvider, g.now)
	return g.newCustomer(w, id, changes, err, false)
}

func (g *generator) registerWithGroupCode(w *world) (cmd, error) {
	if len(w.groups) == 0 {
		return cmd{}, errSkip
	}
	in := domain.GroupRegistration{CompanyID: g.id(), UserID: g.id(), CustomerID: g.id(), WorkspaceFolderID: g.id(), CompanyName: g.companyName()}
	p := g.person(in.UserID, in.CompanyID, domain.RoleAdmin, false)
	in.Name, in.Email = p.Name, p.Email
	grp := w.st.Group(g.pickID(w.groups))
	in.Code = grp.Code
	changes, err := domain.RegisterWithGroupCode(grp, g.global.Company(w.id), in, g.now)
	c, err := g.newCustomer(w, in.CustomerID, changes, err, false)
	c.kind, c.actor = domain.ActorPublic, in.UserID
	after := c.after
	c.after = func() {
		after()
		g.companies = append(g.companies, in.CompanyID)
		g.users[in.CompanyID] = append(g.users[in.CompanyID], in.UserID)
	}
	return c, err
}

func (g *generator) inviteCustomer(w *world) (cmd, error) {
	id, company := g.id(), g.id()
	p := g.person(g.id(), company, domain.RoleAdmin, false)
	changes, err := domain.InviteCustomer(g.global.Company(w.id), domain.CustomerInvitation{
		CustomerID: id, CompanyID: company, WorkspaceFolderID: g.id(), CompanyName: g.companyName(),
		ContactName: p.Name, ContactEmail: p.Email, Group: g.maybeGroup(w), TokenHash: g.token(),
		ExpiresAt: g.now.Add(14 * 24 * time.Hour)}, g.now)
	return g.newCustomer(w, id, changes, err, true)
}

func (g *generator) newCustomer(w *world, id uuid.UUID, changes []domain.Change, err error, invited bool) (cmd, error) {
	if err != nil {
		return cmd{}, err
	}
	return cmd{tenant: w.id, actor: g.pickID(w.staff), changes: changes, after: func() {
		w.customers = append(w.customers, id)
		if invited {
			w.invited = append(w.invited, id)
		}
		folder := w.st.Customer(id).WorkspaceFolderID
		w.folders = append(w.folders, folder)
	}}, nil
}

func (g *generator) acceptInvitation(w *world) (cmd, error) {
	i, ok := g.pickIndex(len(w.invited))
	if !ok {
		return cmd{}, errSkip
	}
	c := w.st.Customer(w.invited[i])
	w.invited = swapRemove(w.invited, i)
	user := g.id()
	changes, err := domain.AcceptCustomerInvitation(c, c.TokenHash, user, "", g.now)
	if err != nil {
		return cmd{}, err
	}
	return cmd{tenant: w.id, actor: user, kind: domain.ActorPublic, changes: changes, after: func() {
		g.companies = append(g.companies, c.CompanyID)
		g.users[c.CompanyID] = append(g.users[c.CompanyID], user)
	}}, nil
}

func (g *generator) inviteCustomerUser(w *world) (cmd, error) {
	c, ok := g.liveCustomer(w)
	if !ok {
		return cmd{}, errSkip
	}
	id := g.id()
	by := g.pickID(w.staff)
	changes, err := domain.InviteCustomerUser(c, g.person(id, c.CompanyID, domain.RoleMember, false), by, g.token(),
		g.now.Add(7*24*time.Hour), g.now)
	if err != nil {
		return cmd{}, err
	}
	return cmd{tenant: w.id, actor: by, changes: changes, after: func() { g.pending = append(g.pending, id) }}, nil
}

func (g *generator) assignGroup(w *world) (cmd, error) {
	c, ok := g.liveCustomer(w)
	if !ok {
		return cmd{}, errSkip
	}
	return g.one(w, g.pickID(w.staff))(c.AssignGroup(g.maybeGroup(w), g.now))
}

func (g *generator) pause(w *world) (cmd, error) {
	c, ok := g.liveCustomer(w)
	if !ok {
		return cmd{}, errSkip
	}
	return g.one(w, g.pickID(w.staff))(c.Pause(g.now))
}

func (g *generator) resume(w *world) (cmd, error) {
	for range 4 { // paused customers are few: look a little harder
		if c, ok := g.liveCustomer(w); ok && c.Status == domain.StatusPaused {
			return g.one(w, g.pickID(w.staff))(c.Resume(g.now))
		}
	}
	return cmd{}, errSkip
}

// revoke ends a customer for good; each of its active shares and workspace links is
// cancelled with it.
func (g *generator) revoke(w *world) (cmd, error) {
	c, ok := g.liveCustomer(w)
	if !ok {
		return cmd{}, errSkip
	}
	shares := map[uuid.UUID]*domain.Share{}
	for id := range c.Shares {
		shares[id] = w.st.Share(id)
	}
	links := map[uuid.UUID]*domain.Link{}
	for _, id := range c.Links {
		links[id] = w.st.Link(id)
	}
	by := g.pickID(w.staff)
	changes, err := domain.EndCustomer(domain.CustomerEnding{Provider: g.global.Company(w.id), Customer: c, Shares: shares, Links: links,
		Reason: domain.ReasonCustomerRevoked, By: by}, g.now)
	if err != nil {
		return cmd{}, err
	}
	return cmd{tenant: w.id, actor: by, changes: changes}, nil
}

func (g *generator) masterAccess(w *world) (cmd, error) {
	c, ok := g.liveCustomer(w)
	if !ok {
		return cmd{}, errSkip
	}
	return g.one(w, g.pickID(w.staff))(c.SetMasterAccess(!c.MasterAccess, g.now))
}

func (g *generator) documentsToggle(w *world) (cmd, error) {
	c, ok := g.liveCustomer(w)
	if !ok {
		return cmd{}, errSkip
	}
	var v *bool
	if x := g.rng.IntN(3); x < 2 {
		v = new(x == 1)
	}
	return g.one(w, g.pickID(w.staff))(c.SetDocumentsEnabled(v, g.now))
}

// createFolder: a root folder, a subfolder in the library, or a folder in a
// customer's workspace (sometimes created by the customer from the portal).
func (g *generator) createFolder(w *world) (cmd, error) {
	in := domain.NewFolder{ID: g.id(), ProviderID: w.id, Name: folderNames[g.rng.IntN(len(folderNames))] + fmt.Sprintf(" %d", g.rng.IntN(100))}
	if len(w.folders) > 0 && g.rng.IntN(4) > 0 {
		in.Parent = w.st.Folder(g.pickID(w.folders))
		if ws := in.Parent.WorkspaceCustomerID; ws != uuid.Nil && g.rng.IntN(3) == 0 {
			in.CreatedByCustomerID = ws
		}
	}
	c, err := g.one(w, g.pickID(w.staff))(w.st.Folder(in.ID).Create(in, g.now))
	c.after = func() { w.folders = append(w.folders, in.ID) }
	return c, err
}

func (g *generator) addDocument(w *world) (cmd, error) {
	if len(w.folders) == 0 {
		return cmd{}, errSkip
	}
	folder := w.st.Folder(g.pickID(w.folders))
	in := domain.NewDocument{ID: g.id(), Folder: folder, File: g.file(), Hidden: g.rng.IntN(5) == 0,
		Name: fmt.Sprintf("%s %d.%s", docNames[g.rng.IntN(len(docNames))], g.rng.IntN(1000), "pdf")}
	if folder.WorkspaceCustomerID != uuid.Nil && g.rng.IntN(3) == 0 {
		in.UploadedByCustomerID = folder.WorkspaceCustomerID
	}
	c, err := g.one(w, g.pickID(w.staff))(w.st.Document(in.ID).Add(in, g.now))
	c.after = func() {
		w.docs = append(w.docs, in.ID)
		w.inFolder[folder.ID] = append(w.inFolder[folder.ID], in.ID)
	}
	return c, err
}

func (g *generator) liveDocument(w *world) (*domain.Document, bool) {
	for len(w.docs) > 0 {
		i := g.rng.IntN(len(w.docs))
		if d := w.st.Document(w.docs[i]); !d.Removed {
			return d, true
		}
		w.docs = swapRemove(w.docs, i)
	}
	return nil, false
}

// addVersion: a new version, hidden until published in about a third of cases.
func (g *generator) addVersion(w *world) (cmd, error) {
	d, ok := g.liveDocument(w)
	if !ok {
		return cmd{}, errSkip
	}
	return g.one(w, g.pickID(w.staff))(d.AddVersion(g.file(), g.rng.IntN(3) == 0, uuid.Nil, g.now))
}

func (g *generator) visibility(w *world) (cmd, error) {
	d, ok := g.liveDocument(w)
	if !ok {
		return cmd{}, errSkip
	}
	v := 1 + g.rng.IntN(len(d.Versions))
	return g.one(w, g.pickID(w.staff))(d.SetVersionVisibility(v, d.Versions[v-1].Hidden, g.now))
}

// removeDocument removes a document; its shares and links are cancelled with it.
func (g *generator) removeDocument(w *world) (cmd, error) {
	d, ok := g.liveDocument(w)
	if !ok {
		return cmd{}, errSkip
	}
	in := domain.DocumentRemoval{Document: d, Shares: map[uuid.UUID]*domain.Share{}, Links: map[uuid.UUID]*domain.Link{},
		Customers: map[uuid.UUID]*domain.Customer{}, By: g.pickID(w.staff)}
	for _, id := range d.ShareIDs {
		s := w.st.Share(id)
		in.Shares[id] = s
		in.Customers[s.CustomerID] = w.st.Customer(s.CustomerID)
	}
	for _, id := range d.LinkIDs {
		in.Links[id] = w.st.Link(id)
	}
	changes, err := domain.RemoveDocument(in, g.now)
	if err != nil {
		return cmd{}, err
	}
	return cmd{tenant: w.id, actor: in.By, changes: changes}, nil
}

// grantShare shares a document or (a third of the time) a folder with a customer.
func (g *generator) grantShare(w *world) (cmd, error) {
	c, ok := g.liveCustomer(w)
	if !ok {
		return cmd{}, errSkip
	}
	in := domain.NewShare{ShareID: g.id(), Customer: c, Permission: domain.PermissionView, By: g.pickID(w.staff)}
	if g.rng.IntN(4) == 0 {
		in.Permission = domain.PermissionEdit
	}
	if g.rng.IntN(3) == 0 && len(w.folders) > 0 {
		in.Folder = w.st.Folder(g.pickID(w.folders))
	} else if in.Document, ok = g.liveDocument(w); !ok {
		return cmd{}, errSkip
	}
	in.ExpiresAt = g.expiry()
	changes, err := domain.GrantShare(in, g.now)
	if err != nil {
		return cmd{}, err
	}
	return cmd{tenant: w.id, actor: in.By, changes: changes, after: func() { w.shares = append(w.shares, in.ShareID) }}, nil
}

func (g *generator) activeShare(w *world) (*domain.Share, bool) {
	for len(w.shares) > 0 {
		i := g.rng.IntN(len(w.shares))
		if s := w.st.Share(w.shares[i]); s.Active() {
			return s, true
		}
		w.shares = swapRemove(w.shares, i)
	}
	return nil, false
}

func (g *generator) changePermission(w *world) (cmd, error) {
	s, ok := g.activeShare(w)
	if !ok {
		return cmd{}, errSkip
	}
	p := domain.PermissionEdit
	if s.Permission == domain.PermissionEdit {
		p = domain.PermissionView
	}
	by := g.pickID(w.staff)
	return g.one(w, by)(s.ChangePermission(p, by, g.now))
}

func (g *generator) cancelShare(w *world) (cmd, error) {
	s, ok := g.activeShare(w)
	if !ok {
		return cmd{}, errSkip
	}
	by := g.pickID(w.staff)
	changes, err := domain.CancelShare(s, w.st.Customer(s.CustomerID), by, g.now)
	if err != nil {
		return cmd{}, err
	}
	return cmd{tenant: w.id, actor: by, changes: changes}, nil
}

// createLink: a third expire (in one to ninety days), a fifth need a password.
func (g *generator) createLink(w *world) (cmd, error) {
	d, ok := g.liveDocument(w)
	if !ok {
		return cmd{}, errSkip
	}
	in := domain.NewLink{LinkID: g.id(), Document: d, TokenHash: g.token(), By: g.pickID(w.staff)}
	if d.WorkspaceCustomerID != uuid.Nil {
		if in.Customer = w.st.Customer(d.WorkspaceCustomerID); in.Customer.Status == domain.StatusRevoked {
			return cmd{}, errSkip
		}
	}
	if g.rng.IntN(3) == 0 {
		in.ExpiresAt = g.now.Add(time.Duration(1+g.rng.IntN(90)) * 24 * time.Hour)
	}
	if g.rng.IntN(5) == 0 {
		in.PasswordHash = "$argon2id$v=19$m=65536,t=1,p=4$" + g.token()[:22] + "$" + g.token()[:43]
	}
	changes, err := domain.CreateLink(in, g.now)
	if err != nil {
		return cmd{}, err
	}
	return cmd{tenant: w.id, actor: in.By, changes: changes, after: func() { w.links = append(w.links, in.LinkID) }}, nil
}

func (g *generator) liveLink(w *world) (*domain.Link, bool) {
	for len(w.links) > 0 {
		i := g.rng.IntN(len(w.links))
		if l := w.st.Link(w.links[i]); !l.GoneAt(g.now) && !w.st.Document(l.DocumentID).Removed {
			return l, true
		}
		w.links = swapRemove(w.links, i)
	}
	return nil, false
}

func (g *generator) cancelLink(w *world) (cmd, error) {
	l, ok := g.liveLink(w)
	if !ok {
		return cmd{}, errSkip
	}
	by := g.pickID(w.staff)
	return g.one(w, by)(l.Cancel(by, g.now))
}

func (g *generator) openLink(w *world) (cmd, error) {
	l, ok := g.liveLink(w)
	if !ok {
		return cmd{}, errSkip
	}
	evs, err := l.Open(w.st.Document(l.DocumentID), "right", func(string, string) bool { return true }, g.id(), g.now)
	c, err := g.one(w, uuid.Nil)(evs, err)
	c.kind = domain.ActorPublic
	return c, err
}

func (g *generator) rejectLinkPassword(w *world) (cmd, error) {
	l, ok := g.liveLink(w)
	if !ok || !l.PasswordRequired() {
		return cmd{}, errSkip
	}
	evs, err := l.Open(w.st.Document(l.DocumentID), "wrong", func(string, string) bool { return false }, g.id(), g.now)
	if !errors.Is(err, domain.ErrPasswordRejected) {
		return cmd{}, errSkip
	}
	c, err := g.one(w, uuid.Nil)(evs, nil)
	c.kind = domain.ActorPublic
	return c, err
}

// download: a user of a customer with an active share downloads the newest visible
// version of the shared document (or of a document in the shared folder).
func (g *generator) download(w *world) (cmd, error) {
	for range 3 { // many shares are not downloadable right now: look a little harder
		if c, err := g.download1(w); err == nil {
			return c, nil
		}
	}
	return cmd{}, errSkip
}

func (g *generator) download1(w *world) (cmd, error) {
	s, ok := g.activeShare(w)
	if !ok {
		return cmd{}, errSkip
	}
	c := w.st.Customer(s.CustomerID)
	users := g.users[c.CompanyID]
	if c.Status != domain.StatusActive || len(users) == 0 || !c.DocumentsOn(g.global.Company(w.id).DocumentsEnabledDefault) {
		return cmd{}, errSkip
	}
	docID := s.DocumentID
	if s.FolderID != uuid.Nil {
		docs := w.inFolder[s.FolderID]
		if len(docs) == 0 {
			return cmd{}, errSkip
		}
		docID = docs[g.rng.IntN(len(docs))]
	}
	d := w.st.Document(docID)
	v, ok := d.NewestVisible()
	if !ok || d.Removed {
		return cmd{}, errSkip
	}
	user := g.pickID(users)
	return g.one(w, user)(d.RecordDownload(g.id(), c.ID, user, v.Number, g.now))
}

// ---- helpers ----

// liveCustomer picks a customer that is not revoked.
func (g *generator) liveCustomer(w *world) (*domain.Customer, bool) {
	for len(w.customers) > 0 {
		i := g.rng.IntN(len(w.customers))
		if c := w.st.Customer(w.customers[i]); c.Status != domain.StatusRevoked {
			return c, true
		}
		w.customers = swapRemove(w.customers, i)
	}
	return nil, false
}

func (g *generator) maybeGroup(w *world) *domain.Group {
	if len(w.groups) == 0 || g.rng.IntN(2) == 0 {
		return nil
	}
	return w.st.Group(g.pickID(w.groups))
}

// id is a random (version 4) UUID from the seeded generator.
func (g *generator) id() uuid.UUID {
	var u uuid.UUID
	binary.LittleEndian.PutUint64(u[:8], g.rng.Uint64())
	binary.LittleEndian.PutUint64(u[8:], g.rng.Uint64())
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return u
}

func (g *generator) pickID(ids []uuid.UUID) uuid.UUID {
	if len(ids) == 0 {
		return uuid.Nil
	}
	return ids[g.rng.IntN(len(ids))]
}

func (g *generator) pickIndex(n int) (int, bool) {
	if n == 0 {
		return 0, false
	}
	return g.rng.IntN(n), true
}

// token is what a stored token or file hash looks like: 64 hex digits.
func (g *generator) token() string {
	var b [32]byte
	for i := 0; i < 32; i += 8 {
		binary.LittleEndian.PutUint64(b[i:], g.rng.Uint64())
	}
	return hex.EncodeToString(b[:])
}

func (g *generator) file() domain.FileInfo {
	return domain.FileInfo{SHA256: g.token(), Size: 1024 + g.rng.Int64N(20<<20), MediaType: mediaTypes[g.rng.IntN(len(mediaTypes))]}
}

func (g *generator) companyName() string {
	g.serial++
	return fmt.Sprintf("%s %s %d %s", companyWords[g.rng.IntN(len(companyWords))], companyWords[g.rng.IntN(len(companyWords))],
		g.serial, companyForms[g.rng.IntN(len(companyForms))])
}

func (g *generator) person(id, company uuid.UUID, role domain.Role, canShare bool) domain.NewUser {
	first, last := firstNames[g.rng.IntN(len(firstNames))], lastNames[g.rng.IntN(len(lastNames))]
	return domain.NewUser{ID: id, CompanyID: company, Name: first + " " + last, Role: role, CanShare: canShare,
		Email: fmt.Sprintf("%s.%s.%s@example.com", strings.ToLower(first), strings.ToLower(last), id.String()[:8])}
}

func swapRemove(ids []uuid.UUID, i int) []uuid.UUID {
	ids[i] = ids[len(ids)-1]
	return ids[:len(ids)-1]
}

var (
	companyWords = []string{"Acme", "Nordic", "Blue", "River", "Summit", "Atlas", "Harbor", "Quantum", "Cedar", "Granite",
		"Silver", "Pioneer", "Vertex", "Orion", "Maple", "Falcon"}
	companyForms = []string{"GmbH", "Ltd", "AG", "Inc.", "SARL", "BV", "Oy", "AB"}
	firstNames   = []string{"Anna", "Ben", "Clara", "David", "Elif", "Felix", "Greta", "Hugo", "Ines", "Jonas", "Karin",
		"Luca", "Mia", "Noah", "Olga", "Paul", "Rosa", "Sven", "Tara", "Yusuf"}
	lastNames = []string{"Schmidt", "Meyer", "Novak", "Rossi", "Dubois", "Jensen", "Kowalski", "Garcia", "Yilmaz",
		"Berg", "Walsh", "Lind", "Costa", "Horvat", "Weber"}
	groupNames  = []string{"Key Accounts", "Distributors", "Service Partners", "OEM", "Resellers", "Installers"}
	folderNames = []string{"Manuals", "Datasheets", "Certificates", "Drawings", "Contracts", "Price Lists", "Software",
		"Quality", "Projects", "Archive"}
	docNames   = []string{"Operating manual", "Datasheet", "CE declaration", "Assembly drawing", "Offer", "Invoice", "Firmware notes", "Test report", "Spare parts list"}
	mediaTypes = []string{"application/pdf", "application/pdf", "application/pdf", "image/png", "application/zip",
		"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "text/plain"}
)

// expiry is a share's expiry on the generated clock (issue 17): mostly none;
// else soon (it passes within the generated log, so as-of replays see both
// sides of it, and every reader today sees it expired) or decades away (still
// active when the oracle reads).
func (g *generator) expiry() time.Time {
	switch g.rng.IntN(6) {
	case 0:
		return g.now.Add(time.Duration(1+g.rng.IntN(3600)) * time.Second)
	case 1:
		return g.now.AddDate(50, 0, 0)
	}
	return time.Time{}
}

// changeShareExpiry moves, sets or removes a live share's expiry (an expired
// share may be given a new one).
func (g *generator) changeShareExpiry(w *world) (cmd, error) {
	s, ok := g.activeShare(w)
	if !ok {
		return cmd{}, errSkip
	}
	by := g.pickID(w.staff)
	return g.one(w, by)(s.ChangeExpiry(g.expiry(), by, g.now))
}

// grantShares is a bulk share: a few customers × a few documents and folders,
// all or nothing (a pair already shared refuses it: another command is chosen).
func (g *generator) grantShares(w *world) (cmd, error) {
	in := domain.NewShares{Permission: domain.PermissionView, By: g.pickID(w.staff), ExpiresAt: g.expiry()}
	seen := map[uuid.UUID]bool{}
	for range 1 + g.rng.IntN(3) {
		if c, ok := g.liveCustomer(w); ok && !seen[c.ID] {
			seen[c.ID] = true
			in.Customers = append(in.Customers, c)
		}
	}
	for range 1 + g.rng.IntN(3) {
		if d, ok := g.liveDocument(w); ok && !seen[d.ID] {
			seen[d.ID] = true
			in.Documents = append(in.Documents, d)
		}
	}
	if len(w.folders) > 0 && g.rng.IntN(2) == 0 {
		if f := w.st.Folder(g.pickID(w.folders)); !seen[f.ID] {
			in.Folders = append(in.Folders, f)
		}
	}
	if len(in.Customers) == 0 || len(in.Documents)+len(in.Folders) == 0 {
		return cmd{}, errSkip
	}
	ids := make([]uuid.UUID, len(in.Customers)*(len(in.Documents)+len(in.Folders)))
	for i := range ids {
		ids[i] = g.id()
	}
	in.ShareID = func(i int) uuid.UUID { return ids[i] }
	changes, err := domain.GrantShares(in, g.now)
	if err != nil {
		return cmd{}, err
	}
	return cmd{tenant: w.id, actor: in.By, changes: changes, after: func() { w.shares = append(w.shares, ids...) }}, nil
}
