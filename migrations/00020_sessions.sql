-- +goose Up
-- Login sessions behind opaque bearer tokens. Only sha256(token) is kept: a copy of
-- this table (a backup, a replica) does not let anyone sign in. Not events: sessions
-- come and go by the thousand and carry no business meaning worth an audit trail.
CREATE TABLE sessions (
    id          uuid PRIMARY KEY,
    token_hash  bytea NOT NULL CHECK (octet_length(token_hash) = 32),
    user_id     uuid NOT NULL,
    company_id  uuid NOT NULL,
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL CHECK (expires_at > created_at),
    revoked_at  timestamptz,
    CONSTRAINT sessions_token_hash_key UNIQUE (token_hash)
);
-- Revoking every session of a user (password change, removal, company forgotten).
CREATE INDEX sessions_user_idx ON sessions (user_id) WHERE revoked_at IS NULL;
-- Purging what can never authenticate again.
CREATE INDEX sessions_expires_idx ON sessions (expires_at);

GRANT SELECT, INSERT, UPDATE, DELETE ON sessions TO sharehub_app;

-- +goose Down
DROP TABLE sessions;
