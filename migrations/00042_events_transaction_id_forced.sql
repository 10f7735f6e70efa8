-- +goose Up
-- Consumers deliver in (transaction_id, position) order below the horizon, so a
-- transaction_id chosen by the writer could hide an event below a checkpoint (never
-- delivered) or hold delivery back. The column's DEFAULT can be overridden by
-- anyone with INSERT; this trigger cannot: every row gets the id of the transaction
-- that inserts it, whatever was sent.
-- +goose StatementBegin
CREATE FUNCTION events_force_transaction_id() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.transaction_id := pg_current_xact_id();
    RETURN NEW;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER events_force_transaction_id BEFORE INSERT ON events
    FOR EACH ROW EXECUTE FUNCTION events_force_transaction_id();

-- +goose Down
DROP TRIGGER events_force_transaction_id ON events;
DROP FUNCTION events_force_transaction_id();
