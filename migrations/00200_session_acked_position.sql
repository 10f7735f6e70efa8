-- +goose Up
-- Session read-your-writes (issue 15, API.md v1.1 "Consistency"): the newest log
-- position acknowledged to each session, kept with the session row that every API
-- process already reads per request, so that a read made on any replica waits for
-- the session's own writes without a header and without an extra query. 0: the
-- session has nothing to wait for.
ALTER TABLE sessions ADD COLUMN acked_position bigint NOT NULL DEFAULT 0 CHECK (acked_position >= 0);

-- +goose Down
ALTER TABLE sessions DROP COLUMN acked_position;
