package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/eventstore"
)

// accessKey is where a document access history page ends: after this event in
// commit order (the export's cursor).
type accessKey struct {
	TxID     uint64 `json:"tx"`
	Position int64  `json:"after"`
}

// accessPage reads one page of a document's access history: the next limit
// events, in commit order, of the given streams (the document, its shares, links,
// each open and each download: one stream apiece), as one export over all of them
// (one horizon, bounded statements on the exports' pool). A page costs the same
// however long the history (issue 12: no unbounded view).
func (s *Server) accessPage(r *http.Request, tenant uuid.UUID, streams []string, after *accessKey, limit int) ([]json.RawMessage, *string, error) {
	f := eventstore.ExportFilter{Tenant: &tenant, Streams: streams, Limit: limit + 1, HorizonWait: s.horizonWait}
	if after != nil {
		f.From = eventstore.Cursor{TxID: after.TxID, Position: after.Position}
	}
	items := make([]json.RawMessage, 0, limit)
	var last eventstore.Cursor
	more := false // the export read one event past the page
	err := s.exportItems(r.Context(), f, func(c eventstore.Cursor, row json.RawMessage) {
		if len(items) == limit {
			more = true
			return
		}
		items = append(items, row)
		last = c
	})
	if err != nil {
		return nil, nil, fmt.Errorf("access history: %w", err)
	}
	var next *string
	if more {
		c, err := s.cursors.Seal(listScope(r), accessKey{TxID: last.TxID, Position: last.Position})
		if err != nil {
			return nil, nil, err
		}
		next = &c
	}
	return items, next, nil
}
