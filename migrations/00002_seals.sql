-- +goose Up
-- Seals make a missing tail detectable. Each seal covers every event of transactions
-- older than the horizon it was taken at (those can never change again), in commit
-- order, and chains a running hash over their hashes onto the previous seal's. A row
-- deleted or edited below a seal changes the recomputed running hash. Seals are also
-- meant to be exported (`sharehub audit seals`) to a place the database's
-- administrator cannot write.
CREATE TABLE log_seals (
    seal_id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- covers events with (transaction_id, position) <= (upto_txid, upto_position)
    upto_txid        xid8 NOT NULL,
    upto_position    bigint NOT NULL,
    events_covered   bigint NOT NULL,
    prev_hash        bytea NOT NULL,
    running_hash     bytea NOT NULL,
    sealed_at        timestamptz NOT NULL DEFAULT now()
);

CREATE TRIGGER log_seals_no_update_delete BEFORE UPDATE OR DELETE ON log_seals
    FOR EACH ROW EXECUTE FUNCTION events_append_only();
CREATE TRIGGER log_seals_no_truncate BEFORE TRUNCATE ON log_seals
    FOR EACH STATEMENT EXECUTE FUNCTION events_append_only();
GRANT SELECT, INSERT ON log_seals TO sharehub_app;

-- +goose Down
DROP TABLE log_seals;
