package app

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
)

// EmailClaimScope is the Claim scope that keeps login e-mail addresses unique.
const EmailClaimScope = "user-email"

// PasswordHasher hashes login and link passwords (argon2id in production; the
// implementation lives outside this package).
type PasswordHasher interface {
	Hash(plain string) (string, error)
	Verify(hash, plain string) bool
}

// Config configures a Service. Store and Hasher are required.
type Config struct {
	Store  EventStore
	Hasher PasswordHasher
	// Clock is the time source (default time.Now). Times are recorded in UTC with
	// microsecond precision, as the store keeps them.
	Clock func() time.Time
	// NewID generates aggregate ids (default uuid.NewV7).
	NewID func() (uuid.UUID, error)
	// Random feeds tokens and group-code suffixes (default crypto/rand.Reader).
	Random io.Reader
	// MaxAttempts bounds how often a command runs when its append conflicts
	// (default 5).
	MaxAttempts int
	// InvitationTTL is how long invitations stay valid (default 7 days).
	InvitationTTL time.Duration
	// InvitationURL, when set, turns an invitation token into the URL that is mailed:
	// invitations then queue an OutboxMail in their batch. The plain token never
	// enters the log; the outbox row holding the URL is deleted once sent.
	InvitationURL func(token string) string
}

// Validate reports what is missing or out of range.
func (c Config) Validate() error {
	var errs []error
	if c.Store == nil {
		errs = append(errs, errors.New("app: Store is required"))
	}
	if c.Hasher == nil {
		errs = append(errs, errors.New("app: Hasher is required"))
	}
	if c.MaxAttempts < 0 {
		errs = append(errs, errors.New("app: MaxAttempts must not be negative"))
	}
	if c.InvitationTTL < 0 {
		errs = append(errs, errors.New("app: InvitationTTL must not be negative"))
	}
	return errors.Join(errs...)
}

// Service runs sharehub's commands. It is safe for concurrent use.
type Service struct {
	store         EventStore
	hasher        PasswordHasher
	clock         func() time.Time
	newID         func() (uuid.UUID, error)
	random        io.Reader
	maxAttempts   int
	invitationTTL time.Duration
	invitationURL func(string) string
}

// New returns a Service with defaults filled in.
func New(cfg Config) (*Service, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	s := &Service{
		store: cfg.Store, hasher: cfg.Hasher, clock: cfg.Clock, newID: cfg.NewID, random: cfg.Random,
		maxAttempts: cfg.MaxAttempts, invitationTTL: cfg.InvitationTTL, invitationURL: cfg.InvitationURL,
	}
	if s.clock == nil {
		s.clock = time.Now
	}
	if s.newID == nil {
		s.newID = uuid.NewV7
	}
	if s.random == nil {
		s.random = rand.Reader
	}
	if s.maxAttempts == 0 {
		s.maxAttempts = 5
	}
	if s.invitationTTL == 0 {
		s.invitationTTL = 7 * 24 * time.Hour
	}
	return s, nil
}

// Call is who issues a command and how it correlates: the caller resolves ActorID
// from its session (uuid.Nil for public calls such as signup, accepting an
// invitation or opening a link). The service loads the actor's current role and
// group access itself, so a stale session cannot widen access.
type Call struct {
	ActorID       uuid.UUID
	CorrelationID uuid.UUID // the request id; generated when Nil
	CausationID   uuid.UUID
	// Idempotency, when set, commits with the command's events: a second command
	// with the same (tenant, key) fails with ErrDuplicateRequest and appends nothing.
	Idempotency *Idempotency
}

// exec runs decide against freshly loaded state and appends what it recorded, as
// one batch, retrying from a fresh load when another writer got there first. decide
// may run several times; it must not have side effects outside the unit.
func (s *Service) exec(ctx context.Context, call Call, decide func(u *unit) error) (AppendResult, error) {
	return s.execN(ctx, call, s.maxAttempts, decide)
}

// recordingAttempts bounds the retries of commands that only record an access
// (a download, a link opened): many readers of one popular document or link
// append to its stream at once, and none of them may fail because of the others.
const recordingAttempts = 64

// execRecording is exec for access records.
func (s *Service) execRecording(ctx context.Context, call Call, decide func(u *unit) error) (AppendResult, error) {
	return s.execN(ctx, call, max(s.maxAttempts, recordingAttempts), decide)
}

// retryPause is a random pause before attempt n (n >= 1) of a command that
// conflicted, growing with n up to 20ms, so that writers racing for one stream
// spread out instead of colliding again in step.
func (s *Service) retryPause(ctx context.Context, n int) error {
	limit := time.Duration(min(1<<min(n, 5), 20)) * time.Millisecond
	var b [8]byte
	_, _ = io.ReadFull(rand.Reader, b[:])
	d := time.Duration(binary.LittleEndian.Uint64(b[:]) % uint64(limit))
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (s *Service) execN(ctx context.Context, call Call, attempts int, decide func(u *unit) error) (AppendResult, error) {
	if call.CorrelationID == uuid.Nil {
		id, err := s.newID()
		if err != nil {
			return AppendResult{}, fmt.Errorf("correlation id: %w", err)
		}
		call.CorrelationID = id
	}
	var conflict error
	for attempt := range attempts {
		if attempt > 0 {
			if err := s.retryPause(ctx, attempt); err != nil {
				return AppendResult{}, err
			}
		}
		u := &unit{ctx: ctx, s: s, call: call, now: s.clock().UTC().Truncate(time.Microsecond),
			loaded: map[string]domain.Aggregate{}, index: map[string]int{}}
		if err := decide(u); err != nil {
			return AppendResult{}, err
		}
		if len(u.out) == 0 {
			return AppendResult{}, u.failure
		}
		res, err := s.store.Append(ctx, u.batch())
		if err == nil {
			return res, u.failure
		}
		if !errors.Is(err, domain.ErrConcurrencyConflict) {
			return AppendResult{}, err
		}
		conflict = err
	}
	return AppendResult{}, fmt.Errorf("gave up after %d attempts: %w", attempts, conflict)
}

// dryUnit is a unit whose decisions are never appended (see withNewPassword): its
// ids are random, so a dry run does not consume the Service's id sequence.
func (s *Service) dryUnit(ctx context.Context, call Call) *unit {
	return &unit{ctx: ctx, s: s, call: call, now: s.clock().UTC().Truncate(time.Microsecond),
		loaded: map[string]domain.Aggregate{}, index: map[string]int{}, dry: true}
}

// unit is one attempt of one command: the streams it read (at which versions),
// the events and records it decided on.
type unit struct {
	ctx     context.Context
	s       *Service
	call    Call
	now     time.Time
	tenant  uuid.UUID
	loaded  map[string]domain.Aggregate
	out     []StreamAppend
	index   map[string]int // stream -> position in out
	records []Record
	// failure is a rejection whose events must still be recorded (a wrong link
	// password): returned to the caller after the append succeeds.
	failure error
	actor   *domain.User
	dry     bool // a check before the real run: nothing is appended
}

func (u *unit) batch() Batch {
	kind := domain.ActorUser
	if u.call.ActorID == uuid.Nil {
		kind = domain.ActorPublic
	}
	meta := domain.Metadata{
		ActorID: u.call.ActorID, ActorKind: kind, TenantID: u.tenant,
		CorrelationID: u.call.CorrelationID, CausationID: u.call.CausationID,
	}
	records := u.records
	if idem := u.call.Idempotency; idem != nil {
		meta.IdempotencyKey = idem.Key
		records = append(records, *idem)
	}
	return Batch{Streams: u.out, Meta: meta, RecordedAt: u.now, Records: records}
}

// load reads a stream once per attempt into an aggregate of type T.
func load[T any, PT interface {
	*T
	domain.Aggregate
}](u *unit, stream string) (PT, error) {
	if a, ok := u.loaded[stream]; ok {
		if a, ok := a.(PT); ok {
			return a, nil
		}
		return nil, fmt.Errorf("stream %s loaded as %T", stream, u.loaded[stream])
	}
	recs, err := u.s.store.ReadStream(u.ctx, stream)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", stream, err)
	}
	a := PT(new(T))
	for i, r := range recs {
		if r.Version != int64(i+1) {
			return nil, fmt.Errorf("read %s: version %d at index %d", stream, r.Version, i)
		}
		a.Replay(r.Event)
	}
	u.loaded[stream] = a
	return a, nil
}

func (u *unit) company(id uuid.UUID) (*domain.Company, error) {
	return load[domain.Company](u, domain.CompanyStream(id))
}
func (u *unit) user(id uuid.UUID) (*domain.User, error) {
	return load[domain.User](u, domain.UserStream(id))
}
func (u *unit) group(id uuid.UUID) (*domain.Group, error) {
	return load[domain.Group](u, domain.GroupStream(id))
}
func (u *unit) customer(id uuid.UUID) (*domain.Customer, error) {
	return load[domain.Customer](u, domain.CustomerStream(id))
}
func (u *unit) folder(id uuid.UUID) (*domain.Folder, error) {
	return load[domain.Folder](u, domain.FolderStream(id))
}
func (u *unit) document(id uuid.UUID) (*domain.Document, error) {
	return load[domain.Document](u, domain.DocumentStream(id))
}
func (u *unit) share(id uuid.UUID) (*domain.Share, error) {
	return load[domain.Share](u, domain.ShareStream(id))
}
func (u *unit) link(id uuid.UUID) (*domain.Link, error) {
	return load[domain.Link](u, domain.LinkStream(id))
}

// record adds decided changes to the batch. Each change must be taken at the
// version its stream was read at (0 for a stream never read: a new aggregate), so
// the store's expected-version check covers everything the decision depended on.
func (u *unit) record(changes ...domain.Change) error {
	for _, c := range changes {
		if len(c.Events) == 0 {
			continue
		}
		var read int64
		if a, ok := u.loaded[c.Stream]; ok {
			read = a.Version()
		}
		if c.Version != read {
			return fmt.Errorf("change to %s decided at version %d, read at %d", c.Stream, c.Version, read)
		}
		for _, e := range c.Events {
			if s := domain.StreamOf(e); s != c.Stream {
				return fmt.Errorf("%s belongs to %s, recorded on %s", e.EventType(), s, c.Stream)
			}
		}
		if i, ok := u.index[c.Stream]; ok {
			u.out[i].Events = append(u.out[i].Events, c.Events...)
			continue
		}
		u.index[c.Stream] = len(u.out)
		u.out = append(u.out, StreamAppend{StreamID: c.Stream, ExpectedVersion: read, Events: append([]domain.Event(nil), c.Events...)})
	}
	return nil
}

// recordOn adds events decided by one aggregate (at its version).
func (u *unit) recordOn(a domain.Aggregate, events []domain.Event) error {
	if len(events) == 0 {
		return nil
	}
	return u.record(domain.Change{Stream: domain.StreamOf(events[0]), Version: a.Version(), Events: events})
}

// recordNew adds the events creating a new aggregate (its stream must not exist).
func (u *unit) recordNew(events []domain.Event) error {
	if len(events) == 0 {
		return nil
	}
	return u.record(domain.Change{Stream: domain.StreamOf(events[0]), Events: events})
}

func (u *unit) id() (uuid.UUID, error) {
	if u.dry {
		return uuid.New(), nil
	}
	id, err := u.s.newID()
	if err != nil {
		return uuid.Nil, fmt.Errorf("new id: %w", err)
	}
	return id, nil
}

// principal is the acting user as access rules see them (the zero Principal, which
// may do nothing, for public calls).
func (u *unit) principal() (domain.Principal, error) {
	if u.call.ActorID == uuid.Nil {
		return domain.Principal{}, nil
	}
	if u.actor == nil {
		a, err := u.user(u.call.ActorID)
		if err != nil {
			return domain.Principal{}, err
		}
		u.actor = a
	}
	return u.actor.Principal(), nil
}

// authorize checks that p may do a in scope, and makes the scope's provider the
// batch's tenant.
func (u *unit) authorize(p domain.Principal, a domain.Action, scope domain.Scope) error {
	if err := domain.Authorize(p, a, scope); err != nil {
		return err
	}
	u.tenant = scope.ProviderID
	return nil
}

// customerScope is the scope of c's data for the actor: its provider and the
// actor's access to c's group.
func (u *unit) customerScope(p domain.Principal, c *domain.Customer) (domain.Scope, error) {
	if !c.Exists() {
		return domain.Scope{}, fmt.Errorf("customer: %w", domain.ErrNotFound)
	}
	access := domain.AccessNone
	if c.GroupID != uuid.Nil {
		g, err := u.group(c.GroupID)
		if err != nil {
			return domain.Scope{}, err
		}
		access = g.AccessOf(p.UserID)
	}
	return domain.CustomerScope(c.ProviderID, access), nil
}

// libraryScope is the scope of a folder or document: its workspace customer's
// scope, or the provider's library.
func (u *unit) libraryScope(p domain.Principal, providerID, workspaceCustomer uuid.UUID) (domain.Scope, error) {
	if workspaceCustomer == uuid.Nil {
		return domain.LibraryScope(providerID), nil
	}
	c, err := u.customer(workspaceCustomer)
	if err != nil {
		return domain.Scope{}, err
	}
	return u.customerScope(p, c)
}

func (u *unit) documentScope(p domain.Principal, d *domain.Document) (domain.Scope, error) {
	if !d.Exists() {
		return domain.Scope{}, fmt.Errorf("document: %w", domain.ErrNotFound)
	}
	return u.libraryScope(p, d.ProviderID, d.WorkspaceCustomerID)
}

func (u *unit) folderScope(p domain.Principal, f *domain.Folder) (domain.Scope, error) {
	if !f.Exists() {
		return domain.Scope{}, fmt.Errorf("folder: %w", domain.ErrNotFound)
	}
	return u.libraryScope(p, f.ProviderID, f.WorkspaceCustomerID)
}

// mail queues an invitation mail when the service is configured to send them.
func (u *unit) mail(to, template, subject, token string) error {
	if u.s.invitationURL == nil {
		return nil
	}
	id, err := u.id()
	if err != nil {
		return err
	}
	url := u.s.invitationURL(token)
	u.records = append(u.records, OutboxMail{ID: id, To: to, Subject: subject, Template: template,
		Body: subject + "\n\nAccept the invitation here: " + url + "\n"})
	return nil
}

// Results show the state a command left (the HTTP layer answers with it), while the
// unit keeps each aggregate as it was read: its version is the append's expected
// version. after replays the events on a copy; the clone functions copy what
// replaying would otherwise change in place.
func after[T any, PT interface {
	*T
	domain.Aggregate
}](a PT, clone func(T) T, events []domain.Event) T {
	snap := clone(*a)
	PT(&snap).Replay(events...)
	return snap
}

// eventsOn picks the events of one stream out of a decision's changes.
func eventsOn(stream string, changes []domain.Change) []domain.Event {
	var out []domain.Event
	for _, c := range changes {
		if c.Stream == stream {
			out = append(out, c.Events...)
		}
	}
	return out
}

func cloneCustomer(c domain.Customer) domain.Customer {
	c.Shares = maps.Clone(c.Shares)
	c.DocumentsEnabled = clonePtr(c.DocumentsEnabled)
	return c
}

func cloneDocument(d domain.Document) domain.Document {
	d.Versions, d.ShareIDs, d.LinkIDs = slices.Clone(d.Versions), slices.Clone(d.ShareIDs), slices.Clone(d.LinkIDs)
	return d
}

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

func same[T any](v T) T { return v }
