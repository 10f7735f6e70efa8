package httpapi

import (
	"net/http"
	"strings"
	"time"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain/app"
	"github.com/sharehub/sharehub/httpapi/consistency"
	"github.com/sharehub/sharehub/httpapi/problem"
)

// nullable is a JSON member that must be given but may be null, where null means
// something ("documents_enabled": null = the provider's default). Set tells an
// absent member from an explicit null; Value is nil for null.
type nullable[T any] struct {
	Set   bool
	Value *T
}

// UnmarshalJSONFrom decodes the member (json v2 calls it for present members
// only, null included). Errors of the inner value keep their JSON path, so a bad
// value is named like any other field.
func (n *nullable[T]) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	n.Set = true
	if dec.PeekKind() == 'n' {
		n.Value = nil
		_, err := dec.ReadToken()
		return err
	}
	var v T
	if err := jsonv2.UnmarshalDecode(dec, &v); err != nil {
		return err
	}
	n.Value = &v
	return nil
}

// required answers 400 naming field unless ok.
func required(field string, ok bool) error {
	if ok {
		return nil
	}
	return problem.Validation(field, "is required")
}

// requiredID answers 400 naming field for a missing (or nil) id.
func requiredID(field string, id uuid.UUID) error { return required(field, id != uuid.Nil) }

// idOrNil turns an optional id into uuid.Nil (the services' "none").
func idOrNil(id *uuid.UUID) uuid.UUID {
	if id == nil {
		return uuid.Nil
	}
	return *id
}

// optionalID answers an id that may be absent as JSON null.
func optionalID(id uuid.UUID) *uuid.UUID {
	if id == uuid.Nil {
		return nil
	}
	return &id
}

// optionalTime answers a time that may be absent (never) as JSON null.
func optionalTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}

// invitationURL is {PUBLIC_BASE_URL}/invitations/{token}.
func (s *Server) invitationURL(token string) string {
	return strings.TrimRight(s.publicBaseURL, "/") + "/invitations/" + token
}

// linkURL is {PUBLIC_BASE_URL}/l/{token}.
func (s *Server) linkURL(token string) string {
	return strings.TrimRight(s.publicBaseURL, "/") + "/l/" + token
}

// writtenEmpty answers a successful write without a body: 204 with X-Position.
func writtenEmpty(w http.ResponseWriter, res app.AppendResult) error {
	consistency.SetPosition(w, res)
	w.WriteHeader(http.StatusNoContent)
	return nil
}
