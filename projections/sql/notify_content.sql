
-- The notifier's state for new-content notifications (issue 17; projections/notify_content.go):
-- the library tree, the active shares and master access (to know who sees a new
-- document or version), each user's preference, and the items waiting for a daily digest.
CREATE TABLE content_prefs (user_id uuid PRIMARY KEY, new_content text NOT NULL, set_at timestamptz NOT NULL, version bigint NOT NULL);
CREATE TABLE content_folders (
    id         uuid PRIMARY KEY,
    parent_id  uuid,
    created_by uuid, -- the customer that created it (a deposit), else NULL
    version    bigint NOT NULL
);
CREATE TABLE content_documents (
    id                    uuid PRIMARY KEY,
    folder_id             uuid NOT NULL,
    workspace_customer_id uuid,
    uploaded_by           uuid,
    removed               boolean NOT NULL DEFAULT false,
    version               bigint NOT NULL
);
CREATE TABLE content_shares (
    id          uuid PRIMARY KEY,
    customer_id uuid NOT NULL,
    document_id uuid,
    folder_id   uuid,
    active      boolean NOT NULL,
    version     bigint NOT NULL
);
CREATE INDEX content_shares_document ON content_shares (document_id) WHERE active;
CREATE INDEX content_shares_folder ON content_shares (folder_id) WHERE active;
CREATE TABLE content_master (customer_id uuid PRIMARY KEY, workspace_folder_id uuid NOT NULL, master boolean NOT NULL, version bigint NOT NULL);
CREATE TABLE digest_items (
    event_id    uuid NOT NULL,
    user_id     uuid NOT NULL,
    provider_id uuid NOT NULL,
    customer_id uuid NOT NULL,
    kind        text NOT NULL,
    name        text NOT NULL,
    at          timestamptz NOT NULL,
    PRIMARY KEY (event_id, user_id)
);
CREATE INDEX digest_items_user ON digest_items (user_id);
CREATE TABLE digest_sent (user_id uuid PRIMARY KEY, last_sent_at timestamptz NOT NULL);
