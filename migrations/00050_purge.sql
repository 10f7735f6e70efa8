-- +goose Up
-- Idempotency records are kept 24 hours (a client retries within minutes; after a
-- day the same key runs again), then `serve` purges them on a schedule, as it does
-- sessions that can no longer authenticate (issue 12). The index serves the purge.
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);
-- Revoked sessions are purged like expired ones.
CREATE INDEX sessions_revoked_idx ON sessions (revoked_at) WHERE revoked_at IS NOT NULL;
GRANT DELETE ON idempotency_keys TO sharehub_app;

-- +goose Down
REVOKE DELETE ON idempotency_keys FROM sharehub_app;
DROP INDEX sessions_revoked_idx;
DROP INDEX idempotency_keys_created_idx;
