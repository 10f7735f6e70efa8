-- +goose Up
-- `serve` runs as sharehub_app (a login role that is a member of it, given as
-- DATABASE_URL, or the owner's connection after SET ROLE sharehub_app); migrations
-- and operator commands run as the owner (MIGRATE_DATABASE_URL). On the log the
-- role has SELECT and INSERT only, so append-only holds by privilege; on the side
-- tables exactly what the service does there.

-- The migrating role may act as sharehub_app: projection schemas are always
-- created as (and owned by) sharehub_app, whoever connects (projections.Ensure,
-- rebuilds), so that serve can rebuild and swap them.
-- +goose StatementBegin
DO $$
BEGIN
    IF current_user <> 'sharehub_app' AND NOT pg_has_role(current_user, 'sharehub_app', 'MEMBER') THEN
        EXECUTE format('GRANT sharehub_app TO %I', current_user);
    END IF;
    -- Projection schemas are created at run time (a new projection, a rebuild).
    EXECUTE format('GRANT CREATE, CONNECT, TEMPORARY ON DATABASE %I TO sharehub_app', current_database());
END
$$;
-- +goose StatementEnd

-- Checkpoints are reset when a projection's schema is created afresh.
GRANT DELETE ON event_offsets TO sharehub_app;
-- The service completes idempotency records with their answer, nothing else.
REVOKE UPDATE ON idempotency_keys FROM sharehub_app;
GRANT UPDATE (status_code, content_type, response_body, position, seal_version) ON idempotency_keys TO sharehub_app;

-- Read-model schemas created before belong to whoever created them: hand them to
-- sharehub_app.
-- +goose StatementBegin
DO $$
DECLARE
    s record;
    t record;
BEGIN
    FOR s IN SELECT nspname FROM pg_namespace WHERE nspname LIKE 'rm\_%' LOOP
        EXECUTE format('ALTER SCHEMA %I OWNER TO sharehub_app', s.nspname);
        FOR t IN SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                  WHERE n.nspname = s.nspname AND c.relkind IN ('r', 'p', 'v', 'm', 'S') LOOP
            EXECUTE format('ALTER TABLE %I.%I OWNER TO sharehub_app', s.nspname, t.relname);
        END LOOP;
    END LOOP;
END
$$;
-- +goose StatementEnd

-- +goose Down
GRANT UPDATE ON idempotency_keys TO sharehub_app;
REVOKE DELETE ON event_offsets FROM sharehub_app;
