-- +goose Up
-- An idempotency record left in flight by a process that died after its commit is
-- answered from the log once its lease expired (httpapi/idempotency): the events
-- carry the digest of the key in their metadata, and this index finds them without
-- reading the log.
CREATE INDEX events_idempotency_key_idx ON events ((metadata->>'idempotency_key'))
    WHERE metadata ? 'idempotency_key';

-- +goose Down
DROP INDEX events_idempotency_key_idx;
