package projections

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app/query"
	"github.com/sharehub/sharehub/eventstore"
)

// Portal listings read from the materialised reach (portal_reach.go): a page of
// one folder level is one keyset query over (folder, name, id) joined with the
// customer's reach; its cost does not grow with what else the customer sees.
// The rule is domain.ComputePortalView's; query.CutPortalView is the same listing
// cut from the rule's view, and the differential oracle holds the two equal.
//
// Every read of the reach goes through reachOf and directSharesOf: a read-time
// condition on shares (issue 17's expires_at) goes there, once.

// reachLive keeps the reach rows (alias r) whose share has not expired: expiry
// is judged at read time (issue 17), at the statement's clock as PortalView does;
// master access rows name no share and always pass.
const reachLive = ` AND NOT EXISTS (SELECT 1 FROM {portal}.shares x
	WHERE x.id = r.share_id AND x.expires_at <= statement_timestamp())`

// reachOf is the customer's live reach rows (alias r), @customer the customer.
const reachOf = `{portal}.portal_reach r WHERE r.customer_id = @customer` + reachLive

// directSharesOf is the customer's active, unexpired shares of single documents
// (alias s).
const directSharesOf = `{portal}.shares s WHERE s.customer_id = @customer AND NOT s.cancelled AND s.document_id IS NOT NULL
	AND (s.expires_at IS NULL OR s.expires_at > statement_timestamp())`

// directOf is the permission (edit: true) the customer's shares of document d
// give; NULL when none. Grouped once and hash-joined: a flat listing joins it
// with thousands of documents, where a lookup per document cost 0.06 ms each.
const directOf = `LEFT JOIN (SELECT s.document_id, bool_or(s.permission = 'edit') AS edit FROM ` + directSharesOf + `
	GROUP BY s.document_id) ds ON ds.document_id = d.id`

// documentVisible: d has a visible version and is not another customer's
// deposit, unless shared on its own.
const documentVisible = `NOT d.removed AND d.shown_version IS NOT NULL
	AND (d.uploaded_by_customer_id IS NULL OR d.uploaded_by_customer_id = @customer OR ds.edit IS NOT NULL)`

// documentPermission is a visible document's permission given its folder's
// (folderEdit, NULL when the folder is not reached).
func documentPermission(folderEdit string) string {
	return `CASE WHEN d.uploaded_by_customer_id IS NULL OR d.uploaded_by_customer_id = @customer
		THEN coalesce(` + folderEdit + `, false) OR coalesce(ds.edit, false) ELSE ds.edit END`
}

// PortalListing reads one page of customer's portal as f asks; ErrNotFound when
// the customer does not exist or f.FolderID is not visible in its open portal.
func PortalListing(ctx context.Context, q eventstore.Querier, customer uuid.UUID, f query.PortalListingFilter, after *query.ViewKey, limit int) (query.PortalListing, error) {
	q = rmq(ctx, q)
	args := pgx.NamedArgs{"customer": customer, "folder": id(f.FolderID)}
	var (
		open, master  bool
		workspace     uuid.UUID
		folderEdit    *bool
		workspaceEdit *bool
	)
	rows, err := q.Query(ctx, `SELECT c.status = 'active' AND coalesce(c.documents_enabled, p.documents_enabled_default, true),
			c.workspace_folder_id, c.master_access,
			(SELECT bool_or(r.permission = 'edit') FROM `+reachOf+` AND r.folder_id = @folder),
			(SELECT bool_or(r.permission = 'edit') FROM `+reachOf+` AND r.folder_id = c.workspace_folder_id)
		FROM {portal}.customers c LEFT JOIN {portal}.companies p ON p.id = c.provider_id WHERE c.id = @customer`, args)
	if err != nil {
		return query.PortalListing{}, fmt.Errorf("portal listing: %w", err)
	}
	_, err = one(pgx.CollectExactlyOneRow(rows, func(row pgx.CollectableRow) (struct{}, error) {
		return struct{}{}, row.Scan(&open, &workspace, &master, &folderEdit, &workspaceEdit)
	}))("customer", customer)
	if err != nil {
		return query.PortalListing{}, err
	}
	if !open {
		return query.PortalListing{}, nil
	}
	if f.FolderID != uuid.Nil && folderEdit == nil {
		return query.PortalListing{}, fmt.Errorf("portal folder %s: %w", f.FolderID, domain.ErrNotFound)
	}
	// Root: with master access, the workspace's contents are the top of the
	// portal rather than the folder itself.
	root := uuid.Nil
	if master && workspaceEdit != nil {
		root = workspace
	}
	args["root"] = root
	args["workspace"] = workspace
	args["folder_edit"] = folderEdit != nil && *folderEdit
	args["root_edit"] = workspaceEdit != nil && *workspaceEdit

	var out query.PortalListing
	docsFrom := after != nil && after.Doc
	if !f.Flat && !docsFrom {
		if out.Folders, err = portalFolders(ctx, q, args, f.FolderID, root, workspace, after, limit+1); err != nil {
			return query.PortalListing{}, err
		}
		if len(out.Folders) > limit {
			out.Folders = out.Folders[:limit]
			last := out.Folders[limit-1]
			out.Next = &query.ViewKey{Name: last.Name, ID: last.ID}
			return out, nil
		}
	}
	var docAfter *query.ViewKey
	if docsFrom {
		docAfter = after
	}
	n := limit - len(out.Folders)
	if out.Documents, err = portalDocuments(ctx, q, args, f, root, docAfter, n+1); err != nil {
		return query.PortalListing{}, err
	}
	if len(out.Documents) > n {
		out.Documents = out.Documents[:n]
		if n > 0 {
			last := out.Documents[n-1]
			out.Next = &query.ViewKey{Doc: true, Name: last.Name, ID: last.ID}
		} else {
			last := out.Folders[len(out.Folders)-1]
			out.Next = &query.ViewKey{Name: last.Name, ID: last.ID}
		}
	}
	return out, nil
}

// keyset is the condition "after the key" on alias y, and sets its arguments.
func keyset(args pgx.NamedArgs, after *query.ViewKey, alias string) string {
	if after == nil {
		return "true"
	}
	args["after_name"], args["after_id"] = after.Name, after.ID
	return `(` + alias + `.name COLLATE "C", ` + alias + `.id) > (@after_name COLLATE "C", @after_id)`
}

func portalFolders(ctx context.Context, q eventstore.Querier, args pgx.NamedArgs, folder, root, workspace uuid.UUID, after *query.ViewKey, limit int) ([]query.PortalListFolder, error) {
	args["limit"] = limit
	var sql string
	if folder != uuid.Nil {
		// One level: the children of a visible folder that the customer reaches.
		sql = `SELECT f.id, f.name, r.edit FROM {portal}.folders f
			CROSS JOIN LATERAL (SELECT bool_or(r.permission = 'edit') AS edit FROM ` + reachOf + ` AND r.folder_id = f.id) r
			WHERE f.parent_id = @folder AND f.id <> @root AND r.edit IS NOT NULL AND ` + keyset(args, after, "f") + `
			ORDER BY f.name COLLATE "C", f.id LIMIT @limit`
	} else {
		// The top: reached folders whose parent is not reached (or is the root).
		sql = `SELECT f.id, f.name, r.edit
			FROM (SELECT r.folder_id, bool_or(r.permission = 'edit') AS edit FROM ` + reachOf + ` GROUP BY r.folder_id) r
			JOIN {portal}.folders f ON f.id = r.folder_id
			WHERE f.id <> @root AND (f.parent_id IS NULL OR f.parent_id = @root OR NOT EXISTS (
			      SELECT 1 FROM ` + reachOf + ` AND r.folder_id = f.parent_id))
			  AND ` + keyset(args, after, "f") + `
			ORDER BY f.name COLLATE "C", f.id LIMIT @limit`
	}
	rows, err := q.Query(ctx, sql, args)
	if err != nil {
		return nil, fmt.Errorf("portal folders: %w", err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (query.PortalListFolder, error) {
		var it query.PortalListFolder
		var edit bool
		if err := row.Scan(&it.ID, &it.Name, &edit); err != nil {
			return it, err
		}
		it.Permission = permissionOf(edit)
		it.Workspace = it.ID == workspace
		if folder != uuid.Nil && folder != root {
			it.ParentID = &folder
		}
		return it, nil
	})
}

func permissionOf(edit bool) domain.Permission {
	if edit {
		return domain.PermissionEdit
	}
	return domain.PermissionView
}

// docColumns are the columns of a listed document row (alias d, with ds from
// directOf): id, name, folder shown (NULL: not visible), version shown, own
// upload, permission.
func docColumns(folderRef, folderEdit string) string {
	return `d.id, d.name, ` + folderRef + ` AS folder_ref, d.shown_version,
		d.uploaded_by_customer_id IS NOT DISTINCT FROM @customer AS own, ` + documentPermission(folderEdit) + ` AS edit`
}

func portalDocuments(ctx context.Context, q eventstore.Querier, args pgx.NamedArgs, f query.PortalListingFilter, root uuid.UUID, after *query.ViewKey, limit int) ([]query.PortalListDocument, error) {
	args["limit"] = limit
	var source string
	switch {
	case !f.Flat && f.FolderID != uuid.Nil:
		source = `SELECT ` + docColumns("d.folder_id", "@folder_edit::boolean") + ` FROM {portal}.documents d ` + directOf + `
			WHERE d.folder_id = @folder AND ` + documentVisible
	case !f.Flat:
		// The top: documents in the root, and documents shared on their own whose
		// folder is not reached.
		source = `SELECT ` + docColumns("NULL::uuid", "NULL::boolean") + `
			FROM (SELECT DISTINCT s.document_id FROM ` + directSharesOf + `) x
			JOIN {portal}.documents d ON d.id = x.document_id ` + directOf + `
			WHERE ` + documentVisible + ` AND NOT EXISTS (SELECT 1 FROM ` + reachOf + ` AND r.folder_id = d.folder_id)`
		if root != uuid.Nil {
			source += ` UNION ALL SELECT ` + docColumns("d.folder_id", "@root_edit::boolean") + `
				FROM {portal}.documents d ` + directOf + ` WHERE d.folder_id = @root AND ` + documentVisible
		}
	default:
		// Flat: every document in a visible folder (below the folder asked, through
		// visible folders only), and, for the whole portal, the documents shared
		// on their own whose folder is not reached.
		folders := `SELECT r.folder_id, bool_or(r.permission = 'edit') AS edit FROM ` + reachOf + ` GROUP BY r.folder_id`
		if f.FolderID != uuid.Nil {
			folders = `SELECT r.folder_id, bool_or(r.permission = 'edit') AS edit
				FROM {portal}.folder_closure c JOIN {portal}.portal_reach r ON r.customer_id = @customer AND r.folder_id = c.descendant
				WHERE c.ancestor = @folder` + reachLive + ` AND NOT EXISTS (
				      SELECT 1 FROM {portal}.folder_closure up
				       WHERE up.descendant = c.descendant AND up.depth > 0 AND up.depth < c.depth
				         AND NOT EXISTS (SELECT 1 FROM ` + reachOf + ` AND r.folder_id = up.ancestor))
				GROUP BY r.folder_id`
		}
		source = `SELECT ` + docColumns("d.folder_id", "vf.edit") + `
			FROM (` + folders + `) vf JOIN {portal}.documents d ON d.folder_id = vf.folder_id ` + directOf + `
			WHERE ` + documentVisible
		if f.FolderID == uuid.Nil {
			source += ` UNION ALL SELECT ` + docColumns("NULL::uuid", "NULL::boolean") + `
				FROM (SELECT DISTINCT s.document_id FROM ` + directSharesOf + `) x
				JOIN {portal}.documents d ON d.id = x.document_id ` + directOf + `
				WHERE ` + documentVisible + ` AND NOT EXISTS (SELECT 1 FROM ` + reachOf + ` AND r.folder_id = d.folder_id)`
		}
	}
	rows, err := q.Query(ctx, `SELECT y.id, y.name, y.folder_ref, y.shown_version, v.sha256, v.size, v.media_type, y.own, y.edit
		FROM (SELECT * FROM (`+source+`) y WHERE `+keyset(args, after, "y")+`
		      ORDER BY y.name COLLATE "C", y.id LIMIT @limit) y
		-- Only the page's versions, by primary key: OFFSET 0 keeps the subquery a
		-- lookup per row (pulled up into a join, the planner hashed the whole
		-- versions table).
		JOIN LATERAL (SELECT sha256, size, media_type FROM {portal}.versions
		               WHERE document_id = y.id AND number = y.shown_version OFFSET 0) v ON true
		ORDER BY y.name COLLATE "C", y.id`, args)
	if err != nil {
		return nil, fmt.Errorf("portal documents: %w", err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (query.PortalListDocument, error) {
		var d query.PortalListDocument
		var edit bool
		err := row.Scan(&d.ID, &d.Name, &d.FolderID, &d.Version, &d.File.SHA256, &d.File.Size, &d.File.MediaType, &d.OwnUpload, &edit)
		d.Permission = permissionOf(edit)
		return d, err
	})
}

// PortalListing implements query.PortalListingReadModel.
func (m ReadModels) PortalListing(ctx context.Context, customer uuid.UUID, f query.PortalListingFilter, after *query.ViewKey, limit int) (query.PortalListing, error) {
	return PortalListing(ctx, m.Q, customer, f, after, limit)
}
