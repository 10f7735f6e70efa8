package eventstore

import (
	"context"
	stdsql "database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	wsql "github.com/ThreeDotsLabs/watermill-sql/v4/pkg/sql"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/eventstore/dberr"
)

// Topic is the watermill topic name of the log. The schema adapter maps it onto the
// events table; there is no other topic.
const Topic = "events"

// eventsSchema is a watermill-sql SchemaAdapter over the events table. Projections
// consume the log through it; nothing publishes through watermill (Store.Append is
// the only writer), so the log is never written twice.
type eventsSchema struct {
	batchSize int
	guard     string // SubscriptionConfig.Guard
}

var _ wsql.SchemaAdapter = eventsSchema{}

func (eventsSchema) InsertQuery(wsql.InsertQueryParams) (wsql.Query, error) {
	return wsql.Query{}, errors.New("events are appended with eventstore.Store.Append, not published through watermill")
}

func (s eventsSchema) SelectQuery(p wsql.SelectQueryParams) (wsql.Query, error) {
	next, err := p.OffsetsAdapter.NextOffsetQuery(wsql.NextOffsetQueryParams{Topic: p.Topic, ConsumerGroup: p.ConsumerGroup})
	if err != nil {
		return wsql.Query{}, err
	}
	// Same rule as watermill-sql's PostgreSQL adapter: rows are read in commit
	// order (transaction_id, position), and only from transactions older than every
	// transaction still running, so one that commits late is never skipped. Where
	// that adapter writes "same transaction and later position, or later
	// transaction", this says (transaction_id, position) > checkpoint: the same
	// rows, but a row comparison is an index condition on (transaction_id,
	// position), where the OR made PostgreSQL walk the index from its start on every
	// poll (100 ms per poll behind one bulk-loaded transaction of a million events).
	//
	// The keys of the batch are found first on the index alone (narrow rows: an
	// index-only scan in commit order), then their rows fetched by position. Asked
	// for whole rows at once, PostgreSQL's generic plan for this prepared statement
	// misjudged the range and sorted a sequential scan of the table on every poll.
	lf := logFilter{
		fromSQL: [2]string{"(SELECT last_processed_transaction_id FROM last_processed)",
			"(SELECT coalesce(offset_acked, 0) FROM last_processed)"},
		Horizon:  horizonLive,
		sqlGuard: s.guard,
	}
	args := append([]any(nil), next.Args...)
	q := `WITH last_processed AS (` + next.Query + `),
	     batch AS (
		SELECT position FROM events
		 WHERE ` + lf.where(&args) + `
		 ORDER BY ` + inCommitOrder + `
		 LIMIT ` + strconv.Itoa(s.batchSize) + `)
	SELECT ` + logColumns("e.", false) + `
	  FROM batch JOIN events e ON e.position = batch.position
	 ORDER BY e.transaction_id, e.position`
	return wsql.Query{Query: q, Args: args}, nil
}

// Message metadata keys carrying the event envelope to handlers.
const (
	metaStreamID      = "stream_id"
	metaStreamVersion = "stream_version"
	metaType          = "event_type"
	metaSchema        = "schema_version"
	metaPosition      = "position"
	metaRecordedAt    = "recorded_at"
	metaEventMeta     = "event_metadata"
	metaTxID          = "transaction_id"
)

// UnmarshalMessage scans a row of logColumns into a message: the stored
// payload, and the rest of the row in the metadata (rowFromMessage reads it
// back for decodeRow).
func (eventsSchema) UnmarshalMessage(p wsql.UnmarshalMessageParams) (wsql.Row, error) {
	var r logRow
	if err := scanLogRow(p.Row, &r); err != nil {
		return wsql.Row{}, fmt.Errorf("scan event: %w", err)
	}
	msg := message.NewMessage(r.id.String(), r.payload)
	msg.Metadata = message.Metadata{
		metaStreamID:      r.stream,
		metaStreamVersion: strconv.FormatInt(r.version, 10),
		metaType:          r.typ,
		metaSchema:        strconv.Itoa(int(r.schema)),
		metaPosition:      strconv.FormatInt(r.position, 10),
		metaRecordedAt:    r.at.UTC().Format(time.RFC3339Nano),
		metaEventMeta:     string(r.metadata),
		metaTxID:          strconv.FormatUint(r.txid, 10),
	}
	return wsql.Row{
		Offset:    r.position,
		UUID:      []byte(r.id.String()),
		Payload:   r.payload,
		Msg:       msg,
		ExtraData: map[string]any{"transaction_id": wsql.XID8(r.txid)},
	}, nil
}

// The schema belongs to the migrations; watermill must never create tables.
func (eventsSchema) SchemaInitializingQueries(wsql.SchemaInitializingQueriesParams) ([]wsql.Query, error) {
	return nil, nil
}

func (eventsSchema) SubscribeIsolationLevel() stdsql.IsolationLevel {
	return stdsql.LevelRepeatableRead
}

// recordedFromMessage rebuilds the event a handler sees: the row back from the
// message, decoded by the one row decoder.
func (s *Store) recordedFromMessage(msg *message.Message) (domain.Recorded, error) {
	var (
		r   logRow
		err error
	)
	if r.id, err = uuid.Parse(msg.UUID); err != nil {
		return domain.Recorded{}, fmt.Errorf("event id: %w", err)
	}
	r.stream = msg.Metadata.Get(metaStreamID)
	r.typ = msg.Metadata.Get(metaType)
	if r.version, err = strconv.ParseInt(msg.Metadata.Get(metaStreamVersion), 10, 64); err != nil {
		return domain.Recorded{}, fmt.Errorf("stream version: %w", err)
	}
	if r.position, err = strconv.ParseInt(msg.Metadata.Get(metaPosition), 10, 64); err != nil {
		return domain.Recorded{}, fmt.Errorf("position: %w", err)
	}
	schema, err := strconv.ParseInt(msg.Metadata.Get(metaSchema), 10, 32)
	if err != nil {
		return domain.Recorded{}, fmt.Errorf("schema version: %w", err)
	}
	r.schema = int32(schema)
	if r.at, err = time.Parse(time.RFC3339Nano, msg.Metadata.Get(metaRecordedAt)); err != nil {
		return domain.Recorded{}, fmt.Errorf("recorded at: %w", err)
	}
	if r.txid, err = strconv.ParseUint(msg.Metadata.Get(metaTxID), 10, 64); err != nil {
		return domain.Recorded{}, fmt.Errorf("transaction id: %w", err)
	}
	r.payload, r.metadata = msg.Payload, []byte(msg.Metadata.Get(metaEventMeta))
	recs, _, err := s.decodeRows(msg.Context(), []logRow{r}, decodeStrict)
	if err != nil { // the envelope still names the event in the poison report
		return domain.Recorded{EventID: r.id, Position: r.position, StreamID: r.stream, Version: r.version,
			Type: r.typ, SchemaVersion: int(r.schema), RecordedAt: r.at.UTC()}, err
	}
	return recs[0], nil
}

// Handler applies one event inside the consumer's transaction. Everything it writes
// through tx commits together with the consumer group's checkpoint, so a handler
// whose writes are idempotent per event gives exactly-once effects.
type Handler func(ctx context.Context, tx pgx.Tx, ev domain.Recorded) error

// SubscriptionConfig configures one consumer group.
type SubscriptionConfig struct {
	// ConsumerGroup names the checkpoint. Permanent once deployed: a new name
	// replays the whole log.
	ConsumerGroup string
	// PollInterval is how long an idle consumer waits before looking again
	// (default 20ms: it bounds the read-your-writes delay).
	PollInterval time.Duration
	// BatchSize is how many events one transaction handles (default 100).
	BatchSize int
	// MaxAttempts is how often one event may fail before the consumer stops with a
	// *PoisonEventError instead of retrying forever (default 5).
	MaxAttempts int
	// RetryDelay is the pause before an event that failed is handled again
	// (default 200ms).
	RetryDelay time.Duration
	// Guard, when set, is an SQL condition (no parameters) every poll checks in
	// its own snapshot, under the checkpoint row's lock: while it is false the
	// consumer reads nothing. Projections use it so that a process never applies
	// events to tables of a definition it does not know (a rolling deploy).
	Guard string
	// SearchPath, when set, is put in front of the search_path of every consumer
	// transaction, before its first handler runs (one statement per transaction):
	// projections name their tables unqualified and set their schema here.
	SearchPath string
	// Handles, when set, says which event types the handler wants: the others are
	// acknowledged without decoding them or calling the handler (no round trip).
	Handles func(eventType string) bool
	Logger  *slog.Logger
}

// PoisonEventError stops a consumer group: one event kept failing.
type PoisonEventError struct {
	ConsumerGroup string
	Position      int64
	StreamID      string
	Type          string
	Err           error
}

func (e *PoisonEventError) Error() string {
	return fmt.Sprintf("consumer %s stopped at event %d (%s %s): %v", e.ConsumerGroup, e.Position, e.StreamID, e.Type, e.Err)
}

func (e *PoisonEventError) Unwrap() error { return e.Err }

// Subscribe delivers every committed event, in commit order, to h until ctx is
// cancelled (it then returns nil) or an event fails MaxAttempts times (it returns
// a *PoisonEventError). Delivery is at least once; with the handler writing through
// the transaction it is given, effects are exactly once. Several processes may
// subscribe with the same group: the checkpoint row lock lets one consume at a time.
func (s *Store) Subscribe(ctx context.Context, cfg SubscriptionConfig, h Handler) error {
	return s.subscribe(ctx, cfg, func(msg *message.Message) error { return s.handle(msg, h) })
}

// Statements applies one event without reading: it returns the statements that
// apply ev (nil: nothing to do). The consumer sends them in a single round trip,
// between a SAVEPOINT and its RELEASE in the same pipeline, so an event that
// fails leaves nothing behind and the events before it in the batch still commit.
type Statements func(ev domain.Recorded) (*pgx.Batch, error)

// SubscribeStatements is Subscribe for handlers that only write: one round trip
// per event instead of one per statement plus two for the savepoint.
func (s *Store) SubscribeStatements(ctx context.Context, cfg SubscriptionConfig, h Statements) error {
	return s.subscribe(ctx, cfg, func(msg *message.Message) error { return s.handleStatements(msg, h) })
}

func (s *Store) subscribe(ctx context.Context, cfg SubscriptionConfig, handle func(*message.Message) error) error {
	if cfg.ConsumerGroup == "" {
		return errors.New("subscribe: consumer group required")
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = 20 * time.Millisecond
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 100
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 5
	}
	if cfg.RetryDelay <= 0 {
		cfg.RetryDelay = 200 * time.Millisecond
	}
	log := cfg.Logger
	if log == nil {
		log = s.log
	}
	log = log.With("consumer_group", cfg.ConsumerGroup)
	if cfg.SearchPath != "" {
		handle = withSearchPath(cfg.SearchPath, handle)
	}
	ackDeadline := 5 * time.Minute
	sub, err := wsql.NewSubscriber(wsql.BeginnerFromPgx(s.pool), wsql.SubscriberConfig{
		ConsumerGroup:  cfg.ConsumerGroup,
		AckDeadline:    &ackDeadline,
		PollInterval:   cfg.PollInterval,
		ResendInterval: cfg.RetryDelay,
		RetryInterval:  time.Second,
		BackoffManager: backoff{poll: cfg.PollInterval, retry: time.Second},
		SchemaAdapter:  eventsSchema{batchSize: cfg.BatchSize, guard: cfg.Guard},
		OffsetsAdapter: Checkpoints{}.offsetsAdapter(),
	}, watermill.NewSlogLoggerWithLevelMapping(log, map[slog.Level]slog.Level{slog.LevelInfo: slog.LevelDebug}))
	if err != nil {
		return fmt.Errorf("subscribe %s: %w", cfg.ConsumerGroup, err)
	}
	defer sub.Close()

	// The subscriber's context is cancelled only between events: watermill rolls
	// its transaction back as soon as that context ends, and must never do so while
	// a handler is still using the transaction (pgx connections are not safe for
	// concurrent use). A handler under way finishes; then the consumer stops.
	subCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	msgs, err := sub.Subscribe(subCtx, Topic)
	if err != nil {
		return fmt.Errorf("subscribe %s: %w", cfg.ConsumerGroup, err)
	}
	delivered := deliveredEvents.WithLabelValues(cfg.ConsumerGroup)
	failures := handlerFailures.WithLabelValues(cfg.ConsumerGroup)
	attempts := map[string]int{}
	for {
		var msg *message.Message
		select {
		case <-ctx.Done():
			return nil
		case m, ok := <-msgs:
			if !ok {
				return nil
			}
			msg = m
		}
		if ctx.Err() != nil {
			msg.Nack()
			return nil
		}
		if cfg.Handles != nil && !cfg.Handles(msg.Metadata.Get(metaType)) {
			delivered.Inc()
			msg.Ack()
			continue
		}
		err := handle(msg)
		if err == nil {
			delete(attempts, msg.UUID)
			delivered.Inc()
			msg.Ack()
			continue
		}
		failures.Inc()
		var broken *ConsumerBrokenError
		if errors.As(err, &broken) || ConnectionLost(err) || dberr.Transient(err) {
			// Not the event's fault (a lost connection, a deadlock, a serialization
			// failure, a statement timeout, a full disk): the same snapshot would
			// fail the same way, so the whole transaction is given up and the
			// consumer starts over in a new one; this never counts as an attempt.
			log.Warn("consumer transaction cannot go on; it stops and may be subscribed again", "err", err)
			cancel()
			msg.Nack()
			if broken == nil {
				broken = &ConsumerBrokenError{Err: err}
			}
			return broken
		}
		attempts[msg.UUID]++
		ev, _ := s.recordedFromMessage(msg)
		log.Error("event handler failed", "position", ev.Position, "stream_id", ev.StreamID,
			"event_type", msg.Metadata.Get(metaType), "attempt", attempts[msg.UUID], "err", err)
		if attempts[msg.UUID] >= cfg.MaxAttempts {
			pos, _ := strconv.ParseInt(msg.Metadata.Get(metaPosition), 10, 64)
			cancel()
			msg.Nack()
			return &PoisonEventError{ConsumerGroup: cfg.ConsumerGroup, Position: pos,
				StreamID: msg.Metadata.Get(metaStreamID), Type: msg.Metadata.Get(metaType), Err: err}
		}
		msg.Nack()
	}
}

// withSearchPath sets the search_path of each consumer transaction to path in
// front of the connection's before handle sees its first event. The last
// transaction set is kept, so that no new one can be allocated at its address
// and be taken for it.
func withSearchPath(path string, handle func(*message.Message) error) func(*message.Message) error {
	var set pgx.Tx
	return func(msg *message.Message) error {
		tx, err := consumerTx(msg)
		if err != nil {
			return err
		}
		if tx != set {
			if _, err := tx.Exec(msg.Context(), `SELECT set_config('search_path', $1 || ', ' || current_setting('search_path'), true)`,
				path); err != nil {
				// Never the event's fault: the transaction starts over.
				return &ConsumerBrokenError{Err: fmt.Errorf("set search_path: %w", err)}
			}
			set = tx
		}
		return handle(msg)
	}
}

// handle runs h inside a savepoint of the consumer's transaction, so a failed event
// leaves no partial writes and the events before it in the batch still commit.
func (s *Store) handle(msg *message.Message, h Handler) error {
	ctx := msg.Context()
	tx, err := consumerTx(msg)
	if err != nil {
		return err
	}
	ev, err := s.recordedFromMessage(msg)
	if err != nil {
		return err
	}
	sp, err := tx.Begin(ctx)
	if err != nil {
		return fmt.Errorf("savepoint: %w", err)
	}
	if err := h(ctx, sp, ev); err != nil {
		if rerr := sp.Rollback(context.WithoutCancel(ctx)); rerr != nil {
			return brokenOr(tx, errors.Join(err, rerr))
		}
		return err
	}
	return sp.Commit(ctx)
}

// backoff polls again at once after a non-empty batch, every poll interval while
// idle, and after retry on errors; lock contention between processes of the same
// group (serialization failures on the checkpoint row) is retried at once.
type backoff struct{ poll, retry time.Duration }

func (b backoff) HandleError(log watermill.LoggerAdapter, noMsg bool, err error) time.Duration {
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return 0
		}
		if dberr.Transient(err) && !ConnectionLost(err) {
			// Another process's poll or a swap held the checkpoint row
			// (serialization failure), a deadlock, a cancelled statement: poll
			// again soon, in a new transaction.
			return b.poll
		}
		log.Error("consumer query failed", err, watermill.LogFields{"retry_in": b.retry})
		return b.retry
	}
	if noMsg {
		return b.poll
	}
	return 0
}

// Applied reports whether consumer group has handled the event at position
// (Checkpoints.Applied on the store's pool).
func (s *Store) Applied(ctx context.Context, group string, position int64) (bool, error) {
	return Checkpoints{}.Applied(ctx, s.pool, group, position)
}

func consumerTx(msg *message.Message) (pgx.Tx, error) {
	wtx, ok := wsql.TxFromContext(msg.Context())
	if !ok {
		return nil, errors.New("no consumer transaction in message context")
	}
	ptx, ok := wtx.(*wsql.PgxTx)
	if !ok {
		return nil, fmt.Errorf("consumer transaction is %T, not pgx", wtx)
	}
	return ptx.Tx, nil
}

func (s *Store) handleStatements(msg *message.Message, h Statements) error {
	ctx := msg.Context()
	tx, err := consumerTx(msg)
	if err != nil {
		return err
	}
	ev, err := s.recordedFromMessage(msg)
	if err != nil {
		return err
	}
	b, err := h(ev)
	if err != nil || b == nil || b.Len() == 0 {
		return err
	}
	wrapped := &pgx.Batch{QueuedQueries: make([]*pgx.QueuedQuery, 0, b.Len()+2)}
	wrapped.Queue(`SAVEPOINT sharehub_event`)
	wrapped.QueuedQueries = append(wrapped.QueuedQueries, b.QueuedQueries...)
	wrapped.Queue(`RELEASE SAVEPOINT sharehub_event`)
	if err := tx.SendBatch(ctx, wrapped).Close(); err != nil {
		if _, rerr := tx.Exec(context.WithoutCancel(ctx), `ROLLBACK TO SAVEPOINT sharehub_event`); rerr != nil {
			return brokenOr(tx, errors.Join(err, fmt.Errorf("roll back to savepoint: %w", rerr)))
		}
		return err
	}
	return nil
}

// ConsumerBrokenError ends a subscription whose connection or transaction died
// under it (the database restarted, the network broke) or failed for a transient
// reason (dberr.Transient: deadlock, serialization failure, statement timeout,
// full disk): not the event's fault, so it does not count towards the poison
// limit. Subscribe again after a pause: a new transaction takes a new snapshot.
type ConsumerBrokenError struct{ Err error }

func (e *ConsumerBrokenError) Error() string {
	return "consumer transaction given up: " + e.Err.Error()
}
func (e *ConsumerBrokenError) Unwrap() error { return e.Err }

// brokenOr wraps err as a ConsumerBrokenError when tx's connection is gone.
func brokenOr(tx pgx.Tx, err error) error {
	if c := tx.Conn(); c == nil || c.IsClosed() || ConnectionLost(err) {
		return &ConsumerBrokenError{Err: err}
	}
	return err
}

// ConnectionLost reports errors that say the server went away (restart, network)
// rather than that a statement failed: dberr.Unavailable, and for a connection
// that was open, any network error or its end (EOF, closed).
func ConnectionLost(err error) bool {
	if _, ok := dberr.SQLState(err); ok { // the server answered: its code says
		return dberr.Unavailable(err)
	}
	var op *net.OpError
	return dberr.Unavailable(err) || errors.As(err, &op) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, net.ErrClosed)
}
