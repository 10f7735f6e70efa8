package projections

import (
	"context"
	_ "embed"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app/query"
	"github.com/sharehub/sharehub/eventstore"
)

// Document requests in the portal read model: one row per request stream,
// versioned like every row (an event applied again changes nothing).

// requestsDDL creates the requests table (appended to the portal's DDL).
//
//go:embed sql/requests.sql
var requestsDDL string

// portalRequests registers the handlers of the requests table.
func portalRequests(p *Projection) {
	On(p, func(q *Queue, ev domain.Recorded, e domain.DocumentRequested) error {
		q.Exec(`INSERT INTO requests (id, provider_id, customer_id, folder_id, title, note, due_at, status, requested_by, requested_at, version)
			VALUES ($1, $2, $3, $4, $5, $6, $7, 'open', $8, $9, $10) ON CONFLICT (id) DO NOTHING`,
			e.RequestID, e.ProviderID, e.CustomerID, e.FolderID, e.Title, e.Note, optionalAt(e.DueAt), e.RequestedBy, e.RequestedAt, ev.Version)
		return nil
	})
	On(p, func(q *Queue, ev domain.Recorded, e domain.DocumentRequestFulfilled) error {
		q.Exec(`UPDATE requests SET documents = documents || $2::uuid,
				status = CASE WHEN status = 'open' THEN 'fulfilled' ELSE status END,
				fulfilled_at = coalesce(fulfilled_at, $3), version = $4
			WHERE id = $1 AND version < $4`, e.RequestID, e.DocumentID, e.FulfilledAt, ev.Version)
		return nil
	})
	On(p, func(q *Queue, ev domain.Recorded, e domain.DocumentRequestCancelled) error {
		q.Exec(`UPDATE requests SET status = 'cancelled', cancelled_at = $2, version = $3 WHERE id = $1 AND version < $3`,
			e.RequestID, e.CancelledAt, ev.Version)
		return nil
	})
	On(p, func(q *Queue, ev domain.Recorded, e domain.DocumentRequestReminded) error {
		q.Exec(`UPDATE requests SET version = $2 WHERE id = $1 AND version < $2`, e.RequestID, ev.Version)
		return nil
	})
}

const requestColumns = `r.id, r.provider_id, r.customer_id, r.folder_id, r.title, r.note, r.due_at, r.status,
	r.requested_by, r.requested_at, r.fulfilled_at, r.cancelled_at, r.documents`

func scanRequest(row pgx.CollectableRow) (query.Request, error) {
	var r query.Request
	var status string
	err := row.Scan(&r.ID, &r.ProviderID, &r.CustomerID, &r.FolderID, &r.Title, &r.Note, &r.DueAt, &status,
		&r.RequestedBy, &r.RequestedAt, &r.FulfilledAt, &r.CancelledAt, &r.Documents)
	r.Status = domain.RequestStatus(status)
	for _, t := range []*time.Time{r.DueAt, r.FulfilledAt, r.CancelledAt} {
		if t != nil {
			*t = t.UTC()
		}
	}
	r.RequestedAt = r.RequestedAt.UTC()
	return r, err
}

// Request reads one request; domain.ErrNotFound when there is none.
func Request(ctx context.Context, q eventstore.Querier, id uuid.UUID) (query.Request, error) {
	rows, err := rmq(ctx, q).Query(ctx, `SELECT `+requestColumns+` FROM {portal}.requests r WHERE r.id = $1`, id)
	if err != nil {
		return query.Request{}, fmt.Errorf("request: %w", err)
	}
	return one(pgx.CollectExactlyOneRow(rows, scanRequest))("request", id)
}

// Requests lists a provider's requests, newest first, of the customers f lets
// through.
func Requests(ctx context.Context, q eventstore.Querier, f query.RequestFilter, limit int) ([]query.Request, error) {
	rows, err := rmq(ctx, q).Query(ctx, `SELECT `+requestColumns+`
		FROM {portal}.requests r JOIN {portal}.customers c ON c.id = r.customer_id
		WHERE r.provider_id = $1 AND ($2 OR c.group_id = ANY($3))
		  AND ($4::uuid IS NULL OR r.customer_id = $4) AND ($5 = '' OR r.status = $5)
		ORDER BY r.requested_at DESC, r.id DESC LIMIT $6`,
		f.Provider, f.Visible.All, f.Visible.Groups, f.Customer, string(f.Status), limit)
	if err != nil {
		return nil, fmt.Errorf("requests: %w", err)
	}
	return pgx.CollectRows(rows, scanRequest)
}

// Request implements query.RequestReadModel.
func (m ReadModels) Request(ctx context.Context, id uuid.UUID) (query.Request, error) {
	return Request(ctx, m.Q, id)
}

// Requests implements query.RequestReadModel.
func (m ReadModels) Requests(ctx context.Context, f query.RequestFilter, limit int) ([]query.Request, error) {
	return Requests(ctx, m.Q, f, limit)
}
