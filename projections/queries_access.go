package projections

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/sharehub/sharehub/domain"
)

// Who could reach a document, from the portal read model (issue 14: a
// read-model query, not SQL over event payloads).

// DocumentAccessStreams names the streams of a document's access history: the
// document itself, every portal share of it or of a folder above it, every link
// to it, and every download of it and open of its links (each a stream of its
// own, named by the log for the event the read model remembers). A document of
// another provider than tenant, or one the read model does not know, is
// ErrNotFound.
func (m ReadModels) DocumentAccessStreams(ctx context.Context, tenant, document uuid.UUID) ([]string, error) {
	rows, err := rmq(ctx, m.Q).Query(ctx, `
		WITH RECURSIVE doc AS (
			SELECT id, folder_id FROM {portal}.documents WHERE id = $1 AND provider_id = $2),
		above(id) AS (
			SELECT folder_id FROM doc
			UNION
			SELECT f.parent_id FROM {portal}.folders f JOIN above a ON f.id = a.id WHERE f.parent_id IS NOT NULL)
		SELECT 'doc', id FROM doc
		UNION ALL
		SELECT 'share', s.id FROM {portal}.shares s
		 WHERE s.provider_id = $2 AND EXISTS (SELECT FROM doc)
		   AND (s.document_id = $1 OR s.folder_id IN (SELECT id FROM above))
		UNION ALL
		SELECT 'link', l.id FROM {portal}.links l WHERE l.document_id = $1 AND l.provider_id = $2
		UNION ALL
		SELECT 'event', d.event_id FROM {portal}.downloads d WHERE d.document_id = $1 AND d.provider_id = $2
		UNION ALL
		SELECT 'event', o.event_id FROM {portal}.link_opens o JOIN {portal}.links l ON l.id = o.link_id
		 WHERE l.document_id = $1 AND l.provider_id = $2`, document, tenant)
	if err != nil {
		return nil, fmt.Errorf("document access: %w", err)
	}
	type ref struct {
		Kind string
		ID   uuid.UUID
	}
	refs, err := pgx.CollectRows(rows, pgx.RowToStructByPos[ref])
	if err != nil {
		return nil, fmt.Errorf("document access: %w", err)
	}
	streams := []string{domain.DocumentStream(document)}
	var events []uuid.UUID
	found := false
	for _, r := range refs {
		switch r.Kind {
		case "doc":
			found = true
		case "share":
			streams = append(streams, domain.ShareStream(r.ID))
		case "link":
			streams = append(streams, domain.LinkStream(r.ID))
		case "event":
			events = append(events, r.ID)
		}
	}
	if !found {
		return nil, fmt.Errorf("document: %w", domain.ErrNotFound)
	}
	if len(events) == 0 {
		return streams, nil
	}
	// A download or an open is a stream of its own (an older one lies on the
	// document's or the link's stream); the log names it.
	rows, err = m.Q.Query(ctx, `SELECT DISTINCT stream_id FROM events WHERE event_id = ANY($1)`, events)
	if err != nil {
		return nil, fmt.Errorf("document access: %w", err)
	}
	named, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("document access: %w", err)
	}
	seen := map[string]bool{}
	for _, s := range streams {
		seen[s] = true
	}
	for _, s := range named {
		if !seen[s] {
			seen[s] = true
			streams = append(streams, s)
		}
	}
	return streams, nil
}

// CustomerTenant is the provider a customer belongs to, as the log's first event
// of the customer's stream records it (read through the codec): the as-of view
// replays the log, so it does not wait for a read model.
func (m ReadModels) CustomerTenant(ctx context.Context, customer uuid.UUID) (uuid.UUID, error) {
	if m.Store == nil {
		return uuid.Nil, fmt.Errorf("customer tenant: no event store")
	}
	evs, err := m.Store.ReadStream(ctx, domain.CustomerStream(customer))
	if err != nil {
		return uuid.Nil, err
	}
	if len(evs) == 0 {
		return uuid.Nil, fmt.Errorf("customer: %w", domain.ErrNotFound)
	}
	return evs[0].Meta.TenantID, nil
}
