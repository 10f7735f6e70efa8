-- +goose NO TRANSACTION
-- +goose Up
-- Indexes for reading the log without scanning it (issue 13 §3, §5, §6). Built
-- CONCURRENTLY: the log keeps taking appends while they are built.

-- Audit exports and as-of replays read one tenant in commit order, page after
-- page from a (transaction_id, position) cursor below the horizon.
CREATE INDEX CONCURRENTLY IF NOT EXISTS events_tenant_tx_position_idx
    ON events (tenant_id, transaction_id, position);

-- An audit filter by type (a rare one, typically) within a tenant.
CREATE INDEX CONCURRENTLY IF NOT EXISTS events_tenant_type_tx_position_idx
    ON events (tenant_id, event_type, transaction_id, position);

-- Audit with since/until, and an as-of replay reading a tenant only up to an
-- instant.
CREATE INDEX CONCURRENTLY IF NOT EXISTS events_tenant_recorded_idx
    ON events (tenant_id, recorded_at);

-- Tenant verify: the streams of a tenant, then each stream by the unique
-- (stream_id, stream_version) index.
CREATE INDEX CONCURRENTLY IF NOT EXISTS events_tenant_stream_idx
    ON events (tenant_id, stream_id) WHERE stream_version = 1;

-- A document's access history: the first event of every share, link and
-- download stream names the document (or the shared folder) it is about.
CREATE INDEX CONCURRENTLY IF NOT EXISTS events_document_ref_idx
    ON events ((payload->>'document_id'))
    WHERE stream_version = 1 AND event_type IN ('PortalShareGranted', 'LinkCreated', 'DocumentDownloaded', 'LinkOpened');
CREATE INDEX CONCURRENTLY IF NOT EXISTS events_folder_share_idx
    ON events ((payload->>'folder_id'))
    WHERE stream_version = 1 AND event_type = 'PortalShareGranted';

-- +goose Down
DROP INDEX IF EXISTS events_folder_share_idx;
DROP INDEX IF EXISTS events_document_ref_idx;
DROP INDEX IF EXISTS events_tenant_stream_idx;
DROP INDEX IF EXISTS events_tenant_recorded_idx;
DROP INDEX IF EXISTS events_tenant_type_tx_position_idx;
DROP INDEX IF EXISTS events_tenant_tx_position_idx;
