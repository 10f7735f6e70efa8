package projections

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/sharehub/sharehub/eventstore"
)

// FolderLinkItem is a folder or a document a visitor of a folder link sees.
type FolderLinkItem struct {
	ID        uuid.UUID
	Name      string
	Size      int64  // documents: the newest visible version's
	MediaType string // documents
}

// FolderLinkContents lists what a folder link shows inside folder (of provider),
// which the caller checked lies at or below the link's folder: its subfolders and
// the documents whose newest visible version it serves, by name. What the link
// never reaches is left out as domain.Link.Reaches leaves it out: customers'
// workspaces, customers' deposits, removed documents and documents with no
// visible version.
func FolderLinkContents(ctx context.Context, q eventstore.Querier, provider, folder uuid.UUID) (folders, documents []FolderLinkItem, err error) {
	rows, err := rmq(ctx, q).Query(ctx, `SELECT id, name FROM {portal}.folders
		WHERE parent_id = $1 AND provider_id = $2 AND workspace_customer_id IS NULL
		ORDER BY lower(name), id`, folder, provider)
	if err != nil {
		return nil, nil, fmt.Errorf("folder link folders: %w", err)
	}
	folders, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (FolderLinkItem, error) {
		var f FolderLinkItem
		return f, row.Scan(&f.ID, &f.Name)
	})
	if err != nil {
		return nil, nil, fmt.Errorf("folder link folders: %w", err)
	}
	rows, err = rmq(ctx, q).Query(ctx, `SELECT d.id, d.name, v.size, v.media_type FROM {portal}.documents d
		JOIN LATERAL (SELECT size, media_type FROM {portal}.versions
		               WHERE document_id = d.id AND NOT hidden ORDER BY number DESC LIMIT 1) v ON true
		WHERE d.folder_id = $1 AND d.provider_id = $2 AND NOT d.removed
		  AND d.uploaded_by_customer_id IS NULL AND d.workspace_customer_id IS NULL
		ORDER BY lower(d.name), d.id`, folder, provider)
	if err != nil {
		return nil, nil, fmt.Errorf("folder link documents: %w", err)
	}
	documents, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (FolderLinkItem, error) {
		var d FolderLinkItem
		return d, row.Scan(&d.ID, &d.Name, &d.Size, &d.MediaType)
	})
	if err != nil {
		return nil, nil, fmt.Errorf("folder link documents: %w", err)
	}
	return folders, documents, nil
}
