-- +goose Up
-- Two changes met here: the trigger that forces events.transaction_id (00042) and
-- the shift that keeps commit order across a logical restore (00081). The trigger
-- must record the shifted id, or a restored database would again sort new events
-- below every checkpoint: it takes the id from events_current_txid(), which the
-- restore check rewrites with the shift.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION events_force_transaction_id() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.transaction_id := events_current_txid();
    RETURN NEW;
END
$$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION events_force_transaction_id() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.transaction_id := pg_current_xact_id();
    RETURN NEW;
END
$$;
-- +goose StatementEnd
