-- +goose Up
-- Versioned read-model schemas (issue 13 §7): every definition of a projection
-- has a physical schema and a consumer group of its own, so that processes of
-- two versions each read and write the tables they know. The definition that is
-- live today keeps its schema (rm_<name>) and its consumer group (<name>): an
-- unchanged definition goes on without a rebuild. Older definitions, whose
-- tables a rebuild replaced long ago, get names of their own (a process of one
-- would build them from the log). Consumers with side effects (notifications)
-- keep one schema whatever their definition; the code decides that, not this.
-- NULL names (a row written by a process of the version before this one) are
-- filled in by the next process that resolves the definition.
ALTER TABLE projection_definitions ADD COLUMN schema_name text, ADD COLUMN consumer_group text;
UPDATE projection_definitions d SET schema_name = 'rm_' || d.name, consumer_group = d.name
    WHERE EXISTS (SELECT 1 FROM projection_state s WHERE s.name = d.name AND s.ddl_hash = d.ddl_hash);
UPDATE projection_definitions SET schema_name = 'rm_' || name || '_' || ddl_hash, consumer_group = name || '_' || ddl_hash
    WHERE schema_name IS NULL;
-- Retiring a definition drops its schema, its checkpoint and its state.
GRANT DELETE ON projection_state TO sharehub_app;

-- +goose Down
ALTER TABLE projection_definitions DROP COLUMN schema_name, DROP COLUMN consumer_group;
