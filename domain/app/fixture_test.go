package app_test

import (
	"context"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app"
	"github.com/sharehub/sharehub/domain/app/apptest"
	"github.com/sharehub/sharehub/domain/app/memstore"
)

var t0 = time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)

// The doubles live in apptest, shared with the other packages' tests.
type (
	fakeHasher = apptest.Hasher
	clock      = apptest.Clock
)

// ids hands out deterministic, unique UUIDv7-shaped ids.
type ids struct {
	mu sync.Mutex
	n  uint64
}

func (g *ids) New() (uuid.UUID, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.n++
	var u uuid.UUID
	binary.BigEndian.PutUint64(u[8:], g.n)
	u[6], u[8] = 0x70, 0x80
	return u, nil
}

// lockedReader makes a seeded ChaCha8 safe for concurrent commands.
type lockedReader struct {
	mu sync.Mutex
	r  *rand.ChaCha8
}

func (l *lockedReader) Read(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.r.Read(p)
}

type fixture struct {
	t     *testing.T
	ctx   context.Context
	store *memstore.Store
	clock *clock
	svc   *app.Service
}

func newFixture(t *testing.T, mod ...func(*app.Config)) *fixture {
	t.Helper()
	f := &fixture{t: t, ctx: context.Background(), clock: apptest.NewClock(t0)}
	f.store = memstore.New(f.clock.Now)
	var seed [32]byte
	copy(seed[:], t.Name())
	cfg := app.Config{
		Store: f.store, Hasher: fakeHasher{}, Clock: f.clock.Now, NewID: (&ids{}).New,
		Random:        &lockedReader{r: rand.NewChaCha8(seed)},
		InvitationURL: func(token string) string { return "https://sharehub.test/invitations/" + token },
	}
	for _, m := range mod {
		m(&cfg)
	}
	svc, err := app.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	f.svc = svc
	return f
}

func as(user uuid.UUID) app.Call { return app.Call{ActorID: user} }

var public = app.Call{}

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return v
	}
}

func wantErr(t *testing.T, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("error = %v, want %v", err, want)
	}
}

// log returns every event in position order.
func (f *fixture) log() []domain.Recorded {
	f.t.Helper()
	recs, err := f.store.ReadAll(f.ctx, 0, 1<<30)
	if err != nil {
		f.t.Fatal(err)
	}
	return recs
}

func (f *fixture) stream(id string) []domain.Event {
	f.t.Helper()
	recs, err := f.store.ReadStream(f.ctx, id)
	if err != nil {
		f.t.Fatal(err)
	}
	out := make([]domain.Event, len(recs))
	for i, r := range recs {
		out[i] = r.Event
	}
	return out
}

// state replays the whole log into the domain model.
func (f *fixture) state() *domain.State {
	f.t.Helper()
	s := domain.NewState()
	for _, r := range f.log() {
		if err := s.Apply(r.Event); err != nil {
			f.t.Fatal(err)
		}
	}
	return s
}

// types lists the event types appended after position after.
func (f *fixture) typesAfter(after int64) []string {
	var out []string
	for _, r := range f.log() {
		if r.Position > after {
			out = append(out, r.Type)
		}
	}
	return out
}

func (f *fixture) head() int64 {
	l := f.log()
	if len(l) == 0 {
		return 0
	}
	return l[len(l)-1].Position
}

// signup registers a company with its admin.
func (f *fixture) signup(company, email string) app.Registration {
	f.t.Helper()
	return must[app.Registration](f.t)(f.svc.RegisterCompany(f.ctx, public, app.RegisterCompany{CompanyName: company, Name: "Admin of " + company, Email: email, Password: "correct horse"}))
}

// staff invites and activates a member of the actor's company.
func (f *fixture) staff(actor uuid.UUID, email string, canShare, auditor bool) uuid.UUID {
	f.t.Helper()
	inv := must[app.Invitation](f.t)(f.svc.InviteStaff(f.ctx, as(actor), app.InviteStaff{Name: "Staff " + email, Email: email, CanShare: canShare, Auditor: auditor}))
	must[app.Registration](f.t)(f.svc.AcceptInvitation(f.ctx, public, app.AcceptInvitation{Token: inv.Token, Password: "staff password"}))
	return inv.UserID
}

// world is a provider with an admin, a customer company connected as an active
// customer, and a library folder with one document.
type world struct {
	*fixture
	provider, admin     uuid.UUID
	acme, acmeUser      uuid.UUID
	customer, workspace uuid.UUID
	folder, doc         uuid.UUID
}

func newWorld(t *testing.T, mod ...func(*app.Config)) *world {
	t.Helper()
	f := newFixture(t, mod...)
	w := &world{fixture: f}
	p := f.signup("Provider Ltd", "ada@provider.test")
	w.provider, w.admin = p.CompanyID, p.UserID
	a := f.signup("Acme Corp", "carl@acme.test")
	w.acme, w.acmeUser = a.CompanyID, a.UserID
	c := must[app.CustomerResult](t)(f.svc.ConnectCustomer(f.ctx, as(w.admin), app.ConnectCustomer{CompanyID: w.acme}))
	w.customer, w.workspace = c.CustomerID, c.WorkspaceFolderID
	w.folder = must[app.FolderResult](t)(f.svc.CreateFolder(f.ctx, as(w.admin), app.CreateFolder{Name: "Manuals"})).FolderID
	w.doc = must[app.DocumentResult](t)(f.svc.AddDocument(f.ctx, as(w.admin), app.AddDocument{FolderID: w.folder, Name: "Guide.pdf", File: file(1)})).DocumentID
	return w
}

func file(n byte) domain.FileInfo {
	return domain.FileInfo{SHA256: strings.Repeat(string(rune('0'+n%10)), 64), Size: int64(n) * 100, MediaType: "application/pdf"}
}

// secretsAbsent fails if any stored payload or metadata contains one of secrets.
// Fields the event store encrypts (PersonalDataHolder: personal data, a link's
// sealed token) are left out: the memory store keeps them as given, the event
// store never in plain (its own tests prove that).
func (f *fixture) secretsAbsent(secrets ...string) {
	f.t.Helper()
	for _, r := range f.log() {
		_, _, payload, err := domain.EncodeEvent(sealed(r.Event))
		if err != nil {
			f.t.Fatal(err)
		}
		for _, s := range secrets {
			if s != "" && strings.Contains(string(payload), s) {
				f.t.Fatalf("%s at position %d contains a secret: %s", r.Type, r.Position, payload)
			}
		}
	}
}

// sealed is e with the fields the event store encrypts blanked out.
func sealed(e domain.Event) domain.Event {
	v := reflect.New(reflect.TypeOf(e))
	v.Elem().Set(reflect.ValueOf(e))
	h, ok := v.Interface().(domain.PersonalDataHolder)
	if !ok {
		return e
	}
	for _, f := range h.PersonalDataFields() {
		if *f != "" {
			*f = "[sealed]"
		}
	}
	return v.Elem().Interface().(domain.Event)
}
