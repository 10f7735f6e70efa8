-- +goose Up
-- QUOTA_BYTES: the bytes a company's library holds are the sizes of every version
-- ever added to it (removed documents included: the log keeps them, and so does
-- the blob store). This index answers that sum per tenant from the index alone,
-- instead of reading every event of the tenant on each upload.
CREATE INDEX events_stored_bytes_idx ON events (tenant_id, ((payload->>'size')::bigint))
    WHERE event_type IN ('DocumentAdded', 'DocumentVersionAdded');

-- +goose Down
DROP INDEX events_stored_bytes_idx;
