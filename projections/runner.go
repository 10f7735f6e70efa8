package projections

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"

	"github.com/sharehub/sharehub/eventstore"
)

var (
	failedGauge = promauto.NewGaugeVec(prometheus.GaugeOpts{
		Name: "sharehub_projection_failed",
		Help: "1 while a projection is stopped by an event it cannot apply (see projections status).",
	}, []string{"projection"})
	lagGauge = promauto.NewGaugeVec(prometheus.GaugeOpts{
		Name: "sharehub_projection_lag_seconds",
		Help: "Age of the oldest committed event a projection has not applied yet (0: caught up).",
	}, []string{"projection"})
)

// Runner keeps projections up to date in this process. Several processes may run
// the same projections: each consumer group's checkpoint row lock lets one of them
// apply a batch at a time, so effects stay exactly once.
type Runner struct {
	Store       *eventstore.Store
	Pool        *pgxpool.Pool // where the projections' tables live (the store's database; cmd wires it)
	Projections []Projection  // the read models it runs
	Reactors    []*Reactor    // the reactors it runs; with Projections nil too: Served()
	Log         *slog.Logger
	// PollInterval is how long an idle consumer waits before polling again.
	PollInterval time.Duration
	// BatchSize is how many events one consumer transaction applies.
	BatchSize int
	// MinPause is the first pause before a consumer stopped by a transient
	// error subscribes again (default 100ms); it doubles up to 30s.
	MinPause time.Duration
	// ResumeInterval is how often a projection stopped at a parked event looks
	// whether an operator resolved it (default 2s).
	ResumeInterval time.Duration

	mu     sync.Mutex
	failed map[string]error
}

// Run prepares every projection (creating or rebuilding its schema when its
// definition changed) and applies events until ctx is cancelled. A projection that
// meets an event it cannot apply stops, loudly (log, projection_state, metric),
// while the others go on.
func (r *Runner) Run(ctx context.Context) error {
	if r.Store == nil || r.Pool == nil {
		return errors.New("projections: a Runner needs its Store and its Pool")
	}
	ps := append([]Projection(nil), r.Projections...)
	for _, rc := range r.Reactors {
		ps = append(ps, rc.Consumer())
	}
	if r.Projections == nil && r.Reactors == nil {
		ps = Served()
	}
	log := r.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	for i, p := range ps {
		// A database that is restarting is waited for; a definition that cannot
		// be created is an error.
		for pause := time.Second; ; pause = min(2*pause, 30*time.Second) {
			bound, err := ensureBound(ctx, r.Store, r.Pool, p, log)
			if err == nil || ctx.Err() != nil {
				ps[i] = bound
				break
			}
			if !eventstore.ConnectionLost(err) {
				return err
			}
			log.Warn("database unavailable while preparing projections; retrying", "projection", p.Name, "err", err, "in", pause)
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(pause):
			}
		}
		if ctx.Err() != nil {
			return nil
		}
	}
	var wg sync.WaitGroup
	for _, p := range ps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.run(ctx, p, log.With("projection", p.Name))
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		r.watchLag(ctx, ps, log)
	}()
	wg.Wait()
	return nil
}

// Failed reports the projections this process saw stop, with why.
func (r *Runner) Failed() map[string]error {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string]error, len(r.failed))
	for k, v := range r.failed {
		out[k] = v
	}
	return out
}

func (r *Runner) run(ctx context.Context, p Projection, log *slog.Logger) {
	failedGauge.WithLabelValues(p.Name).Set(0)
	minPause := r.MinPause
	if minPause <= 0 {
		minPause = defaultMinPause
	}
	pause := minPause
	for {
		started := time.Now()
		var since time.Time // database clock, for park
		_ = r.Pool.QueryRow(ctx, `SELECT now()`).Scan(&since)
		err := subscribe(ctx, r.Store, eventstore.SubscriptionConfig{
			ConsumerGroup: p.Group(),
			Guard:         p.guard(),
			PollInterval:  r.PollInterval,
			BatchSize:     r.BatchSize,
			Logger:        log,
		}, p)
		var poison *eventstore.PoisonEventError
		switch {
		case err == nil || ctx.Err() != nil:
			return
		case errors.As(err, &poison):
			log.Error("projection stopped: an event cannot be applied; it is parked until an operator runs "+
				"`sharehub projections retry|skip`", "position", poison.Position, "stream_id", poison.StreamID,
				"event_type", poison.Type, "err", poison.Err)
			if !r.markFailed(ctx, p, poison, since) {
				log.Info("the failure predates news of the event (applied elsewhere, or resolved): trying again")
				pause = minPause
				continue
			}
			if !r.waitForOperator(ctx, p) {
				return
			}
			log.Info("parked event resolved; projection resumes")
			r.clearFailed(p)
			pause = minPause
		default:
			// Not the events' fault: the database went away (restart, network)
			// or refused for the moment (deadlock, serialization failure,
			// statement timeout, full disk). Subscribe again, in a new
			// transaction, with backoff and without limit; nothing applied is
			// lost, since the checkpoint commits with the effects.
			if time.Since(started) > 30*time.Second {
				pause = minPause // it had been making progress
			}
			log.Warn("projection consumer interrupted; resubscribing", "err", err, "in", pause)
			select {
			case <-ctx.Done():
				return
			case <-time.After(pause):
			}
			pause = min(2*pause, 30*time.Second)
		}
	}
}

// defaultMinPause is the first pause before a consumer that stopped for a
// transient reason subscribes again.
const defaultMinPause = 100 * time.Millisecond

// markFailed parks the event and reports p failed; false when the failure was
// stale (see park) and nothing was parked.
func (r *Runner) markFailed(ctx context.Context, p Projection, poison *eventstore.PoisonEventError, since time.Time) bool {
	parked, err := park(context.WithoutCancel(ctx), r.Pool, p.Group(), poison, since)
	if err != nil && r.Log != nil {
		r.Log.Error("parking the event failed", "projection", p.Name, "position", poison.Position, "err", err)
	}
	if err == nil && !parked {
		return false
	}
	r.mu.Lock()
	if r.failed == nil {
		r.failed = map[string]error{}
	}
	r.failed[p.Name] = poison
	r.mu.Unlock()
	failedGauge.WithLabelValues(p.Name).Set(1)
	return true
}

func (r *Runner) clearFailed(p Projection) {
	r.mu.Lock()
	delete(r.failed, p.Name)
	r.mu.Unlock()
	failedGauge.WithLabelValues(p.Name).Set(0)
}

// waitForOperator waits until p's state is no longer failed (an operator retried
// or skipped the parked event, or another process restarted it); false when ctx
// ended first.
func (r *Runner) waitForOperator(ctx context.Context, p Projection) bool {
	every := r.ResumeInterval
	if every <= 0 {
		every = 2 * time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return false
		case <-t.C:
		}
		var state string
		err := r.Pool.QueryRow(ctx, `SELECT state FROM projection_state WHERE name = $1`, p.Group()).Scan(&state)
		if err == nil && state != "failed" {
			return true
		}
	}
}

func (r *Runner) watchLag(ctx context.Context, ps []Projection, log *slog.Logger) {
	t := time.NewTicker(5 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		st, err := Status(ctx, r.Pool, ps)
		if err != nil {
			if ctx.Err() == nil {
				log.Warn("projection lag", "err", err)
			}
			continue
		}
		for _, s := range st {
			lagGauge.WithLabelValues(s.Name).Set(s.LagSeconds)
		}
	}
}

// Ensure prepares the schema of p's definition (schemas.go): creates it when it
// is the first definition and does not exist yet (its consumer then starts from
// the beginning of the log), builds it from the log when it is a later
// definition no process built yet (the processes of older definitions go on
// serving theirs meanwhile), and refuses a retired definition. Safe to call from
// several processes at once. It returns p bound to its schema and consumer group.
func Ensure(ctx context.Context, store *eventstore.Store, pool *pgxpool.Pool, p Projection, log *slog.Logger) error {
	_, err := ensureBound(ctx, store, pool, p, log)
	return err
}

func ensureBound(ctx context.Context, store *eventstore.Store, pool *pgxpool.Pool, p Projection, log *slog.Logger) (Projection, error) {
	for {
		bound, err := ensure(ctx, store, pool, p, log)
		if !errors.Is(err, errRebuildRunning) {
			return bound, err
		}
		// Another process (of the same new definition) builds it: wait for it,
		// then look again (its schema will usually be there by then).
		log.Info("another process builds the projection's schema; waiting", "projection", p.Name, "schema", bound.Schema())
		select {
		case <-ctx.Done():
			return bound, ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

func ensure(ctx context.Context, store *eventstore.Store, pool *pgxpool.Pool, p Projection, log *slog.Logger) (Projection, error) {
	var build bool
	err := withTx(ctx, pool, func(tx pgx.Tx) error {
		if err := lockDefinitions(ctx, tx, p.Name); err != nil {
			return err
		}
		bound, retired, err := resolveIn(ctx, tx, p)
		if err != nil {
			return err
		}
		p = bound
		if retired {
			return fmt.Errorf("%w: %s (deploy the current version)", ErrDefinitionRetired, p.DDLHash())
		}
		var hash string
		err = tx.QueryRow(ctx, `SELECT ddl_hash FROM projection_state WHERE name = $1`, p.Group()).Scan(&hash)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		stateFound := err == nil
		exists, err := schemaExists(ctx, tx, p.Schema())
		if err != nil {
			return err
		}
		switch {
		case stateFound && exists && hash == p.DDLHash():
			_, err := tx.Exec(ctx, `UPDATE projection_state SET state = 'running', error = NULL, error_position = NULL,
				updated_at = now() WHERE name = $1`, p.Group())
			return err
		case p.Reacts() && stateFound && exists:
			// The shared schema of a consumer with side effects: a newer
			// definition took it over, this process's consumer stands by.
			var newer bool
			if err := tx.QueryRow(ctx, `SELECT coalesce((SELECT first_seen_at FROM projection_definitions WHERE name = $1 AND ddl_hash = $2)
					> (SELECT first_seen_at FROM projection_definitions WHERE name = $1 AND ddl_hash = $3), false)`,
				p.Name, hash, p.DDLHash()).Scan(&newer); err != nil {
				return err
			}
			if newer {
				log.Warn("a newer definition of the projection acts: this process's consumer stands by",
					"projection", p.Name, "mine", p.DDLHash(), "live", hash)
				return nil
			}
		case p.Group() != p.Name && !p.Reacts():
			// A later definition: built from the log beside the others.
			build = true
			return nil
		}
		log.Info("creating projection", "projection", p.Name, "schema", p.Schema())
		if err := createSchema(ctx, tx, p.Schema(), p.DDL); err != nil {
			return err
		}
		if err := (eventstore.Checkpoints{}).Delete(ctx, tx, p.Group()); err != nil {
			return err
		}
		if p.Reacts() {
			// It replays the history to learn its state, but acts only on what
			// comes after this moment.
			if _, err := tx.Exec(ctx, `INSERT INTO `+pgx.Identifier{p.Schema(), "settings"}.Sanitize()+`
				SELECT coalesce(max(position), 0) FROM events`); err != nil {
				return err
			}
		}
		_, err = tx.Exec(ctx, `INSERT INTO projection_state (name, ddl_hash, state) VALUES ($1, $2, 'running')
			ON CONFLICT (name) DO UPDATE SET ddl_hash = EXCLUDED.ddl_hash, state = 'running', error = NULL,
				error_position = NULL, updated_at = now()`, p.Group(), p.DDLHash())
		return err
	})
	if err != nil {
		return p, fmt.Errorf("prepare projection %s: %w", p.Name, err)
	}
	if build {
		log.Warn("a new definition of the projection: building its schema from the log before serving",
			"projection", p.Name, "schema", p.Schema())
		if _, err := Rebuild(ctx, store, pool, p, RebuildOptions{Force: true, Log: log}); err != nil {
			if errors.Is(err, errRebuildRunning) {
				return p, err
			}
			return p, fmt.Errorf("build projection %s for its new definition: %w", p.Name, err)
		}
	}
	return p, nil
}

func schemaExists(ctx context.Context, q eventstore.DB, schema string) (bool, error) {
	var ok bool
	err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)`, schema).Scan(&ok)
	return ok, err
}

// createSchema (re)creates schema holding the tables of ddl, owned by the
// application role (see actAsAppRole).
func createSchema(ctx context.Context, tx pgx.Tx, schema, ddl string) error {
	if err := actAsAppRole(ctx, tx); err != nil {
		return err
	}
	name := pgx.Identifier{schema}.Sanitize()
	if _, err := tx.Exec(ctx, `DROP SCHEMA IF EXISTS `+name+` CASCADE`); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `CREATE SCHEMA `+name); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `SELECT set_config('search_path', $1, true)`, name); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, ddl); err != nil {
		return fmt.Errorf("create tables in %s: %w", schema, err)
	}
	_, err := tx.Exec(ctx, `SELECT set_config('search_path', 'public', true)`)
	return err
}

// AppRole is the database role the service runs as (migrations/00044).
const AppRole = "sharehub_app"

// actAsAppRole makes the rest of tx run as AppRole when the connected role may
// become it and is not it already (the owner running a migration, a CLI rebuild):
// projection schemas and tables then always belong to AppRole, whoever connects,
// so that a serving process can use, rebuild and swap them. A role that cannot
// become it keeps its own (a single-role installation).
func actAsAppRole(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `SELECT set_config('role', $1, true)
		WHERE current_user <> $1 AND EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)
		  AND pg_has_role(current_user, $1, 'MEMBER')`, AppRole)
	if err != nil {
		return fmt.Errorf("act as %s: %w", AppRole, err)
	}
	return nil
}

// splitDDL separates the secondary indexes (CREATE INDEX statements, which only
// readers need) from the rest of ddl, so that a rebuild can load its tables first
// and index them once at the end.
func splitDDL(ddl string) (tables, indexes string) {
	var t, i []string
	for _, stmt := range strings.Split(ddl, ";") {
		body := stmt
		for _, line := range strings.Split(stmt, "\n") {
			if l := strings.TrimSpace(line); l != "" && !strings.HasPrefix(l, "--") {
				body = l
				break
			}
		}
		switch {
		case strings.TrimSpace(stmt) == "":
		case strings.HasPrefix(strings.ToUpper(body), "CREATE INDEX"), strings.HasPrefix(strings.ToUpper(body), "CREATE UNIQUE INDEX"):
			i = append(i, stmt)
		default:
			t = append(t, stmt)
		}
	}
	return strings.Join(t, ";") + ";", strings.Join(i, ";") + ";"
}

// createIndexes runs the index statements of ddl in schema.
func createIndexes(ctx context.Context, tx pgx.Tx, schema, indexes string) error {
	if strings.Trim(indexes, "; \n") == "" {
		return nil
	}
	if _, err := tx.Exec(ctx, `SELECT set_config('search_path', $1, true)`, pgx.Identifier{schema}.Sanitize()); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, indexes); err != nil {
		return fmt.Errorf("index %s: %w", schema, err)
	}
	_, err := tx.Exec(ctx, `SELECT set_config('search_path', 'public', true)`)
	return err
}
