-- +goose Up
-- Every definition (table DDL) of a projection any process has run, in the order
-- they were first seen: a rolling deploy runs processes of two versions side by
-- side. The newest definition is live; a process of an older one neither rebuilds
-- the tables back to its own nor applies events to tables it does not know (its
-- consumer waits), and one whose definition an operator retired (`sharehub
-- projections retire NAME HASH`) refuses to start.
CREATE TABLE projection_definitions (
    name          text NOT NULL,
    ddl_hash      text NOT NULL,
    first_seen_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    retired_at    timestamptz,
    CONSTRAINT projection_definitions_pkey PRIMARY KEY (name, ddl_hash)
);
-- What is live now counts as seen first.
INSERT INTO projection_definitions (name, ddl_hash, first_seen_at)
    SELECT name, ddl_hash, coalesce(rebuilt_at, updated_at) FROM projection_state;
GRANT SELECT, INSERT, UPDATE ON projection_definitions TO sharehub_app;

-- +goose Down
DROP TABLE projection_definitions;
