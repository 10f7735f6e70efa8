-- +goose Up
-- serve purges idempotency records older than a day (00050 granted it DELETE on the
-- whole table). Least privilege says the service's role may not delete a record
-- still inside its retention: the purge is a function owned by the owner, which
-- deletes only what is older than a day, whatever cutoff it is given.
REVOKE DELETE ON idempotency_keys FROM sharehub_app;
-- +goose StatementBegin
CREATE FUNCTION purge_idempotency_keys(cutoff timestamptz) RETURNS bigint
    LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
    WITH gone AS (
        DELETE FROM idempotency_keys
        WHERE created_at < least(cutoff, now() - interval '24 hours')
        RETURNING 1)
    SELECT count(*) FROM gone
$$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION purge_idempotency_keys(timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION purge_idempotency_keys(timestamptz) TO sharehub_app;

-- +goose Down
DROP FUNCTION purge_idempotency_keys(timestamptz);
GRANT DELETE ON idempotency_keys TO sharehub_app;
