package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app/query"
	"github.com/sharehub/sharehub/eventstore"
	"github.com/sharehub/sharehub/eventstore/audit"
	"github.com/sharehub/sharehub/httpapi/problem"
	"github.com/sharehub/sharehub/httpapi/web"
)

// The audit API serves a provider's admins and auditors, from the log itself.

// auditTenant is the caller's company when the caller may read its audit trail
// (domain.Authorize's rule for audit data: admins and auditors). The caller is
// the viewer withViewer resolved after X-Min-Position was waited for, so that a
// caller just made an auditor is one.
func auditTenant(r *http.Request) (uuid.UUID, error) {
	v, err := viewer(r)
	if err != nil {
		return uuid.Nil, err
	}
	return query.AuditTenant(v)
}

const ndjson = "application/x-ndjson"

// auditEventsCursor is a page's next_cursor: the commit-order cursor of its
// last event (After: a position, from cursors sealed before commit order).
type auditEventsCursor struct {
	After int64  `json:"after,omitempty"`
	TxID  uint64 `json:"tx,omitempty"`
	Pos   int64  `json:"pos,omitempty"`
}

// auditEvents streams the provider's log in commit order:
// GET /api/v1/audit/events?after=&limit=&stream=&type=&since=&until=&include_guards=.
// With Accept: application/x-ndjson the answer is one event per line, streamed for
// any size (no limit unless one is given); otherwise JSON pages.
func (s *Server) auditEvents(w http.ResponseWriter, r *http.Request) error {
	tenant, err := auditTenant(r)
	if err != nil {
		return err
	}
	f := eventstore.ExportFilter{Tenant: &tenant, HorizonWait: s.horizonWait}
	if err := s.auditAfter(r, tenant, &f); err != nil {
		return err
	}
	if f.Stream, err = web.QueryText(r, "stream", 200); err != nil {
		return err
	}
	if t, err := web.QueryText(r, "type", 2000); err != nil {
		return err
	} else if t != "" {
		for _, typ := range strings.Split(t, ",") {
			typ = strings.TrimSpace(typ)
			if _, err := domain.ZeroEvent(typ); err != nil {
				return problem.Validation("type", fmt.Sprintf("%q is not an event type", typ))
			}
			f.Types = append(f.Types, typ)
		}
	}
	if t, ok, err := web.QueryTime(r, "since"); err != nil {
		return err
	} else if ok {
		f.Since = t
	}
	if t, ok, err := web.QueryTime(r, "until"); err != nil {
		return err
	} else if ok {
		f.Until = t
	}
	if !f.Since.IsZero() && !f.Until.IsZero() && !f.Since.Before(f.Until) {
		return problem.Validation("until", "must be after since")
	}
	streamed := strings.Contains(r.Header.Get("Accept"), ndjson)
	if err := auditGuards(r, streamed, &f); err != nil {
		return err
	}

	if streamed {
		if v, ok, err := web.QueryInt64(r, "limit", 1, 1<<62); err != nil {
			return err
		} else if ok {
			f.Limit = int(v)
		}
		return s.streamAuditEvents(w, r, tenant, f)
	}

	page, err := web.ParsePage(r)
	if err != nil {
		return err
	}
	var cur auditEventsCursor
	if ok, err := s.cursors.Open("audit/events", page.Cursor, &cur); err != nil {
		return err
	} else if ok {
		if cur.TxID != 0 {
			f.From, f.After = eventstore.Cursor{TxID: cur.TxID, Position: cur.Pos}, 0
		} else {
			f.After = max(f.After, cur.After)
		}
	}
	f.Limit = page.Limit + 1
	var (
		items []json.RawMessage
		last  []eventstore.Cursor
	)
	err = s.exportItems(r.Context(), f, func(c eventstore.Cursor, item json.RawMessage) {
		items, last = append(items, item), append(last, c)
	})
	if err != nil {
		return err
	}
	list, err := web.PageOf(s.cursors, "audit/events", items, page.Limit, func(json.RawMessage) any {
		c := last[page.Limit-1]
		return auditEventsCursor{TxID: c.TxID, Pos: c.Position}
	})
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, list)
}

// auditGuards reads include_guards=. Guard events (domain.IsGuard) are the
// write side's bookkeeping, not facts a reader of the listing looks for: JSON
// pages leave them out unless include_guards=true or type= names them. An NDJSON
// stream is an export, which an auditor verifies offline, and the chains run
// through the guards: it keeps them unless include_guards=false.
func auditGuards(r *http.Request, streamed bool, f *eventstore.ExportFilter) error {
	include, ok, err := web.QueryBool(r, "include_guards")
	if err != nil {
		return err
	}
	if !ok {
		include = streamed || len(f.Types) > 0
	}
	f.SkipGuards = !include
	return nil
}

// exportItems hands each event f selects to add as the JSON object an NDJSON
// export writes for it (the same shape a client streaming the log reads).
func (s *Server) exportItems(ctx context.Context, f eventstore.ExportFilter, add func(c eventstore.Cursor, item json.RawMessage)) error {
	var buf bytes.Buffer
	ew, err := audit.NewExportWriter(&buf, "ndjson")
	if err != nil {
		return err
	}
	_, err = s.exports.Export(ctx, f, func(ev domain.Recorded, raw eventstore.RawEvent) error {
		if err := ew.Write(ev, raw); err != nil {
			return err
		}
		if err := ew.Flush(); err != nil {
			return err
		}
		add(raw.Cursor(ev.Position), json.RawMessage(bytes.Clone(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))))
		buf.Reset()
		return nil
	})
	return err
}

// streamAuditEvents writes NDJSON as the export reads it: memory stays flat
// whatever the size. An error after the first line can no longer become a
// problem answer; the stream then ends early with the error logged (the client
// sees a body shorter than the log and resumes with after= the cursor of the
// last line). handlers_audit_export.go says what bounds a slow reader.
func (s *Server) streamAuditEvents(w http.ResponseWriter, r *http.Request, tenant uuid.UUID, f eventstore.ExportFilter) error {
	release, err := s.exportSlots.acquire(tenant)
	if err != nil {
		return err
	}
	defer release()
	rc := http.NewResponseController(w)
	if err := rc.SetWriteDeadline(time.Now().Add(s.exportIdle)); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return err
	}
	w.Header().Set("Content-Type", ndjson)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	ew, err := audit.NewExportWriter(&idleDeadlineWriter{w: w, rc: rc, idle: s.exportIdle}, "ndjson")
	if err != nil {
		return err
	}
	stats, err := s.exports.ExportTo(r.Context(), f, ew)
	if err != nil {
		s.log.Warn("audit event stream ended early", "after", stats.Last.Token(), "err", err)
	}
	return nil
}

// auditVerify recomputes the hash chains of the provider's streams:
// GET /api/v1/audit/verify.
func (s *Server) auditVerify(w http.ResponseWriter, r *http.Request) error {
	tenant, err := auditTenant(r)
	if err != nil {
		return err
	}
	rep, err := audit.VerifyChains(r.Context(), s.pool, &tenant)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, rep)
}

type asOfView struct {
	CustomerID uuid.UUID          `json:"customer_id"`
	ProviderID uuid.UUID          `json:"provider_id"`
	AsOf       time.Time          `json:"as_of"`
	Open       bool               `json:"open"`
	Folders    []asOfViewFolder   `json:"folders"`
	Documents  []asOfViewDocument `json:"documents"`
}

type asOfViewFolder struct {
	ID         uuid.UUID  `json:"id"`
	ParentID   *uuid.UUID `json:"parent_id"`
	Name       string     `json:"name"`
	Permission string     `json:"permission"`
	Top        bool       `json:"top"`
}

type asOfViewDocument struct {
	ID         uuid.UUID `json:"id"`
	Name       string    `json:"name"`
	FolderID   uuid.UUID `json:"folder_id"`
	Version    int       `json:"version"`
	Size       int64     `json:"size"`
	MediaType  string    `json:"media_type"`
	SHA256     string    `json:"sha256"`
	Permission string    `json:"permission"`
	Top        bool      `json:"top"`
}

// asOfRetryAfter is the pause asked of a client whose replay found the
// process's replay slot busy (query.ErrReplayBusy).
const asOfRetryAfter = 5 * time.Second

// auditPortalView answers what a customer could see at an instant, by replaying
// the log up to it: GET /api/v1/audit/customers/{id}/portal-view?as_of=.
func (s *Server) auditPortalView(w http.ResponseWriter, r *http.Request) error {
	v, err := viewer(r)
	if err != nil {
		return err
	}
	id, err := web.PathUUID(r, "id")
	if err != nil {
		return err
	}
	at := s.now()
	if t, ok, err := web.QueryTime(r, "as_of"); err != nil {
		return err
	} else if ok {
		at = t
	}
	view, err := s.queries.PortalViewAsOf.Handle(r.Context(), query.PortalViewAsOf{Viewer: v, CustomerID: id, At: at})
	if errors.Is(err, query.ErrReplayBusy) {
		p := problem.New(http.StatusServiceUnavailable, "replay_busy", err.Error())
		p.RetryAfter = asOfRetryAfter
		return p
	}
	if err != nil {
		return err
	}
	out := asOfView{CustomerID: view.CustomerID, ProviderID: view.ProviderID, AsOf: at.UTC(), Open: view.Open,
		Folders: []asOfViewFolder{}, Documents: []asOfViewDocument{}}
	for _, f := range view.Folders {
		af := asOfViewFolder{ID: f.ID, Name: f.Name, Permission: string(f.Permission), Top: f.Top}
		if f.ParentID != uuid.Nil {
			af.ParentID = &f.ParentID
		}
		out.Folders = append(out.Folders, af)
	}
	for _, d := range view.Documents {
		out.Documents = append(out.Documents, asOfViewDocument{ID: d.ID, Name: d.Name, FolderID: d.FolderID,
			Version: d.Version, Size: d.File.Size, MediaType: d.File.MediaType, SHA256: d.File.SHA256,
			Permission: string(d.Permission), Top: d.Top})
	}
	return web.WriteJSON(w, http.StatusOK, out)
}

// auditDocumentAccess lists, in log order, every event that gave or took access
// to a document or used it: its own stream (added, versions, visibility, removal,
// downloads), every portal share of it or of a folder above it, and every link to
// it with its opens and rejected passwords: GET /api/v1/audit/documents/{id}/access.
func (s *Server) auditDocumentAccess(w http.ResponseWriter, r *http.Request) error {
	v, err := viewer(r)
	if err != nil {
		return err
	}
	id, err := web.PathUUID(r, "id")
	if err != nil {
		return err
	}
	page, after, err := openPage[accessKey](s, r)
	if err != nil {
		return err
	}
	tenant, streams, err := s.queries.DocumentAccess.Handle(r.Context(), query.DocumentAccess{Viewer: v, DocumentID: id})
	if err != nil {
		return err
	}
	items, next, err := s.accessPage(r, tenant, streams, after, page.Limit)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, struct {
		DocumentID uuid.UUID         `json:"document_id"`
		Items      []json.RawMessage `json:"items"`
		NextCursor *string           `json:"next_cursor"`
	}{id, items, next})
}
