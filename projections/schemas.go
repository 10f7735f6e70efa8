package projections

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sharehub/sharehub/eventstore"
)

// Versioned read-model schemas. Every definition (DDL) of a projection has a
// physical schema and a consumer group of its own, recorded in
// projection_definitions when a process of it first resolves it:
//   - the first definition of a projection ever seen (and the one that was live
//     when this scheme came, migration 00110) keeps the plain names, rm_<name> and
//     <name>: an unchanged definition is never rebuilt by the upgrade;
//   - every later one is rm_<name>_<ddlhash> and <name>_<ddlhash>, built from the
//     log by the first process of it that starts, while processes of the older
//     definitions go on serving and applying to theirs;
//   - a consumer with side effects (notifications) keeps one schema and one
//     consumer group whatever its definition, so that exactly one consumer acts
//     on the world: the newest definition takes it over, and the consumers of
//     older ones stand by (see guard).
//
// A process resolves its definitions once at start; the write path uses
// Projection.Schema and Projection.Group of the resolved projection, the read
// path the Schemas carried by the context of the request (WithSchemas).

// Schemas names the physical schemas (and consumer groups) of the read models a
// process reads: those of the definitions its code knows.
type Schemas struct {
	Portal, Accounts           string // schemas
	PortalGroup, AccountsGroup string // consumer groups, for read-your-writes
}

// DefaultSchemas are the plain names: those of the first definition of each read
// model (a fresh database, or one upgraded to versioned schemas).
func DefaultSchemas() Schemas {
	return Schemas{Portal: Portal.Schema(), Accounts: Accounts.Schema(), PortalGroup: Portal.Name, AccountsGroup: Accounts.Name}
}

type schemasKey struct{}

// WithSchemas returns ctx carrying s: every query of this package run with it
// reads the schemas of s.
func WithSchemas(ctx context.Context, s Schemas) context.Context {
	return context.WithValue(ctx, schemasKey{}, s)
}

// SchemasFrom returns the schemas ctx carries, DefaultSchemas when none.
func SchemasFrom(ctx context.Context) Schemas {
	if s, ok := ctx.Value(schemasKey{}).(Schemas); ok {
		return s
	}
	return DefaultSchemas()
}

// Group maps a read model's name (portal, accounts) to the consumer group of the
// definition s reads; other names are returned as they are.
func (s Schemas) Group(name string) string {
	switch {
	case name == Portal.Name && s.PortalGroup != "":
		return s.PortalGroup
	case name == Accounts.Name && s.AccountsGroup != "":
		return s.AccountsGroup
	}
	return name
}

var expanded sync.Map // Schemas + sql -> sql

// sql names the schemas of s in text, where {portal} and {accounts} stand for
// them.
func (s Schemas) sql(text string) string {
	type key struct {
		s    Schemas
		text string
	}
	k := key{s, text}
	if v, ok := expanded.Load(k); ok {
		return v.(string)
	}
	out := strings.NewReplacer("{portal}", ident(s.Portal), "{accounts}", ident(s.Accounts)).Replace(text)
	expanded.Store(k, out)
	return out
}

// ResolveSchemas resolves the definitions of the read models the code knows
// (registering them when new) and names their schemas. Call it once at start.
func ResolveSchemas(ctx context.Context, pool *pgxpool.Pool) (Schemas, error) {
	portal, err := Resolve(ctx, pool, Portal)
	if err != nil {
		return Schemas{}, err
	}
	accounts, err := Resolve(ctx, pool, Accounts)
	if err != nil {
		return Schemas{}, err
	}
	return Schemas{Portal: portal.Schema(), Accounts: accounts.Schema(), PortalGroup: portal.Group(), AccountsGroup: accounts.Group()}, nil
}

// Resolve returns p bound to the schema and consumer group of its definition,
// registering the definition when no process has run it before.
func Resolve(ctx context.Context, pool *pgxpool.Pool, p Projection) (Projection, error) {
	var out Projection
	err := withTx(ctx, pool, func(tx pgx.Tx) error {
		if err := lockDefinitions(ctx, tx, p.Name); err != nil {
			return err
		}
		var err error
		out, _, err = resolveIn(ctx, tx, p)
		return err
	})
	return out, err
}

// lockDefinitions serialises, per projection name, the transactions that
// register, create, rebuild the metadata of or retire its definitions.
func lockDefinitions(ctx context.Context, tx pgx.Tx, name string) error {
	_, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('sharehub projection ' || $1))`, name)
	return err
}

// resolveIn registers p's definition when new and binds p to its names, in tx,
// which holds lockDefinitions(p.Name). retired reports an operator retired it.
func resolveIn(ctx context.Context, tx pgx.Tx, p Projection) (_ Projection, retired bool, err error) {
	hash := p.DDLHash()
	plainSchema, plainGroup := "rm_"+p.Name, p.Name
	var schema, group *string
	err = tx.QueryRow(ctx, `SELECT schema_name, consumer_group, retired_at IS NOT NULL FROM projection_definitions
		WHERE name = $1 AND ddl_hash = $2`, p.Name, hash).Scan(&schema, &group, &retired)
	switch {
	case errors.Is(err, pgx.ErrNoRows), err == nil && (schema == nil || group == nil):
		// New (or written by a process of the version before): the plain names
		// go to the first definition, unless another one holds them (the one
		// live when versioned schemas came holds them: migration 00110).
		s, g := plainSchema, plainGroup
		var taken bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM projection_definitions
				WHERE name = $1 AND ddl_hash <> $2 AND consumer_group = $3)`,
			p.Name, hash, plainGroup).Scan(&taken); err != nil {
			return p, false, fmt.Errorf("resolve %s: %w", p.Name, err)
		}
		if taken && !p.Reacts() {
			s, g = plainSchema+"_"+hash, plainGroup+"_"+hash
		}
		if _, err := tx.Exec(ctx, `INSERT INTO projection_definitions (name, ddl_hash, schema_name, consumer_group)
			VALUES ($1, $2, $3, $4) ON CONFLICT (name, ddl_hash) DO UPDATE
			SET schema_name = EXCLUDED.schema_name, consumer_group = EXCLUDED.consumer_group`, p.Name, hash, s, g); err != nil {
			return p, false, fmt.Errorf("record definition of %s: %w", p.Name, err)
		}
		schema, group = &s, &g
	case err != nil:
		return p, false, fmt.Errorf("definition of %s: %w", p.Name, err)
	}
	if p.Reacts() {
		// One schema, one consumer: see the comment at the top of this file.
		schema, group = &plainSchema, &plainGroup
	}
	p.schema, p.group = *schema, *group
	return p, retired, nil
}

// resolved binds p when it is not bound yet.
func resolved(ctx context.Context, pool *pgxpool.Pool, p Projection) (Projection, error) {
	if p.schema != "" {
		return p, nil
	}
	return Resolve(ctx, pool, p)
}

var plainIdent = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)

// ident is name as an SQL identifier: bare when it needs no quotes (rm_portal,
// rm_portal_<hash>: the statements read as they always did), quoted otherwise.
func ident(name string) string {
	if plainIdent.MatchString(name) {
		return name
	}
	return pgx.Identifier{name}.Sanitize()
}

// rmq returns q naming, in the SQL of every query, the schemas ctx carries for
// {portal} and {accounts}.
func rmq(ctx context.Context, q eventstore.Querier) eventstore.Querier {
	return schemaQuerier{q: q, s: SchemasFrom(ctx)}
}

type schemaQuerier struct {
	q eventstore.Querier
	s Schemas
}

func (w schemaQuerier) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	return w.q.Query(ctx, w.s.sql(sql), args...)
}

func (w schemaQuerier) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	for _, qq := range b.QueuedQueries {
		qq.SQL = w.s.sql(qq.SQL)
	}
	return w.q.SendBatch(ctx, b)
}

// LookupSchemas names the schemas of this code's read-model definitions without
// registering them (DefaultSchemas for one no process ran yet): for tools that
// read the read models (shfaults, checks).
func LookupSchemas(ctx context.Context, q interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}) (Schemas, error) {
	s := DefaultSchemas()
	for _, x := range []struct {
		p             Projection
		schema, group *string
	}{{Portal, &s.Portal, &s.PortalGroup}, {Accounts, &s.Accounts, &s.AccountsGroup}} {
		err := q.QueryRow(ctx, `SELECT schema_name, consumer_group FROM projection_definitions
			WHERE name = $1 AND ddl_hash = $2 AND schema_name IS NOT NULL AND consumer_group IS NOT NULL`,
			x.p.Name, x.p.DDLHash()).Scan(x.schema, x.group)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return s, fmt.Errorf("schemas: %w", err)
		}
	}
	return s, nil
}
