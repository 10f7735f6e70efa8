package projections_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app"
	"github.com/sharehub/sharehub/domain/app/apptest"
	"github.com/sharehub/sharehub/eventstore"
	"github.com/sharehub/sharehub/eventstore/pgtest"
	"github.com/sharehub/sharehub/projections"
)

// world is a provider with a library and customers, on a real database.
type world struct {
	t     *testing.T
	ctx   context.Context
	pool  *pgxpool.Pool
	url   string
	store *eventstore.Store
	clock *apptest.Clock
	svc   *app.Service
	last  int64 // position of the last write

	provider, admin uuid.UUID
}

func newWorld(t *testing.T) *world {
	t.Helper()
	pool, url := pgtest.NewDatabase(t)
	w := &world{t: t, ctx: t.Context(), pool: pool, url: url, clock: apptest.NewClock(time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC))}
	w.store = eventstore.New(pool, slog.New(slog.DiscardHandler))
	svc, err := app.New(app.Config{Store: w.store, Hasher: apptest.Hasher{}, Clock: w.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	w.svc = svc
	reg := w.signup("Provider")
	w.provider, w.admin = reg.CompanyID, reg.UserID
	return w
}

func (w *world) note(res app.AppendResult) {
	if res.LastPosition > w.last {
		w.last = res.LastPosition
	}
	w.clock.Advance(time.Second)
}

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return v
	}
}

func as(user uuid.UUID) app.Call { return app.Call{ActorID: user} }

func (w *world) signup(name string) app.Registration {
	w.t.Helper()
	reg := must[app.Registration](w.t)(w.svc.RegisterCompany(w.ctx, app.Call{}, app.RegisterCompany{
		CompanyName: name, Name: "Admin of " + name, Email: uuid.NewString()[:8] + "@" + name + ".test", Password: "correct horse battery"}))
	w.note(reg.Appended)
	return reg
}

// customer connects a fresh company; it returns the customer and the company's admin.
func (w *world) customer(name string) (customer, user uuid.UUID, workspace uuid.UUID) {
	w.t.Helper()
	reg := w.signup(name)
	c := must[app.CustomerResult](w.t)(w.svc.ConnectCustomer(w.ctx, as(w.admin), app.ConnectCustomer{CompanyID: reg.CompanyID}))
	w.note(c.Appended)
	return c.CustomerID, reg.UserID, c.WorkspaceFolderID
}

func (w *world) folder(name string, parent, customer uuid.UUID) uuid.UUID {
	w.t.Helper()
	f := must[app.FolderResult](w.t)(w.svc.CreateFolder(w.ctx, as(w.admin), app.CreateFolder{Name: name, ParentID: parent, CustomerID: customer}))
	w.note(f.Appended)
	return f.FolderID
}

func file(n int) domain.FileInfo {
	sum := sha256.Sum256([]byte(fmt.Sprint(n)))
	return domain.FileInfo{SHA256: hex.EncodeToString(sum[:]), Size: int64(100 + n), MediaType: "application/pdf"}
}

func (w *world) document(name string, folder uuid.UUID, hidden bool) uuid.UUID {
	w.t.Helper()
	d := must[app.DocumentResult](w.t)(w.svc.AddDocument(w.ctx, as(w.admin), app.AddDocument{FolderID: folder, Name: name, File: file(len(name)), Hidden: hidden}))
	w.note(d.Appended)
	return d.DocumentID
}

func (w *world) share(customer, doc, folder uuid.UUID, perm domain.Permission) uuid.UUID {
	w.t.Helper()
	s := must[app.ShareResult](w.t)(w.svc.GrantShare(w.ctx, as(w.admin), app.GrantShare{CustomerID: customer, DocumentID: doc, FolderID: folder, Permission: perm}))
	w.note(s.Appended)
	return s.ShareID
}

// step runs a command that must succeed and notes the position it wrote (every
// service result has an Appended field).
func (w *world) do(v any, err error) {
	w.t.Helper()
	if err != nil {
		w.t.Fatalf("unexpected error: %v", err)
	}
	w.note(appended(v))
}

func appended(v any) app.AppendResult {
	f := reflect.ValueOf(v).FieldByName("Appended")
	if !f.IsValid() {
		return app.AppendResult{}
	}
	return f.Interface().(app.AppendResult)
}

// run starts the runner for ps until the test ends (or stop is called).
func (w *world) run(ps ...projections.Projection) (stop func()) {
	w.t.Helper()
	return w.runWith(&projections.Runner{Store: w.store, Pool: w.pool, Projections: ps})
}

// runWith runs r (polling often, logging to the test) until the test ends.
func (w *world) runWith(r *projections.Runner) (stop func()) {
	w.t.Helper()
	ctx, cancel := context.WithCancel(w.ctx)
	r.PollInterval, r.Log = 5*time.Millisecond, testLog(w.t)
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				w.t.Errorf("runner: %v", err)
			}
		})
	}
	w.t.Cleanup(stop)
	return stop
}

// caughtUp waits until projection name applied everything written so far.
func (w *world) caughtUp(name string) {
	w.t.Helper()
	if w.last == 0 {
		return
	}
	if err := projections.WaitFor(w.ctx, w.store, name, w.last, 60*time.Second); err != nil {
		w.t.Fatalf("projection %s did not reach %d: %v", name, w.last, err)
	}
}

// state replays the whole log into the domain model: the oracle.
func (w *world) state() *domain.State {
	w.t.Helper()
	recs, err := w.store.ReadAll(w.ctx, 0, 1<<30)
	if err != nil {
		w.t.Fatal(err)
	}
	s := domain.NewState()
	for _, r := range recs {
		if err := s.Apply(r.Event); err != nil {
			w.t.Fatal(err)
		}
	}
	return s
}

// view reads the portal view from the projection tables.
func (w *world) view(customer uuid.UUID) domain.PortalView {
	w.t.Helper()
	w.caughtUp("portal")
	return must[domain.PortalView](w.t)(projections.PortalView(w.ctx, w.pool, customer))
}

// visible lists the names of the visible documents.
func visible(v domain.PortalView) []string {
	out := []string{}
	for _, d := range v.Documents {
		out = append(out, d.Name)
	}
	return out
}

func sameView(t *testing.T, label string, got, want domain.PortalView) {
	t.Helper()
	if got.Folders == nil {
		got.Folders = []domain.PortalFolder{}
	}
	if want.Folders == nil {
		want.Folders = []domain.PortalFolder{}
	}
	if got.Documents == nil {
		got.Documents = []domain.PortalDocument{}
	}
	if want.Documents == nil {
		want.Documents = []domain.PortalDocument{}
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("%s: portal view differs from the oracle (-oracle +projection):\n%s", label, d)
	}
}

func pick[T any](rng *rand.Rand, xs []T) T {
	var zero T
	if len(xs) == 0 {
		return zero
	}
	return xs[rng.IntN(len(xs))]
}

// testLog shows the runner's log with -v.
func testLog(t *testing.T) *slog.Logger {
	if !testing.Verbose() {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type tWriter struct{ t *testing.T }

func (w tWriter) Write(p []byte) (int, error) { w.t.Log(string(p)); return len(p), nil }

func pgxpoolNew(ctx context.Context, url string) (*pgxpool.Pool, error) { return pgxpool.New(ctx, url) }
