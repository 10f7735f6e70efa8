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
    prev_hash       bytea NOT NULL,
    hash            bytea NOT NULL,
    CONSTRAINT events_stream_version_key UNIQUE (stream_id, stream_version)
);

CREATE INDEX events_transaction_position_idx ON events (transaction_id, position);
CREATE INDEX events_tenant_position_idx ON events (tenant_id, position);
CREATE INDEX events_type_position_idx ON events (event_type, position);

-- The bytes an event's hash covers: PostgreSQL's own jsonb text of the envelope. jsonb
-- prints keys and numbers one way only, so the append trigger and a verifier (in SQL
-- or in Go reading this function's output) always agree.
-- +goose StatementBegin
CREATE FUNCTION event_canonical(
    p_event_id uuid, p_stream_id text, p_stream_version bigint, p_event_type text,
    p_schema_version integer, p_payload jsonb, p_metadata jsonb, p_recorded_at timestamptz
) RETURNS bytea LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT convert_to(jsonb_build_object(
        'event_id', p_event_id,
        'stream_id', p_stream_id,
        'stream_version', p_stream_version,
        'event_type', p_event_type,
        'schema_version', p_schema_version,
        'payload', p_payload,
        'metadata', p_metadata,
        'recorded_at', to_char(p_recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
    )::text, 'UTF8')
$$;
-- +goose StatementEnd

-- Every insert is chained to the previous event of its stream, and a version may only
-- follow the one before it: a stale or skipped expected version is a conflict the
-- database detects, never the application by reading first.
-- +goose StatementBegin
CREATE FUNCTION events_before_insert() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    prev bytea;
BEGIN
    IF NEW.stream_version = 1 THEN
        prev := '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea;
    ELSE
        SELECT e.hash INTO prev FROM events e
         WHERE e.stream_id = NEW.stream_id AND e.stream_version = NEW.stream_version - 1;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'stream % has no version %', NEW.stream_id, NEW.stream_version - 1
                USING ERRCODE = 'SH409';
        END IF;
    END IF;
    NEW.prev_hash := prev;
    NEW.hash := sha256(prev || event_canonical(NEW.event_id, NEW.stream_id, NEW.stream_version,
        NEW.event_type, NEW.schema_version, NEW.payload, NEW.metadata, NEW.recorded_at));
    RETURN NEW;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER events_chain BEFORE INSERT ON events
    FOR EACH ROW EXECUTE FUNCTION events_before_insert();

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
-- claim them, never released.
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
DROP FUNCTION events_append_only(), events_before_insert(), event_canonical(uuid, text, bigint, text, integer, jsonb, jsonb, timestamptz);
