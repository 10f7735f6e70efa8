package projections

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/eventstore"
)

// PortalView reads what customerID's users see now, from the live portal tables
// (those of the Schemas ctx carries).
// The tables hold exactly the state the rule needs; the rule itself is
// domain.ComputePortalView, the same function the domain's own tests pin down, fed
// with only the part of the library the customer's shares and workspace reach.
// ErrNotFound: no such customer.
func PortalView(ctx context.Context, q eventstore.Querier, customerID uuid.UUID) (domain.PortalView, error) {
	return portalViewIn(ctx, q, SchemasFrom(ctx).Portal, customerID)
}

func portalViewIn(ctx context.Context, q eventstore.Querier, schema string, customerID uuid.UUID) (domain.PortalView, error) {
	t := func(name string) string { return pgx.Identifier{schema, name}.Sanitize() }
	c := &domain.Customer{ID: customerID, Shares: map[uuid.UUID]domain.ShareTarget{}}
	var (
		status    string
		defaultOn bool
	)
	rows, err := q.Query(ctx, `SELECT c.provider_id, c.company_id, c.status, c.master_access, c.documents_enabled,
			c.workspace_folder_id, coalesce(p.documents_enabled_default, true), c.version, statement_timestamp()
		FROM `+t("customers")+` c LEFT JOIN `+t("companies")+` p ON p.id = c.provider_id WHERE c.id = $1`, customerID)
	if err != nil {
		return domain.PortalView{}, fmt.Errorf("portal view: %w", err)
	}
	var version int64
	var now time.Time
	found := false
	for rows.Next() {
		found = true
		if err := rows.Scan(&c.ProviderID, &c.CompanyID, &status, &c.MasterAccess, &c.DocumentsEnabled,
			&c.WorkspaceFolderID, &defaultOn, &version, &now); err != nil {
			rows.Close()
			return domain.PortalView{}, fmt.Errorf("portal view: %w", err)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return domain.PortalView{}, fmt.Errorf("portal view: %w", err)
	}
	if !found {
		return domain.PortalView{}, fmt.Errorf("customer %s: %w", customerID, domain.ErrNotFound)
	}
	c.Status = domain.CustomerStatus(status)
	c.Restore(version)
	in := domain.PortalInput{
		Customer:                c,
		DocumentsEnabledDefault: defaultOn,
		Folders:                 map[uuid.UUID]*domain.Folder{},
		Documents:               map[uuid.UUID]*domain.Document{},
		Shares:                  map[uuid.UUID]*domain.Share{},
		At:                      now, // the database's clock: expiry is judged at read time
	}
	if c.Status != domain.StatusActive || !c.DocumentsOn(defaultOn) {
		return domain.ComputePortalView(in), nil
	}

	// Active shares: their targets are the roots of what the customer reaches.
	var roots, docs []uuid.UUID
	rows, err = q.Query(ctx, `SELECT id, document_id, folder_id, permission, expires_at FROM `+t("shares")+`
		WHERE customer_id = $1 AND NOT cancelled AND (expires_at IS NULL OR expires_at > $2)`, customerID, now)
	if err != nil {
		return domain.PortalView{}, fmt.Errorf("portal view shares: %w", err)
	}
	for rows.Next() {
		s := &domain.Share{ProviderID: c.ProviderID, CustomerID: customerID}
		var doc, folder *uuid.UUID
		var perm string
		var ends *time.Time
		if err := rows.Scan(&s.ID, &doc, &folder, &perm, &ends); err != nil {
			rows.Close()
			return domain.PortalView{}, err
		}
		s.Permission = domain.Permission(perm)
		if ends != nil {
			s.ExpiresAt = *ends
		}
		if doc != nil {
			s.DocumentID = *doc
			docs = append(docs, *doc)
		}
		if folder != nil {
			s.FolderID = *folder
			roots = append(roots, *folder)
		}
		s.Restore(1)
		in.Shares[s.ID] = s
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return domain.PortalView{}, err
	}
	if c.MasterAccess {
		roots = append(roots, c.WorkspaceFolderID)
	}

	// Every folder below a root.
	rows, err = q.Query(ctx, `WITH RECURSIVE tree AS (
			SELECT id, provider_id, parent_id, name, workspace_customer_id, created_by_customer_id
			  FROM `+t("folders")+` WHERE id = ANY($1)
			UNION
			SELECT f.id, f.provider_id, f.parent_id, f.name, f.workspace_customer_id, f.created_by_customer_id
			  FROM `+t("folders")+` f JOIN tree ON f.parent_id = tree.id)
		SELECT id, provider_id, parent_id, name, workspace_customer_id, created_by_customer_id FROM tree`, roots)
	if err != nil {
		return domain.PortalView{}, fmt.Errorf("portal view folders: %w", err)
	}
	var folderIDs []uuid.UUID
	for rows.Next() {
		f := &domain.Folder{}
		var parent, ws, by *uuid.UUID
		if err := rows.Scan(&f.ID, &f.ProviderID, &parent, &f.Name, &ws, &by); err != nil {
			rows.Close()
			return domain.PortalView{}, err
		}
		if parent != nil {
			f.ParentID = *parent
		}
		if ws != nil {
			f.WorkspaceCustomerID = *ws
		}
		if by != nil {
			// Another customer's folders are reached only by a share of their own
			// (domain.ComputePortalView): the rule needs to know who made them.
			f.CreatedByCustomerID = *by
		}
		f.Restore(1)
		in.Folders[f.ID] = f
		folderIDs = append(folderIDs, f.ID)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return domain.PortalView{}, err
	}

	// Documents in those folders or shared directly, with their newest visible
	// version (none: the document is not shown).
	rows, err = q.Query(ctx, `SELECT d.id, d.provider_id, d.folder_id, d.name, d.uploaded_by_customer_id,
			v.number, v.sha256, v.size, v.media_type, v.added_at
		FROM `+t("documents")+` d
		JOIN LATERAL (SELECT number, sha256, size, media_type, added_at FROM `+t("versions")+`
		               WHERE document_id = d.id AND NOT hidden ORDER BY number DESC LIMIT 1) v ON true
		WHERE (d.folder_id = ANY($1) OR d.id = ANY($2)) AND NOT d.removed`, folderIDs, docs)
	if err != nil {
		return domain.PortalView{}, fmt.Errorf("portal view documents: %w", err)
	}
	for rows.Next() {
		d := &domain.Document{}
		var by *uuid.UUID
		var ver domain.Version
		if err := rows.Scan(&d.ID, &d.ProviderID, &d.FolderID, &d.Name, &by,
			&ver.Number, &ver.SHA256, &ver.Size, &ver.MediaType, &ver.AddedAt); err != nil {
			rows.Close()
			return domain.PortalView{}, err
		}
		if by != nil {
			d.UploadedByCustomerID = *by
		}
		d.Versions = []domain.Version{ver}
		d.Restore(1)
		in.Documents[d.ID] = d
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return domain.PortalView{}, err
	}
	return domain.ComputePortalView(in), nil
}
