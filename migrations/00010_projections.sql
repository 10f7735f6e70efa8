-- +goose Up
-- Each projection keeps its tables in a schema of its own (rm_<name>), created by
-- the projection runner from the DDL in the projection's code, and its checkpoint
-- in event_offsets under its name. This table says which definition of the tables
-- is live and what the projection is doing, for `sharehub projections status`.
CREATE TABLE projection_state (
    name           text PRIMARY KEY,
    ddl_hash       text NOT NULL,
    state          text NOT NULL CHECK (state IN ('running', 'stopped', 'failed', 'rebuilding')),
    error          text,
    error_position bigint,
    rebuilt_at     timestamptz,
    updated_at     timestamptz NOT NULL DEFAULT now()
);
GRANT SELECT, INSERT, UPDATE ON projection_state TO sharehub_app;

-- +goose Down
DROP TABLE projection_state;
