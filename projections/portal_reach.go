package projections

import (
	_ "embed"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
)

// The portal projection's materialised reach (issue 15): the folder tree as a
// closure table, and per customer the folders its shares and master access
// reach, each row naming its source. The rule stays domain.ComputePortalView's;
// these tables are that rule's folder part precomputed (the differential oracle
// compares listings read from them with the rule on every generated world), so a
// listing reads one page, not the customer's whole visible tree.
//
// Rows written per event (worst case), F = folders below the target, C = the
// customers that reach the parent folder:
//   - FolderCreated: depth+1 closure rows, plus one reach row per (customer,
//     source) reaching its parent, plus one for master access;
//   - PortalShareGranted of a folder: F reach rows; of a document: none;
//   - SharePermissionChanged: F reach rows updated; ShareCancelled: F deleted;
//   - MasterAccessGranted / Withdrawn: the workspace's folders, inserted / deleted;
//   - DocumentAdded, DocumentVersionAdded, VersionVisibilityChanged: one
//     documents row (its newest visible version);
//   - pause, resume, revoke, documents module, provider default: none (read at
//     query time from the customers row).

// A rebuild applies the events of different streams on several connections at
// once; these tables depend on the order across streams (a folder's closure
// comes from its parent's, a share's reach from the folders that exist), so the
// handlers of closure and reach skip in a build and portalReachDerive computes
// both once the events are loaded (Projection.Derive); the handlers then apply
// the events that arrive while the build catches up, in order.
//
//go:embed sql/portal_reach.sql
var portalReachDDL string

// masterSource is the share_id of a reach row that master access gives.
var masterSource = uuid.Nil

// portalReachDerive computes the closure and the reach from folders, shares and
// customers at once: what the handlers below compute event by event, in a build
// that applies streams out of order (Projection.Derive); and, set-based rather
// than one statement per document event, each document's shown version.
const portalReachDerive = `
TRUNCATE folder_closure, portal_reach;
INSERT INTO folder_closure (ancestor, descendant, depth, creators)
WITH RECURSIVE c AS (
    SELECT id AS ancestor, id AS descendant, 0 AS depth, '{}'::uuid[] AS creators FROM folders
    UNION ALL
    SELECT c.ancestor, f.id, c.depth + 1,
           CASE WHEN f.created_by_customer_id IS NULL OR f.created_by_customer_id = ANY (c.creators)
                THEN c.creators ELSE c.creators || f.created_by_customer_id END
      FROM c JOIN folders f ON f.parent_id = c.descendant)
SELECT ancestor, descendant, depth, creators FROM c;
INSERT INTO portal_reach (customer_id, folder_id, share_id, permission)
SELECT s.customer_id, c.descendant, s.id, s.permission
  FROM shares s JOIN folder_closure c ON c.ancestor = s.folder_id
 WHERE NOT s.cancelled AND (c.depth = 0 OR c.creators <@ ARRAY[s.customer_id]);
INSERT INTO portal_reach (customer_id, folder_id, share_id, permission)
SELECT DISTINCT cu.id, c.descendant, '00000000-0000-0000-0000-000000000000'::uuid, 'edit'
  FROM customers cu JOIN folders a ON a.workspace_customer_id = cu.id JOIN folder_closure c ON c.ancestor = a.id
 WHERE cu.master_access AND (c.depth = 0 OR c.creators <@ ARRAY[cu.id]);
UPDATE documents d SET shown_version = v.n
  FROM (SELECT document_id, max(number) AS n FROM versions WHERE NOT hidden GROUP BY document_id) v
 WHERE v.document_id = d.id;
ANALYZE folder_closure, portal_reach, documents;
`

func portalReach(p *Projection) {
	p.Derive = portalReachDerive
	On(p, func(q *Queue, ev domain.Recorded, e domain.FolderCreated) error {
		if q.Building() {
			return nil
		}
		q.Exec(`INSERT INTO folder_closure (ancestor, descendant, depth, creators)
			SELECT $1::uuid, $1::uuid, 0, '{}'::uuid[]
			UNION ALL
			SELECT c.ancestor, $1, c.depth + 1,
			       CASE WHEN $2::uuid IS NULL OR $2 = ANY (c.creators) THEN c.creators ELSE c.creators || $2::uuid END
			  FROM folder_closure c WHERE c.descendant = $3
			ON CONFLICT (ancestor, descendant) DO NOTHING`, e.FolderID, id(e.CreatedByCustomerID), id(e.ParentID))
		// The new folder inherits its parent's reach, except for the customers for
		// whom it is another customer's deposit.
		q.Exec(`INSERT INTO portal_reach (customer_id, folder_id, share_id, permission)
			SELECT r.customer_id, $1, r.share_id, r.permission FROM portal_reach r
			 WHERE r.folder_id = $2 AND ($3::uuid IS NULL OR r.customer_id = $3)
			ON CONFLICT DO NOTHING`, e.FolderID, id(e.ParentID), id(e.CreatedByCustomerID))
		q.Exec(`INSERT INTO portal_reach (customer_id, folder_id, share_id, permission)
			SELECT c.id, $1, $3, 'edit' FROM customers c WHERE c.id = $2 AND c.master_access
			ON CONFLICT DO NOTHING`, e.FolderID, id(e.WorkspaceCustomerID), masterSource)
		return nil
	})
	On(p, func(q *Queue, ev domain.Recorded, e domain.PortalShareGranted) error {
		if q.Building() {
			return nil
		}
		if e.FolderID == uuid.Nil {
			return nil
		}
		// The rows come from the shares row, so that a share already cancelled
		// (the event delivered again) reaches nothing.
		q.Exec(`INSERT INTO portal_reach (customer_id, folder_id, share_id, permission)
			SELECT s.customer_id, c.descendant, s.id, s.permission
			  FROM shares s JOIN folder_closure c ON c.ancestor = s.folder_id
			 WHERE s.id = $1 AND NOT s.cancelled
			   AND (c.depth = 0 OR c.creators <@ ARRAY[s.customer_id])
			ON CONFLICT DO NOTHING`, e.ShareID)
		return nil
	})
	On(p, func(q *Queue, ev domain.Recorded, e domain.SharePermissionChanged) error {
		if q.Building() {
			return nil
		}
		q.Exec(`UPDATE portal_reach r SET permission = s.permission FROM shares s
			WHERE s.id = $1 AND r.share_id = s.id AND r.permission <> s.permission`, e.ShareID)
		return nil
	})
	On(p, func(q *Queue, ev domain.Recorded, e domain.ShareCancelled) error {
		if q.Building() {
			return nil
		}
		q.Exec(`DELETE FROM portal_reach WHERE share_id = $1`, e.ShareID)
		return nil
	})
	// Master access gives edit on every folder of the workspace and on what lies
	// below it that is not another customer's deposit.
	On(p, func(q *Queue, ev domain.Recorded, e domain.MasterAccessGranted) error {
		if q.Building() {
			return nil
		}
		q.Exec(`INSERT INTO portal_reach (customer_id, folder_id, share_id, permission)
			SELECT DISTINCT $1::uuid, c.descendant, $2::uuid, 'edit'
			  FROM customers cu JOIN folders a ON a.workspace_customer_id = cu.id
			  JOIN folder_closure c ON c.ancestor = a.id
			 WHERE cu.id = $1 AND cu.master_access AND (c.depth = 0 OR c.creators <@ ARRAY[$1::uuid])
			ON CONFLICT DO NOTHING`, e.CustomerID, masterSource)
		return nil
	})
	On(p, func(q *Queue, ev domain.Recorded, e domain.MasterAccessWithdrawn) error {
		if q.Building() {
			return nil
		}
		q.Exec(`DELETE FROM portal_reach r USING customers cu
			WHERE r.customer_id = $1 AND r.share_id = $2 AND cu.id = $1 AND NOT cu.master_access`,
			e.CustomerID, masterSource)
		return nil
	})
	shown := func(q *Queue, doc uuid.UUID) {
		if q.Building() {
			return // derived once, set-based (portalReachDerive)
		}
		q.Exec(`UPDATE documents d SET shown_version = v.n
			FROM (SELECT max(number) AS n FROM versions WHERE document_id = $1 AND NOT hidden) v
			WHERE d.id = $1 AND d.shown_version IS DISTINCT FROM v.n`, doc)
	}
	On(p, func(q *Queue, ev domain.Recorded, e domain.DocumentAdded) error {
		shown(q, e.DocumentID)
		return nil
	})
	On(p, func(q *Queue, ev domain.Recorded, e domain.DocumentVersionAdded) error {
		shown(q, e.DocumentID)
		return nil
	})
	On(p, func(q *Queue, ev domain.Recorded, e domain.VersionVisibilityChanged) error {
		shown(q, e.DocumentID)
		return nil
	})
}
