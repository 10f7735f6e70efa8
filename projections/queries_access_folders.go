package projections

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/sharehub/sharehub/domain/app/query"
)

// RootFolders implements query.FolderListReadModel: one page of provider's
// folders without a parent, with the visibility rule of SubfoldersAfter.
func (m ReadModels) RootFolders(ctx context.Context, provider uuid.UUID, visible query.GroupFilter, after *query.NameKey, limit int) ([]query.Folder, error) {
	an, aid := nameAfter(nameKey(after))
	rows, err := rmq(ctx, m.Q).Query(ctx, `SELECT `+folderColumns+`
		FROM {portal}.folders f LEFT JOIN {portal}.customers c ON c.id = f.workspace_customer_id
		WHERE f.provider_id = $1 AND f.parent_id IS NULL
		  AND (f.workspace_customer_id IS NULL OR $2 OR c.group_id = ANY($3))
		  AND (lower(f.name), f.id) > (lower($4), $5)
		ORDER BY lower(f.name), f.id LIMIT $6`, provider, visible.All, visible.Groups, an, aid, limit)
	if err != nil {
		return nil, fmt.Errorf("root folders: %w", err)
	}
	return pgx.CollectRows(rows, scanFolder)
}
