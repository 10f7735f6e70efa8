-- +goose Up
-- Account lifecycle (issue 16). A deactivated login is disabled where every API
-- process checks sessions, so its sessions stop authenticating at the commit of
-- the deactivation, on every replica, with nothing cached to expire.
ALTER TABLE credentials ADD COLUMN disabled_at timestamptz;

-- Sessions the user can list and revoke (GET /api/v1/me/sessions), and the idle
-- timeout (SESSION_IDLE): last_used_at moves at most once a minute per session.
ALTER TABLE sessions
    ADD COLUMN last_used_at timestamptz,
    ADD COLUMN client_addr  text CHECK (octet_length(client_addr) <= 64),
    ADD COLUMN user_agent   text CHECK (octet_length(user_agent) <= 512);
UPDATE sessions SET last_used_at = created_at;
ALTER TABLE sessions ALTER COLUMN last_used_at SET NOT NULL,
    ALTER COLUMN last_used_at SET DEFAULT now();
CREATE INDEX sessions_user_live_idx ON sessions (user_id, created_at) WHERE revoked_at IS NULL;

-- +goose Down
DROP INDEX sessions_user_live_idx;
ALTER TABLE sessions DROP COLUMN user_agent, DROP COLUMN client_addr, DROP COLUMN last_used_at;
ALTER TABLE credentials DROP COLUMN disabled_at;
