-- +goose Up
-- Events a projection could not apply, parked where `sharehub projections status`
-- shows them. Only deterministic failures land here (transient ones, such as a
-- deadlock, a serialization failure, a statement timeout or a full disk, are
-- retried in a new transaction without limit). The projection stops at a parked
-- event until an operator resolves it with `sharehub projections retry NAME` (try
-- it again, e.g. after deploying a fix) or `sharehub projections skip NAME
-- POSITION` (move past it); both are recorded as events in the log.
CREATE TABLE projection_dead_letters (
    projection     text NOT NULL,
    position       bigint NOT NULL,
    transaction_id xid8 NOT NULL,
    event_id       uuid NOT NULL,
    stream_id      text NOT NULL,
    event_type     text NOT NULL,
    error          text NOT NULL,
    parked_at      timestamptz NOT NULL DEFAULT now(),
    resolution     text CHECK (resolution IN ('retried', 'skipped')),
    resolved_at    timestamptz,
    CONSTRAINT projection_dead_letters_pkey PRIMARY KEY (projection, position)
);
GRANT SELECT, INSERT, UPDATE ON projection_dead_letters TO sharehub_app;

-- +goose Down
DROP TABLE projection_dead_letters;
