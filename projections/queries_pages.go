package projections

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/sharehub/sharehub/eventstore"
)

// SubfoldersAfter is one page of Subfolders: at most limit folders after the
// keyset position (nil: from the first), in the same order.
func SubfoldersAfter(ctx context.Context, q eventstore.Querier, parent uuid.UUID, visible GroupFilter, after *NameKey, limit int) ([]FolderRow, error) {
	an, aid := nameAfter(after)
	rows, err := rmq(ctx, q).Query(ctx, `SELECT `+folderColumns+`
		FROM {portal}.folders f LEFT JOIN {portal}.customers c ON c.id = f.workspace_customer_id
		WHERE f.parent_id = $1 AND (f.workspace_customer_id IS NULL OR $2 OR c.group_id = ANY($3))
		  AND (lower(f.name), f.id) > (lower($4), $5)
		ORDER BY lower(f.name), f.id LIMIT $6`, parent, visible.All, visible.Groups, an, aid, limit)
	if err != nil {
		return nil, fmt.Errorf("subfolders: %w", err)
	}
	return pgx.CollectRows(rows, scanFolder)
}
