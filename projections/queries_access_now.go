package projections

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/sharehub/sharehub/domain/app/query"
)

// DocumentAudience implements query.AccessReadModel: who can see document (of
// provider) now, and why. The candidates are the reasons the tables hold (live
// shares of the document or of a folder above it, master access to the
// workspace it lies in); a customer is kept only when its portal view
// (PortalView: domain.ComputePortalView) shows the document, so the list is
// the union of the portal views by construction (paused, revoked, disabled,
// deposits of another customer, hidden versions: not listed). Links (of the
// document, or of a folder above it that reaches it: never a deposit or a
// workspace document) are listed while live. Expiry is judged at the
// database's instant, as PortalView judges it. Each candidate customer costs a
// portal view: the answer is bounded by the document's shares, not by the
// provider's customers.
func (m ReadModels) DocumentAudience(ctx context.Context, provider, document uuid.UUID, visible query.GroupFilter) ([]query.Access, error) {
	rows, err := rmq(ctx, m.Q).Query(ctx, `
		WITH RECURSIVE doc AS (
			SELECT id, folder_id, workspace_customer_id, uploaded_by_customer_id, statement_timestamp() AS now
			  FROM {portal}.documents WHERE id = $1 AND provider_id = $2 AND NOT removed),
		above(id) AS (
			SELECT folder_id FROM doc
			UNION
			SELECT f.parent_id FROM {portal}.folders f JOIN above a ON f.id = a.id WHERE f.parent_id IS NOT NULL)
		SELECT c.id, c.company_name, CASE WHEN s.folder_id IS NULL THEN 'share' ELSE 'folder_share' END,
		       s.id, NULL::uuid, s.folder_id, s.permission, s.granted_at
		  FROM {portal}.shares s JOIN {portal}.customers c ON c.id = s.customer_id CROSS JOIN doc
		 WHERE s.provider_id = $2 AND NOT s.cancelled AND (s.expires_at IS NULL OR s.expires_at > doc.now)
		   AND (s.document_id = $1 OR s.folder_id IN (SELECT id FROM above))
		   AND ($3 OR c.group_id = ANY($4))
		UNION ALL
		SELECT c.id, c.company_name, 'master_access', NULL::uuid, NULL::uuid, NULL::uuid, 'edit',
		       coalesce(c.master_access_at, c.created_at)
		  FROM {portal}.customers c JOIN doc ON c.id = doc.workspace_customer_id
		 WHERE c.master_access AND ($3 OR c.group_id = ANY($4))
		UNION ALL
		SELECT NULL::uuid, NULL::text, 'link', NULL::uuid, l.id, l.folder_id, 'view', l.created_at
		  FROM {portal}.links l CROSS JOIN doc
		 WHERE l.provider_id = $2 AND NOT l.cancelled AND (l.expires_at IS NULL OR l.expires_at > doc.now)
		   AND (l.document_id = $1 OR (l.folder_id IN (SELECT id FROM above)
		        AND doc.uploaded_by_customer_id IS NULL AND doc.workspace_customer_id IS NULL))`,
		document, provider, visible.All, visible.Groups)
	if err != nil {
		return nil, fmt.Errorf("document audience: %w", err)
	}
	candidates, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (query.Access, error) {
		var a query.Access
		var since time.Time
		err := row.Scan(&a.CustomerID, &a.CustomerName, &a.Via, &a.ShareID, &a.LinkID, &a.FolderID, &a.Permission, &since)
		a.Since = since
		return a, err
	})
	if err != nil {
		return nil, fmt.Errorf("document audience: %w", err)
	}
	sees := map[uuid.UUID]bool{}
	var customers, links []query.Access
	for _, a := range candidates {
		if a.CustomerID == nil {
			links = append(links, a)
			continue
		}
		seen, known := sees[*a.CustomerID]
		if !known {
			view, err := PortalView(ctx, m.Q, *a.CustomerID)
			if err != nil {
				return nil, fmt.Errorf("document audience: %w", err)
			}
			_, seen = view.Document(document)
			sees[*a.CustomerID] = seen
		}
		if seen {
			customers = append(customers, a)
		}
	}
	sortAudience(customers)
	sortAudience(links)
	return append(customers, links...), nil
}

// sortAudience orders by customer name, then customer id, then the reason's
// own id (share or link), so that answers are stable.
func sortAudience(as []query.Access) {
	key := func(a query.Access) (string, string, string) {
		var name, cust, own string
		if a.CustomerName != nil {
			name = *a.CustomerName
		}
		if a.CustomerID != nil {
			cust = a.CustomerID.String()
		}
		switch {
		case a.ShareID != nil:
			own = a.ShareID.String()
		case a.LinkID != nil:
			own = a.LinkID.String()
		}
		return name, cust, own
	}
	slices.SortFunc(as, func(x, y query.Access) int {
		xn, xc, xo := key(x)
		yn, yc, yo := key(y)
		return cmp.Or(cmp.Compare(xn, yn), cmp.Compare(xc, yc), cmp.Compare(x.Via, y.Via), cmp.Compare(xo, yo))
	})
}
