-- +goose Up
-- Commit order survives a logical restore. events.transaction_id orders delivery
-- (consumers read (transaction_id, position) below the oldest running
-- transaction), and seals. pg_dump keeps the stored ids, but a fresh cluster's
-- transaction counter starts low: new events would sort below every checkpoint and
-- never be delivered. So the ids the log records are the cluster's plus a shift,
-- raised after a restore (`sharehub restore-check`, also run by `serve` and
-- `migrate` at start) just past the highest id the log holds. Every comparison of
-- transaction_id with the snapshot horizon uses events_horizon(), shifted the same.
CREATE TABLE txid_shift (
    only_row   boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    shift      numeric NOT NULL DEFAULT 0 CHECK (shift >= 0 AND shift = trunc(shift)),
    changed_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO txid_shift DEFAULT VALUES;
GRANT SELECT, UPDATE ON txid_shift TO sharehub_app;

-- +goose StatementBegin
CREATE FUNCTION events_current_txid() RETURNS xid8 LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN s.shift = 0 THEN pg_current_xact_id()
                ELSE (pg_current_xact_id()::text::numeric + s.shift)::text::xid8 END
      FROM txid_shift s
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION events_horizon() RETURNS xid8 LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN s.shift = 0 THEN pg_snapshot_xmin(pg_current_snapshot())
                ELSE (pg_snapshot_xmin(pg_current_snapshot())::text::numeric + s.shift)::text::xid8 END
      FROM txid_shift s
$$;
-- +goose StatementEnd

ALTER TABLE events ALTER COLUMN transaction_id SET DEFAULT events_current_txid();

-- +goose Down
ALTER TABLE events ALTER COLUMN transaction_id SET DEFAULT pg_current_xact_id();
DROP FUNCTION events_horizon();
DROP FUNCTION events_current_txid();
DROP TABLE txid_shift;
