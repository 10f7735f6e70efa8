
-- What a customer's portal reaches, kept by the projection (issue 15) so that a
-- listing is one indexed query per page instead of the whole visible tree.
--
-- folder_closure: one row per (ancestor, descendant) pair of the folder tree,
-- itself included (depth 0). creators are the customers that created a folder on
-- the path below ancestor down to descendant (ancestor excluded): a share of
-- ancestor reaches descendant for customer X only when creators <@ {X}, since
-- another customer's deposit is reached only by a share of its own
-- (domain.ComputePortalView).
CREATE TABLE folder_closure (
    ancestor   uuid NOT NULL,
    descendant uuid NOT NULL,
    depth      integer NOT NULL,
    creators   uuid[] NOT NULL,
    PRIMARY KEY (ancestor, descendant)
);
CREATE INDEX folder_closure_descendant ON folder_closure (descendant, depth);

-- portal_reach: one row per (customer, folder it reaches, source). The source is
-- the folder share (share_id) or master access inside the customer's workspace
-- (share_id nil, permission edit). A folder is visible to the customer when it
-- has a row and the customer's portal is open (status active, documents module
-- on: read at query time, from customers, so pausing writes no reach row). Rows
-- of a cancelled share are deleted; a read-time condition on the share (expiry)
-- is one join on share_id.
CREATE TABLE portal_reach (
    customer_id uuid NOT NULL,
    folder_id   uuid NOT NULL,
    share_id    uuid NOT NULL,
    permission  text NOT NULL,
    PRIMARY KEY (customer_id, folder_id, share_id)
);
CREATE INDEX portal_reach_share ON portal_reach (share_id);
CREATE INDEX portal_reach_folder ON portal_reach (folder_id);

-- A document's newest visible version (NULL: none, the portal does not show it).
ALTER TABLE documents ADD COLUMN shown_version integer;

-- Keyset pages in the order the portal shows (byte order of the name, then id,
-- as domain.PortalView sorts).
CREATE INDEX folders_parent_name ON folders (parent_id, (name COLLATE "C"), id);
CREATE INDEX folders_workspace ON folders (workspace_customer_id) WHERE workspace_customer_id IS NOT NULL;
CREATE INDEX documents_folder_name ON documents (folder_id, (name COLLATE "C"), id) WHERE NOT removed;
CREATE INDEX shares_customer_document ON shares (customer_id, document_id)
    WHERE NOT cancelled AND document_id IS NOT NULL;
