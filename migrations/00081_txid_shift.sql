-- +goose Up
-- Commit order survives a logical restore. events.transaction_id orders delivery
-- (consumers read (transaction_id, position) below the oldest running
-- transaction), and seals. pg_dump keeps the stored ids, but a fresh cluster's
-- transaction counter starts low: new events would sort below every checkpoint and
-- never be delivered. So the ids the log records are the cluster's plus a shift,
-- 0 until a restore check (`sharehub restore-check`, also run by `serve` and
-- `migrate` at start) finds ids in the log at or above the cluster's; it then
-- raises the shift just past them, recorded here, and rewrites the column default
-- and the two functions below with the new shift as a constant (they stay plain
-- expressions PostgreSQL inlines: no per-row lookup on the append path). Every
-- comparison of transaction_id with the snapshot horizon uses events_horizon().
CREATE TABLE txid_shift (
    only_row   boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    shift      numeric NOT NULL DEFAULT 0 CHECK (shift >= 0 AND shift = trunc(shift)),
    changed_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO txid_shift DEFAULT VALUES;
GRANT SELECT ON txid_shift TO sharehub_app;

-- The id this transaction records in the log.
CREATE FUNCTION events_current_txid() RETURNS xid8 LANGUAGE sql STABLE
    AS 'SELECT pg_current_xact_id()';
-- The horizon in the log's ids: every id below it belongs to a finished transaction.
CREATE FUNCTION events_horizon() RETURNS xid8 LANGUAGE sql STABLE
    AS 'SELECT pg_snapshot_xmin(pg_current_snapshot())';

-- +goose Down
ALTER TABLE events ALTER COLUMN transaction_id SET DEFAULT pg_current_xact_id();
DROP FUNCTION events_horizon();
DROP FUNCTION events_current_txid();
DROP TABLE txid_shift;
