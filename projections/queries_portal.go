package projections

import (
	"context"
	"errors"
	"fmt"
	"github.com/sharehub/sharehub/domain/app/query"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/eventstore"
)

// Queries over the portal read model (schema rm_portal, or the one of this
// process's definition: {portal} in the SQL, see Schemas): customers, the library,
// shares and the "previous shares" history. Which customers a staff user sees is
// passed in as a GroupFilter, computed by the query layer (query.Viewer); the functions
// never decide access on their own.

// GroupFilter limits rows that belong to a customer to the customers a viewer
// sees: every customer (All, for admins), or those in Groups.
type GroupFilter struct {
	All    bool
	Groups []uuid.UUID
}

// CustomerRow is a customer as the provider sees it.
type CustomerRow = query.Customer

const customerColumns = `c.id, c.provider_id, c.company_id, c.company_name, c.status, c.via, c.group_id, g.name,
	c.workspace_folder_id, c.master_access, c.documents_enabled, c.contact_name, c.contact_email, c.created_at,
	c.status_changed_at, c.revoke_reason, c.invitation_expires_at`

func scanCustomer(row pgx.CollectableRow) (CustomerRow, error) {
	var c CustomerRow
	err := row.Scan(&c.ID, &c.ProviderID, &c.CompanyID, &c.CompanyName, &c.Status, &c.Via, &c.GroupID, &c.GroupName,
		&c.WorkspaceFolderID, &c.MasterAccess, &c.DocumentsEnabled, &c.ContactName, &c.ContactEmail, &c.CreatedAt,
		&c.StatusChangedAt, &c.RevokeReason, &c.InvitationExpiresAt)
	return c, err
}

// CustomerFilter selects customers of a provider.
type CustomerFilter struct {
	Provider uuid.UUID
	Visible  GroupFilter
	Status   string     // "" any; invited and expired split pending invitations at Now
	GroupID  *uuid.UUID // nil any
	Search   string     // part of the company name; "" any
	Now      time.Time  // the request's clock
}

// Customers lists customers sorted by company name.
func Customers(ctx context.Context, q eventstore.Querier, f CustomerFilter, after *NameKey, limit int) ([]CustomerRow, error) {
	an, aid := nameAfter(after)
	rows, err := rmq(ctx, q).Query(ctx, `SELECT `+customerColumns+`
		FROM {portal}.customers c LEFT JOIN {accounts}.groups g ON g.id = c.group_id
		WHERE c.provider_id = $1 AND ($2 OR c.group_id = ANY($3))
		  AND ($4 = '' OR CASE WHEN c.status = 'invited' AND c.invitation_expires_at <= $10 THEN 'expired'
		                       ELSE c.status END = $4)
		  AND ($5::uuid IS NULL OR c.group_id = $5)
		  AND ($6 = '' OR strpos(lower(c.company_name), lower($6)) > 0)
		  AND (lower(c.company_name), c.id) > (lower($7), $8)
		ORDER BY lower(c.company_name), c.id LIMIT $9`,
		f.Provider, f.Visible.All, f.Visible.Groups, f.Status, f.GroupID, f.Search, an, aid, limit, nowOrNil(f.Now))
	if err != nil {
		return nil, fmt.Errorf("customers: %w", err)
	}
	return pgx.CollectRows(rows, scanCustomer)
}

// Customer reads one customer; domain.ErrNotFound when there is none.
func Customer(ctx context.Context, q eventstore.Querier, id uuid.UUID) (CustomerRow, error) {
	rows, err := rmq(ctx, q).Query(ctx, `SELECT `+customerColumns+`
		FROM {portal}.customers c LEFT JOIN {accounts}.groups g ON g.id = c.group_id WHERE c.id = $1`, id)
	if err != nil {
		return CustomerRow{}, fmt.Errorf("customer: %w", err)
	}
	return one(pgx.CollectExactlyOneRow(rows, scanCustomer))("customer", id)
}

// one turns "no row" into domain.ErrNotFound.
func one[T any](v T, err error) func(what string, id uuid.UUID) (T, error) {
	return func(what string, id uuid.UUID) (T, error) {
		if errors.Is(err, pgx.ErrNoRows) {
			var zero T
			return zero, fmt.Errorf("%s %s: %w", what, id, domain.ErrNotFound)
		}
		if err != nil {
			var zero T
			return zero, fmt.Errorf("%s %s: %w", what, id, err)
		}
		return v, nil
	}
}

// PortalCustomer finds company's current connection with provider (the newest one
// that is not a pending invitation); domain.ErrNotFound when there is none.
func PortalCustomer(ctx context.Context, q eventstore.Querier, company, provider uuid.UUID) (CustomerRow, error) {
	rows, err := rmq(ctx, q).Query(ctx, `SELECT `+customerColumns+`
		FROM {portal}.customers c LEFT JOIN {accounts}.groups g ON g.id = c.group_id
		WHERE c.company_id = $1 AND c.provider_id = $2 AND c.status <> 'invited'
		ORDER BY c.created_at DESC, c.id DESC LIMIT 1`, company, provider)
	if err != nil {
		return CustomerRow{}, fmt.Errorf("portal customer: %w", err)
	}
	return one(pgx.CollectExactlyOneRow(rows, scanCustomer))("provider", provider)
}

// PortalProvider is a provider a company is a customer of.
type PortalProvider = query.PortalProvider

// PortalProviders lists the providers company is a customer of (its current
// connection with each), sorted by provider name.
func PortalProviders(ctx context.Context, q eventstore.Querier, company uuid.UUID, after *NameKey, limit int) ([]PortalProvider, error) {
	return portalProviders(ctx, q, company, domain.PortalOf{}, after, limit)
}

// PortalProvidersOf is PortalProviders for a portal user: only its own provider
// and customer (any customer of that provider for company when of.CustomerID is
// uuid.Nil, as for users invited before v1.1).
func PortalProvidersOf(ctx context.Context, q eventstore.Querier, company uuid.UUID, of domain.PortalOf, after *NameKey, limit int) ([]PortalProvider, error) {
	if of.ProviderID == uuid.Nil {
		return nil, nil
	}
	return portalProviders(ctx, q, company, of, after, limit)
}

func portalProviders(ctx context.Context, q eventstore.Querier, company uuid.UUID, of domain.PortalOf, after *NameKey, limit int) ([]PortalProvider, error) {
	an, aid := nameAfter(after)
	rows, err := rmq(ctx, q).Query(ctx, `SELECT provider_id, name, id, status, documents_enabled, master_access, created_at FROM (
			SELECT DISTINCT ON (c.provider_id) c.provider_id, coalesce(p.name, '') AS name, c.id, c.status,
			       coalesce(c.documents_enabled, p.documents_enabled_default, true) AS documents_enabled,
			       c.master_access, c.created_at
			  FROM {portal}.customers c LEFT JOIN {portal}.companies p ON p.id = c.provider_id
			 WHERE c.company_id = $1 AND c.status <> 'invited'
			   AND ($5::uuid IS NULL OR c.provider_id = $5) AND ($6::uuid IS NULL OR c.id = $6)
			 ORDER BY c.provider_id, c.created_at DESC, c.id DESC) x
		WHERE (lower(name), provider_id) > (lower($2), $3)
		ORDER BY lower(name), provider_id LIMIT $4`, company, an, aid, limit, id(of.ProviderID), id(of.CustomerID))
	if err != nil {
		return nil, fmt.Errorf("portal providers: %w", err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (PortalProvider, error) {
		var p PortalProvider
		err := row.Scan(&p.ProviderID, &p.Name, &p.CustomerID, &p.Status, &p.DocumentsEnabled, &p.MasterAccess, &p.Since)
		return p, err
	})
}

// FolderRow is a library folder. CustomerGroupID is the group of the customer
// whose workspace holds it.
type FolderRow = query.Folder

const folderColumns = `f.id, f.provider_id, f.parent_id, f.name, f.workspace_customer_id, f.created_by_customer_id,
	c.group_id, f.created_at`

func scanFolder(row pgx.CollectableRow) (FolderRow, error) {
	var f FolderRow
	err := row.Scan(&f.ID, &f.ProviderID, &f.ParentID, &f.Name, &f.WorkspaceCustomerID, &f.CreatedByCustomerID,
		&f.CustomerGroupID, &f.CreatedAt)
	return f, err
}

// Folder reads one folder; domain.ErrNotFound when there is none.
func Folder(ctx context.Context, q eventstore.Querier, id uuid.UUID) (FolderRow, error) {
	rows, err := rmq(ctx, q).Query(ctx, `SELECT `+folderColumns+`
		FROM {portal}.folders f LEFT JOIN {portal}.customers c ON c.id = f.workspace_customer_id WHERE f.id = $1`, id)
	if err != nil {
		return FolderRow{}, fmt.Errorf("folder: %w", err)
	}
	return one(pgx.CollectExactlyOneRow(rows, scanFolder))("folder", id)
}

// Subfolders lists the folders directly inside parent that visible lets through
// (folders outside workspaces always), sorted by name.
func Subfolders(ctx context.Context, q eventstore.Querier, parent uuid.UUID, visible GroupFilter) ([]FolderRow, error) {
	rows, err := rmq(ctx, q).Query(ctx, `SELECT `+folderColumns+`
		FROM {portal}.folders f LEFT JOIN {portal}.customers c ON c.id = f.workspace_customer_id
		WHERE f.parent_id = $1 AND (f.workspace_customer_id IS NULL OR $2 OR c.group_id = ANY($3))
		ORDER BY lower(f.name), f.id`, parent, visible.All, visible.Groups)
	if err != nil {
		return nil, fmt.Errorf("subfolders: %w", err)
	}
	return pgx.CollectRows(rows, scanFolder)
}

// VersionRow is one version of a document.
type VersionRow = query.Version

// DocumentRow is a library document with its newest version (hidden or not).
type DocumentRow struct {
	ID                   uuid.UUID
	ProviderID           uuid.UUID
	FolderID             uuid.UUID
	Name                 string
	WorkspaceCustomerID  *uuid.UUID
	UploadedByCustomerID *uuid.UUID
	CustomerGroupID      *uuid.UUID
	Removed              bool
	AddedAt              time.Time
	Newest               VersionRow
}

const documentColumns = `d.id, d.provider_id, d.folder_id, d.name, d.workspace_customer_id, d.uploaded_by_customer_id,
	c.group_id, d.removed, d.added_at, v.number, v.sha256, v.size, v.media_type, v.hidden, v.uploaded_by_customer_id,
	v.added_at`

// documentFrom joins the customer a document belongs to: the one whose workspace
// holds it, else the one that deposited it (a customer's deposit outside its
// workspace is that customer's, DESIGN.md v1.1); c.group_id decides which staff
// see it.
const documentFrom = `{portal}.documents d
	LEFT JOIN {portal}.customers c ON c.id = coalesce(d.workspace_customer_id, d.uploaded_by_customer_id)
	JOIN LATERAL (SELECT * FROM {portal}.versions WHERE document_id = d.id ORDER BY number DESC LIMIT 1) v ON true`

func scanDocument(row pgx.CollectableRow) (DocumentRow, error) {
	var d DocumentRow
	err := row.Scan(&d.ID, &d.ProviderID, &d.FolderID, &d.Name, &d.WorkspaceCustomerID, &d.UploadedByCustomerID,
		&d.CustomerGroupID, &d.Removed, &d.AddedAt, &d.Newest.Number, &d.Newest.SHA256, &d.Newest.Size,
		&d.Newest.MediaType, &d.Newest.Hidden, &d.Newest.UploadedByCustomerID, &d.Newest.AddedAt)
	return d, err
}

// Document reads one document (removed ones too); domain.ErrNotFound when there
// is none.
func Document(ctx context.Context, q eventstore.Querier, id uuid.UUID) (DocumentRow, error) {
	rows, err := rmq(ctx, q).Query(ctx, `SELECT `+documentColumns+` FROM `+documentFrom+` WHERE d.id = $1`, id)
	if err != nil {
		return DocumentRow{}, fmt.Errorf("document: %w", err)
	}
	return one(pgx.CollectExactlyOneRow(rows, scanDocument))("document", id)
}

// DocumentVersions lists a document's versions, newest first.
func DocumentVersions(ctx context.Context, q eventstore.Querier, id uuid.UUID) ([]VersionRow, error) {
	rows, err := rmq(ctx, q).Query(ctx, `SELECT number, sha256, size, media_type, hidden, uploaded_by_customer_id, added_at
		FROM {portal}.versions WHERE document_id = $1 ORDER BY number DESC`, id)
	if err != nil {
		return nil, fmt.Errorf("document versions: %w", err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (VersionRow, error) {
		var v VersionRow
		err := row.Scan(&v.Number, &v.SHA256, &v.Size, &v.MediaType, &v.Hidden, &v.UploadedByCustomerID, &v.AddedAt)
		return v, err
	})
}

// DocumentFilter selects documents of a provider that are not removed.
type DocumentFilter struct {
	Provider   uuid.UUID
	Visible    GroupFilter
	FolderID   *uuid.UUID // directly inside this folder
	CustomerID *uuid.UUID // in this customer's workspace, at any depth
	Search     string     // part of the name
	// UploadedByCustomer: nil any; else only customers' uploads, or only not (issue 17).
	UploadedByCustomer *bool
}

// Documents lists documents sorted by name.
func Documents(ctx context.Context, q eventstore.Querier, f DocumentFilter, after *NameKey, limit int) ([]DocumentRow, error) {
	an, aid := nameAfter(after)
	rows, err := rmq(ctx, q).Query(ctx, `SELECT `+documentColumns+` FROM `+documentFrom+`
		WHERE d.provider_id = $1 AND NOT d.removed
		  AND (coalesce(d.workspace_customer_id, d.uploaded_by_customer_id) IS NULL OR $2 OR c.group_id = ANY($3))
		  AND ($4::uuid IS NULL OR d.folder_id = $4) AND ($5::uuid IS NULL OR d.workspace_customer_id = $5)
		  AND ($6 = '' OR strpos(lower(d.name), lower($6)) > 0)
		  AND (lower(d.name), d.id) > (lower($7), $8)
		  AND ($10::boolean IS NULL OR (d.uploaded_by_customer_id IS NOT NULL) = $10)
		ORDER BY lower(d.name), d.id LIMIT $9`,
		f.Provider, f.Visible.All, f.Visible.Groups, f.FolderID, f.CustomerID, f.Search, an, aid, limit, f.UploadedByCustomer)
	if err != nil {
		return nil, fmt.Errorf("documents: %w", err)
	}
	return pgx.CollectRows(rows, scanDocument)
}

// ShareRow is a portal share.
type ShareRow = query.Share

// ShareFilter selects portal shares of a provider.
type ShareFilter struct {
	Provider   uuid.UUID
	Visible    GroupFilter
	CustomerID *uuid.UUID
	DocumentID *uuid.UUID // shares of exactly this document
	Status     string     // active, expired, cancelled or "" (any)
	Now        time.Time  // active versus expired (domain.AccessStatusAt, as SQL)
}

// Shares lists portal shares, newest first.
func Shares(ctx context.Context, q eventstore.Querier, f ShareFilter, after *TimeKey, limit int) ([]ShareRow, error) {
	var at *time.Time
	var aid uuid.UUID
	if after != nil {
		at, aid = &after.At, after.ID
	}
	rows, err := rmq(ctx, q).Query(ctx, `SELECT s.id, s.provider_id, s.customer_id, c.company_name, c.group_id, s.document_id,
			s.folder_id, s.permission, s.granted_by, s.granted_at, s.cancelled, s.reason, s.cancelled_by, s.cancelled_at,
			s.expires_at
		FROM {portal}.shares s JOIN {portal}.customers c ON c.id = s.customer_id
		WHERE s.provider_id = $1 AND ($2 OR c.group_id = ANY($3))
		  AND ($4::uuid IS NULL OR s.customer_id = $4) AND ($5::uuid IS NULL OR s.document_id = $5)
		  AND ($6 = '' OR $6 = CASE WHEN s.cancelled THEN 'cancelled'
		                            WHEN s.expires_at IS NOT NULL AND s.expires_at <= $10 THEN 'expired'
		                            ELSE 'active' END)
		  AND ($7::timestamptz IS NULL OR (s.granted_at, s.id) < ($7, $8))
		ORDER BY s.granted_at DESC, s.id DESC LIMIT $9`,
		f.Provider, f.Visible.All, f.Visible.Groups, f.CustomerID, f.DocumentID, f.Status, at, aid, limit, f.Now)
	if err != nil {
		return nil, fmt.Errorf("shares: %w", err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (ShareRow, error) {
		var s ShareRow
		err := row.Scan(&s.ID, &s.ProviderID, &s.CustomerID, &s.CustomerName, &s.CustomerGroupID, &s.DocumentID,
			&s.FolderID, &s.Permission, &s.GrantedBy, &s.GrantedAt, &s.Cancelled, &s.Reason, &s.CancelledBy, &s.CancelledAt,
			&s.ExpiresAt)
		return s, err
	})
}

// HistoryEntry is one "previous share" of a document: a portal share of the
// document itself or of a folder above it (FolderID set), or a link.
type HistoryEntry = query.HistoryEntry

// ShareHistory lists every portal share and link that gave access to document
// (of provider), newest first. Portal shares are limited to customers visible
// lets through; links (of the document, or of a folder above it that reaches it)
// are always listed. For a portal share, opens are the customer's downloads of the
// document while the share was active; for a link, its opens (of this document).
func ShareHistory(ctx context.Context, q eventstore.Querier, provider, document uuid.UUID, visible GroupFilter, after *TimeKey, limit int) ([]HistoryEntry, error) {
	var at *time.Time
	var aid uuid.UUID
	if after != nil {
		at, aid = &after.At, after.ID
	}
	rows, err := rmq(ctx, q).Query(ctx, `WITH RECURSIVE above AS (
			SELECT f.id, f.parent_id, f.name FROM {portal}.folders f
			  JOIN {portal}.documents d ON f.id = d.folder_id WHERE d.id = $1 AND d.provider_id = $2
			UNION
			SELECT f.id, f.parent_id, f.name FROM {portal}.folders f JOIN above a ON f.id = a.parent_id
		), items AS (
			SELECT s.id, 'portal' AS type, s.customer_id, c.company_name AS customer_name, s.permission,
			       s.granted_by AS shared_by, s.granted_at AS shared_at, s.expires_at,
			       false AS password_required, s.cancelled, s.cancelled_by, s.cancelled_at, s.reason,
			       dl.n AS opened_count, dl.last AS last_opened_at, s.folder_id, a.name AS folder_name,
			       NULL::uuid AS changed_by, NULL::timestamptz AS changed_at,
			       0 AS copied_count, NULL::timestamptz AS last_copied_at, NULL::uuid AS last_copied_by
			  FROM {portal}.shares s
			  JOIN {portal}.customers c ON c.id = s.customer_id
			  LEFT JOIN above a ON a.id = s.folder_id
			  CROSS JOIN LATERAL (
			    SELECT count(*)::int AS n, max(downloaded_at) AS last FROM {portal}.downloads
			     WHERE document_id = $1 AND customer_id = s.customer_id AND downloaded_at >= s.granted_at
			       AND (s.cancelled_at IS NULL OR downloaded_at <= s.cancelled_at)) dl
			 WHERE s.provider_id = $2 AND (s.document_id = $1 OR s.folder_id IN (SELECT id FROM above))
			   AND ($3 OR c.group_id = ANY($4))
			UNION ALL
			SELECT l.id, 'link', NULL::uuid, NULL::text, 'view', l.created_by, l.created_at, l.expires_at,
			       l.password_required, l.cancelled, l.cancelled_by, l.cancelled_at, l.reason, lo.n,
			       lo.last, l.folder_id, a.name, l.changed_by, l.changed_at, rv.n, rv.last, rv.last_by
			  FROM {portal}.links l
			  LEFT JOIN above a ON a.id = l.folder_id
			  CROSS JOIN LATERAL (
			    SELECT count(*)::int AS n, max(opened_at) AS last FROM {portal}.link_opens
			     WHERE link_id = l.id AND (l.folder_id IS NULL OR document_id = $1)) lo
			  CROSS JOIN LATERAL (
			    SELECT count(*)::int AS n, max(revealed_at) AS last,
			           (array_agg(revealed_by ORDER BY revealed_at DESC, event_id DESC))[1] AS last_by
			      FROM {portal}.link_reveals WHERE link_id = l.id) rv
			 WHERE l.provider_id = $2 AND (l.document_id = $1
			    -- A folder link reaches the provider's own documents below it, never a
			    -- customer's deposit or a workspace (domain.Link.Reaches).
			    OR (l.folder_id IN (SELECT id FROM above) AND EXISTS (
			        SELECT 1 FROM {portal}.documents d WHERE d.id = $1
			           AND d.uploaded_by_customer_id IS NULL AND d.workspace_customer_id IS NULL)))
		)
		SELECT i.id, i.type, i.customer_id, i.customer_name, i.permission, i.shared_by, coalesce(u.name, ''),
		       i.shared_at, i.expires_at, i.password_required, i.cancelled, i.cancelled_by, cu.name, i.cancelled_at,
		       i.reason, i.opened_count, i.last_opened_at, i.folder_id, i.folder_name,
		       i.changed_by, chu.name, i.changed_at, i.copied_count, i.last_copied_at, i.last_copied_by, cpu.name
		  FROM items i
		  LEFT JOIN {accounts}.users u ON u.id = i.shared_by
		  LEFT JOIN {accounts}.users cu ON cu.id = i.cancelled_by
		  LEFT JOIN {accounts}.users chu ON chu.id = i.changed_by
		  LEFT JOIN {accounts}.users cpu ON cpu.id = i.last_copied_by
		 WHERE ($5::timestamptz IS NULL OR (i.shared_at, i.id) < ($5, $6))
		 ORDER BY i.shared_at DESC, i.id DESC LIMIT $7`,
		document, provider, visible.All, visible.Groups, at, aid, limit)
	if err != nil {
		return nil, fmt.Errorf("share history: %w", err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (HistoryEntry, error) {
		var h HistoryEntry
		err := row.Scan(&h.ID, &h.Type, &h.CustomerID, &h.CustomerName, &h.Permission, &h.SharedByID, &h.SharedByName,
			&h.SharedAt, &h.ExpiresAt, &h.PasswordRequired, &h.Cancelled, &h.CancelledByID, &h.CancelledByName,
			&h.CancelledAt, &h.CancelReason, &h.OpenedCount, &h.LastOpenedAt, &h.FolderID, &h.FolderName,
			&h.ChangedByID, &h.ChangedByName, &h.ChangedAt, &h.CopiedCount, &h.LastCopiedAt, &h.LastCopiedByID, &h.LastCopiedByName)
		return h, err
	})
}
