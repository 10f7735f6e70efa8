package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/eventstore"
)

// accessKey is the position of a document access history page: after this log
// position.
type accessKey struct {
	After int64 `json:"after"`
}

// accessPage reads one page of a document's access history: the next limit
// events, in log order, of the given streams (the document, its shares, links,
// each open and each download: one stream apiece). One query finds the page's
// positions; each stream in it is then exported for exactly its events there, so
// a page costs the same however long the history (issue 12: no unbounded view).
func (s *Server) accessPage(r *http.Request, tenant uuid.UUID, streams []string, after *accessKey, limit int) ([]json.RawMessage, *string, error) {
	var from int64
	if after != nil {
		from = after.After
	}
	rows, err := s.pool.Query(r.Context(), `SELECT position, stream_id FROM events
		WHERE tenant_id = $1 AND stream_id = ANY($2) AND position > $3 ORDER BY position LIMIT $4`,
		tenant, streams, from, limit+1)
	if err != nil {
		return nil, nil, fmt.Errorf("access history: %w", err)
	}
	type hit struct {
		pos    int64
		stream string
	}
	var hits []hit
	for rows.Next() {
		var h hit
		if err := rows.Scan(&h.pos, &h.stream); err != nil {
			rows.Close()
			return nil, nil, fmt.Errorf("access history: %w", err)
		}
		hits = append(hits, h)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("access history: %w", err)
	}
	var next *string
	if len(hits) > limit {
		hits = hits[:limit]
		c, err := s.cursors.Seal(listScope(r), accessKey{After: hits[limit-1].pos})
		if err != nil {
			return nil, nil, err
		}
		next = &c
	}
	// Within the page, each stream's events are consecutive in that stream.
	first, count := map[string]int64{}, map[string]int{}
	var order []string
	for _, h := range hits {
		if _, seen := first[h.stream]; !seen {
			first[h.stream] = h.pos
			order = append(order, h.stream)
		}
		count[h.stream]++
	}
	byPos := make(map[int64]json.RawMessage, len(hits))
	for _, st := range order {
		err := s.exportItems(r.Context(), eventstore.ExportFilter{Tenant: &tenant, Stream: st, After: first[st] - 1, Limit: count[st]},
			func(pos int64, row json.RawMessage) { byPos[pos] = row })
		if err != nil {
			return nil, nil, err
		}
	}
	items := make([]json.RawMessage, 0, len(hits))
	for _, h := range hits {
		if row, ok := byPos[h.pos]; ok {
			items = append(items, row)
		}
	}
	return items, next, nil
}
