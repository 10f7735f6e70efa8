-- +goose Up
-- The log. One table is both the event store and the watermill-sql topic that feeds
-- the projections: an event is written once and never copied.
CREATE TABLE events (
    position        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- watermill-sql v4 delivers in (transaction_id, position) order and only below
    -- pg_snapshot_xmin, so a transaction that commits late is never skipped.
    transaction_id  xid8 NOT NULL DEFAULT pg_current_xact_id(),
    event_id        uuid NOT NULL UNIQUE,
    stream_id       text NOT NULL CHECK (stream_id <> ''),
    stream_version  bigint NOT NULL CHECK (stream_version >= 1),
    event_type      text NOT NULL CHECK (event_type <> ''),
    schema_version  integer NOT NULL CHECK (schema_version >= 1),
    payload         jsonb NOT NULL,
    metadata        jsonb NOT NULL,
    tenant_id       uuid,
    recorded_at     timestamptz NOT NULL DEFAULT now(),
    -- hash = sha256(prev_hash || canonical bytes of the event), computed by the writer
    -- (eventstore/hash.go says what the canonical bytes are); prev_hash of a stream's
    -- first event is 32 zero bytes.
    prev_hash       bytea NOT NULL CHECK (octet_length(prev_hash) = 32),
    hash            bytea NOT NULL CHECK (octet_length(hash) = 32),
    prev_version    bigint GENERATED ALWAYS AS (CASE WHEN stream_version > 1 THEN stream_version - 1 END) STORED,
    -- Optimistic concurrency: two writers of the same version, one wins.
    CONSTRAINT events_stream_version_key UNIQUE (stream_id, stream_version),
    CONSTRAINT events_chain_key UNIQUE (stream_id, stream_version, hash),
    -- Every event but a stream's first must link to the hash of the version before it:
    -- the database itself refuses a gap in versions or a broken link at append time.
    CONSTRAINT events_chain_fk FOREIGN KEY (stream_id, prev_version, prev_hash)
        REFERENCES events (stream_id, stream_version, hash),
    CONSTRAINT events_genesis_check CHECK (stream_version > 1 OR prev_hash = '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea)
);

CREATE INDEX events_transaction_position_idx ON events (transaction_id, position);
CREATE INDEX events_tenant_position_idx ON events (tenant_id, position);
CREATE INDEX events_type_position_idx ON events (event_type, position);

-- +goose StatementBegin
CREATE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'events is append-only: % refused', TG_OP USING ERRCODE = 'SH403';
END
$$;
-- +goose StatementEnd

CREATE TRIGGER events_no_update_delete BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION events_append_only();
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION events_append_only();

-- The role the application is meant to run as holds no UPDATE, DELETE or TRUNCATE on
-- the log at all; the triggers above also stop the owner.
-- +goose StatementBegin
DO $$
BEGIN
    CREATE ROLE sharehub_app NOLOGIN;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END
$$;
-- +goose StatementEnd
REVOKE ALL ON events FROM PUBLIC;
GRANT SELECT, INSERT ON events TO sharehub_app;

-- Checkpoints of the watermill-sql consumer groups (one row per projection).
CREATE TABLE event_offsets (
    consumer_group                text PRIMARY KEY,
    offset_acked                  bigint,
    last_processed_transaction_id xid8 NOT NULL
);
GRANT SELECT, INSERT, UPDATE ON event_offsets TO sharehub_app;

-- Values unique within a scope (emails, group codes). Written with the events that
-- claim them, never released. value holds sha256(scope || 0x00 || value) in hex, not
-- the value: claimed values are often email addresses.
CREATE TABLE claims (
    scope      text NOT NULL,
    value      text NOT NULL,
    owner_id   uuid NOT NULL,
    claimed_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT claims_pkey PRIMARY KEY (scope, value)
);

-- Logins. Not events: a password hash never enters the immutable log.
CREATE TABLE credentials (
    user_id       uuid PRIMARY KEY,
    company_id    uuid NOT NULL,
    email         text NOT NULL UNIQUE,
    password_hash text NOT NULL,
    updated_at    timestamptz NOT NULL DEFAULT now()
);

-- Idempotency-Key records: inserted with the request's events, completed with the
-- response once it is known.
CREATE TABLE idempotency_keys (
    tenant_id     uuid NOT NULL,
    key           text NOT NULL,
    request_hash  text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    status_code   integer,
    content_type  text,
    response_body bytea,
    position      bigint,
    CONSTRAINT idempotency_keys_pkey PRIMARY KEY (tenant_id, key)
);

-- Mails to send after their events committed (delivered at most once by a worker).
CREATE TABLE outbox_mail (
    id          uuid PRIMARY KEY,
    recipient   text NOT NULL,
    subject     text NOT NULL,
    body        text NOT NULL,
    template    text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    attempts    integer NOT NULL DEFAULT 0,
    last_error  text,
    sent_at     timestamptz
);
CREATE INDEX outbox_mail_pending_idx ON outbox_mail (created_at) WHERE sent_at IS NULL;

GRANT SELECT, INSERT ON claims, credentials, idempotency_keys, outbox_mail TO sharehub_app;
GRANT UPDATE ON credentials, idempotency_keys, outbox_mail TO sharehub_app;

-- +goose Down
-- Forward-only in production; Down exists for local development only.
DROP TABLE outbox_mail, idempotency_keys, credentials, claims, event_offsets;
DROP TABLE events;
DROP FUNCTION events_append_only();
