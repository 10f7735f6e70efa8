package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/eventstore"
	"github.com/sharehub/sharehub/eventstore/audit"
	"github.com/sharehub/sharehub/httpapi/console"
	"github.com/sharehub/sharehub/httpapi/problem"
	"github.com/sharehub/sharehub/httpapi/web"
)

// The audit pages of the console read the log as the audit routes do
// (handlers_audit.go): the same export (secrets redacted), the same export
// slots, the same chain verification. The console has checked, with
// query.AuditTenant, that the caller may read tenant's trail.

func (b consoleBackend) exportFilter(tenant uuid.UUID, f console.AuditFilter) (eventstore.ExportFilter, error) {
	out := eventstore.ExportFilter{Tenant: &tenant, HorizonWait: b.s.horizonWait, Stream: f.Stream, Since: f.Since, Until: f.Until}
	for _, t := range f.Types {
		if _, err := domain.ZeroEvent(t); err != nil {
			return out, problem.Validation("type", fmt.Sprintf("%q is not an event type", t))
		}
		out.Types = append(out.Types, t)
	}
	if !f.Since.IsZero() && !f.Until.IsZero() && !f.Since.Before(f.Until) {
		return out, problem.Validation("until", "must be after since")
	}
	return out, nil
}

func (b consoleBackend) AuditEvents(ctx context.Context, tenant uuid.UUID, f console.AuditFilter) ([]console.AuditEvent, string, error) {
	ef, err := b.exportFilter(tenant, f)
	if err != nil {
		return nil, "", err
	}
	ef.SkipGuards = len(ef.Types) == 0 // as the JSON pages: bookkeeping left out unless asked for
	if f.Cursor != "" {
		c, err := eventstore.ParseCursor(f.Cursor)
		if err != nil {
			return nil, "", problem.Validation("cursor", "is not a page of this list")
		}
		ef.From = c
	}
	ef.Limit = f.Limit + 1
	var out []console.AuditEvent
	var cursors []eventstore.Cursor
	err = b.s.exportItems(ctx, ef, func(c eventstore.Cursor, item json.RawMessage) {
		var line struct {
			Position   int64           `json:"position"`
			StreamID   string          `json:"stream_id"`
			Type       string          `json:"type"`
			RecordedAt time.Time       `json:"recorded_at"`
			Payload    json.RawMessage `json:"payload"`
			Metadata   struct {
				ActorID string `json:"actor_id"`
			} `json:"metadata"`
		}
		_ = json.Unmarshal(item, &line)
		out = append(out, console.AuditEvent{Position: line.Position, Stream: line.StreamID, Type: line.Type,
			RecordedAt: line.RecordedAt, Actor: line.Metadata.ActorID, Payload: string(line.Payload)})
		cursors = append(cursors, c)
	})
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(out) > f.Limit {
		out = out[:f.Limit]
		next = cursors[f.Limit-1].Token()
	}
	return out, next, nil
}

func (b consoleBackend) AuditExport(w http.ResponseWriter, r *http.Request, tenant uuid.UUID, format string, f console.AuditFilter) error {
	ef, err := b.exportFilter(tenant, f)
	if err != nil {
		return err
	}
	release, err := b.s.exportSlots.acquire(tenant)
	if err != nil {
		return err
	}
	defer release()
	ew, err := audit.NewExportWriter(w, format)
	if err != nil {
		return problem.Validation("format", "must be ndjson or csv")
	}
	ct := ndjson
	if format == "csv" {
		ct = "text/csv; charset=utf-8"
	}
	w.Header().Del("Content-Security-Policy")
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Disposition", web.ContentDisposition("attachment", "audit-"+tenant.String()+"."+format))
	w.WriteHeader(http.StatusOK)
	if stats, err := b.s.exports.ExportTo(r.Context(), ef, ew); err != nil {
		b.s.log.Warn("console audit export ended early", "after", stats.Last.Token(), "err", err)
	}
	return nil
}

func (b consoleBackend) AuditVerify(ctx context.Context, tenant uuid.UUID) (console.VerifyResult, error) {
	rep, err := audit.VerifyChains(ctx, b.s.pool, &tenant)
	if err != nil {
		return console.VerifyResult{}, err
	}
	out := console.VerifyResult{OK: rep.OK, EventsChecked: rep.EventsChecked}
	if rep.FirstBroken != nil {
		out.Broken = fmt.Sprintf("%s version %d (position %d): %s", rep.FirstBroken.StreamID, rep.FirstBroken.Version,
			rep.FirstBroken.Position, rep.FirstBroken.Reason)
	}
	return out, nil
}
