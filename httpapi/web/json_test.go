package web_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/httpapi/problem"
	"github.com/sharehub/sharehub/httpapi/web"
)

type createShare struct {
	CustomerID uuid.UUID  `json:"customer_id"`
	DocumentID *uuid.UUID `json:"document_id,omitempty"`
	Permission string     `json:"permission"`
	ExpiresAt  *time.Time `json:"expires_at,omitempty"`
	Notify     bool       `json:"notify"`
	Tags       []struct {
		Name  string `json:"name"`
		Level int8   `json:"level"`
	} `json:"tags"`
}

func decodeServer(t *testing.T, maxBytes int64) string {
	return serve(t, problem.Handler(func(w http.ResponseWriter, r *http.Request) error {
		var in createShare
		if err := web.DecodeJSON(w, r, &in, maxBytes); err != nil {
			return err
		}
		return web.WriteJSON(w, http.StatusOK, in)
	})).URL
}

func TestDecodeJSONAcceptsAWellFormedBody(t *testing.T) {
	t.Parallel()
	url := decodeServer(t, 0)
	id := uuid.New()
	body := `{"customer_id":"` + id.String() + `","permission":"view","expires_at":"2030-01-02T03:04:05Z","notify":true,"tags":[{"name":"a","level":3}]}`
	resp, b := do(t, newRequest(t, http.MethodPost, url, "application/json; charset=UTF-8", strings.NewReader(body)))
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), id.String()) || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("got %d %s", resp.StatusCode, b)
	}
}

func TestDecodeJSONRejectsWithTheFieldNamed(t *testing.T) {
	t.Parallel()
	url := decodeServer(t, 256)
	valid := `"customer_id":"` + uuid.NewString() + `"`
	for _, tc := range []struct {
		name, contentType, body string
		status                  int
		code, field             string
	}{
		{"no content type", "", `{}`, 415, problem.CodeUnsupportedMediaType, ""},
		{"form content type", "application/x-www-form-urlencoded", `a=b`, 415, problem.CodeUnsupportedMediaType, ""},
		{"latin-1 charset", "application/json; charset=iso-8859-1", `{}`, 415, problem.CodeUnsupportedMediaType, ""},
		{"too large", "application/json", `{"permission":"` + strings.Repeat("x", 300) + `"}`, 413, problem.CodePayloadTooLarge, ""},
		{"empty", "application/json", ``, 400, problem.CodeValidation, "body"},
		{"only spaces", "application/json", "  \n", 400, problem.CodeValidation, "body"},
		{"null", "application/json", `null`, 400, problem.CodeValidation, "body"},
		{"unknown field", "application/json", `{` + valid + `,"admin":true}`, 400, problem.CodeValidation, "admin"},
		{"unknown nested field", "application/json", `{"tags":[{"name":"a","colour":"red"}]}`, 400, problem.CodeValidation, "tags[0].colour"},
		{"case differs", "application/json", `{"Permission":"view"}`, 400, problem.CodeValidation, "Permission"},
		{"duplicate member", "application/json", `{"permission":"view","permission":"edit"}`, 400, problem.CodeValidation, "permission"},
		{"string for bool", "application/json", `{"notify":"yes"}`, 400, problem.CodeValidation, "notify"},
		{"number for string", "application/json", `{"permission":1}`, 400, problem.CodeValidation, "permission"},
		{"object for array", "application/json", `{"tags":{}}`, 400, problem.CodeValidation, "tags"},
		{"nested wrong type", "application/json", `{"tags":[{"name":"a"},{"name":2}]}`, 400, problem.CodeValidation, "tags[1].name"},
		{"out of range", "application/json", `{"tags":[{"level":1000}]}`, 400, problem.CodeValidation, "tags[0].level"},
		{"malformed uuid", "application/json", `{"customer_id":"not-a-uuid"}`, 400, problem.CodeValidation, "customer_id"},
		{"malformed optional uuid", "application/json", `{"document_id":"123"}`, 400, problem.CodeValidation, "document_id"},
		{"malformed time", "application/json", `{"expires_at":"tomorrow"}`, 400, problem.CodeValidation, "expires_at"},
		{"syntax error", "application/json", `{"permission":"view",}`, 400, problem.CodeValidation, "body"},
		{"truncated", "application/json", `{"permission":"vi`, 400, problem.CodeValidation, "body"},
		{"trailing data", "application/json", `{} {}`, 400, problem.CodeValidation, "body"},
		{"trailing garbage", "application/json", `{}x`, 400, problem.CodeValidation, "body"},
		{"invalid utf-8", "application/json", "{\"permission\":\"vi\xffew\"}", 400, problem.CodeValidation, "body"},
		{"top-level array", "application/json", `[]`, 400, problem.CodeValidation, "body"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			resp, b := do(t, newRequest(t, http.MethodPost, url, tc.contentType, strings.NewReader(tc.body)))
			wantProblem(t, resp, b, tc.status, tc.code, tc.field)
		})
	}
}

func TestDecodeJSONDetailsDoNotEchoValues(t *testing.T) {
	t.Parallel()
	url := decodeServer(t, 0)
	resp, b := do(t, newRequest(t, http.MethodPost, url, "application/json", strings.NewReader(`{"customer_id":"<script>secret</script>"}`)))
	p := wantProblem(t, resp, b, 400, problem.CodeValidation, "customer_id")
	if strings.Contains(p.Detail, "secret") {
		t.Fatalf("detail echoes the input: %q", p.Detail)
	}
}

// FuzzDecodeJSON: any body either decodes or fails as a *problem.Problem (never
// another error, never a panic), and a 400 always names a field.
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{
		`{}`, `{"customer_id":"` + uuid.Nil.String() + `"}`, `{"tags":[{"name":"x","level":1}]}`,
		`{"a":1}`, `null`, ``, `{"permission":"a","permission":"b"}`, "\xff", `{"tags":[{}]}`,
		`{"expires_at":"2030-01-01T00:00:00Z"}`, `[1,2]`, `{} {}`, `{"notify":tru}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var in createShare
		err := web.Unmarshal(body, &in)
		if err == nil {
			return
		}
		var p *problem.Problem
		if !errors.As(err, &p) {
			t.Fatalf("%q: non-problem error %v", body, err)
		}
		if p.Status != http.StatusBadRequest || p.Code != problem.CodeValidation || p.Field == "" {
			t.Fatalf("%q: %+v", body, p)
		}
		if strings.IndexFunc(p.Field+p.Detail, unicode.IsControl) >= 0 || len(p.Field) > 64 {
			t.Fatalf("%q: field %q detail %q carry control characters or run long", body, p.Field, p.Detail)
		}
	})
}

// ownTransport is a client on a transport of its own: httptest.Server.Close closes
// the idle connections of http.DefaultTransport, breaking the requests of tests
// running in parallel.
var ownTransport = &http.Client{Transport: &http.Transport{}}
