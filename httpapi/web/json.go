// Package web holds the request and response helpers every sharehub handler uses:
// strict JSON decoding, JSON answers, path and query parameters, pagination with
// opaque cursors, streamed multipart uploads into the blob store, file downloads and
// the security headers of link answers.
//
// Every helper returns errors that package problem turns into the right answer
// (400 validation_failed naming the field, 413, 415); none writes an error itself.
// It may import eventstore/blobs and httpapi/problem; it must not import domain,
// handlers, routes, projections or pgx.
package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strings"
	"unicode/utf8"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/sharehub/sharehub/httpapi/problem"
)

// DefaultMaxJSONBytes bounds a JSON request body when the caller passes 0.
const DefaultMaxJSONBytes = 1 << 20

// DecodeJSON reads r's body into dst, strictly: the Content-Type must be
// application/json (charset, if given, utf-8; else 415), the body at most maxBytes
// (else 413), one JSON value (not null) in valid UTF-8 without duplicate member
// names, no member dst does not declare (names match exactly, case included), and
// every value of the declared type. Failures are *problem.Problem values naming the
// field as a dotted path ("items[0].name"), or "body" for the body as a whole.
//
// Decoding uses v2 semantics (github.com/go-json-experiment/json): unlike
// encoding/json it names the field of any failing value, uuid.UUID and time.Time
// included, and rejects duplicate and differently-cased names instead of silently
// picking one.
func DecodeJSON(w http.ResponseWriter, r *http.Request, dst any, maxBytes int64) error {
	if err := requireJSON(r.Header.Get("Content-Type")); err != nil {
		return err
	}
	if maxBytes <= 0 {
		maxBytes = DefaultMaxJSONBytes
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return problem.PayloadTooLarge(maxBytes)
		}
		return fmt.Errorf("read request body: %w", err)
	}
	return Unmarshal(body, dst)
}

func requireJSON(contentType string) error {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil || mt != "application/json" {
		return problem.UnsupportedMediaType("application/json")
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return problem.UnsupportedMediaType("application/json in UTF-8")
	}
	return nil
}

// Unmarshal is DecodeJSON's decoding step on a body already read.
func Unmarshal(body []byte, dst any) error {
	trimmed := bytes.TrimSpace(body)
	switch {
	case len(trimmed) == 0:
		return problem.Validation("body", "must not be empty")
	case !utf8.Valid(body):
		return problem.Validation("body", fmt.Sprintf("is not valid UTF-8 (byte %d)", invalidUTF8At(body)))
	case string(trimmed) == "null":
		return problem.Validation("body", "must be a JSON object")
	}
	err := jsonv2.Unmarshal(body, dst, jsonv2.RejectUnknownMembers(true))
	if err == nil {
		return nil
	}
	var syn *jsontext.SyntacticError
	if errors.As(err, &syn) {
		if errors.Is(syn.Err, jsontext.ErrDuplicateName) {
			return problem.Validation(fieldOf(syn.JSONPointer), "appears more than once")
		}
		return problem.Validation("body", fmt.Sprintf("is not well-formed JSON (at byte %d)", syn.ByteOffset))
	}
	var sem *jsonv2.SemanticError
	if errors.As(err, &sem) {
		field := fieldOf(sem.JSONPointer)
		switch {
		case errors.Is(sem.Err, jsonv2.ErrUnknownName):
			return problem.Validation(field, "is not a known field")
		case sem.GoType == nil:
			return problem.Validation(field, "is not acceptable")
		case sem.Err != nil:
			// Right JSON kind, unacceptable value (a malformed UUID or time, a number
			// out of range): say what is expected without echoing the value.
			return problem.Validation(field, "has an invalid value: must be "+describe(sem.GoType))
		default:
			return problem.Validation(field, "must be "+describe(sem.GoType))
		}
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return problem.Validation("body", "ends before the JSON value is complete")
	}
	// Only a programming error (dst not a pointer) gets here.
	return fmt.Errorf("decode JSON into %T: %w", dst, err)
}

// fieldOf turns a JSON Pointer ("/items/0/name") into the API's field spelling
// ("items[0].name"); the whole body is "body".
func fieldOf(p jsontext.Pointer) string {
	var b strings.Builder
	for tok := range p.Tokens() {
		if isIndex(tok) && b.Len() > 0 {
			b.WriteString("[" + tok + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(tok)
	}
	if b.Len() == 0 {
		return "body"
	}
	return safeFieldName(b.String()) // member names are client input
}

func isIndex(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// describe names the expected JSON shape of a Go type for a client.
func describe(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.String() {
	case "uuid.UUID":
		return "a UUID string"
	case "time.Time":
		return "an RFC 3339 date-time string"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "an integer in range"
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a non-negative integer in range"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return "of another type"
}

func invalidUTF8At(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(b)
}

// WriteJSON answers v as JSON with the status. Encoding failures are programming
// errors: they are returned before anything is written, so the caller's error
// path still answers with a problem.
func WriteJSON(w http.ResponseWriter, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode response: %w", err)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, err = w.Write(append(b, '\n'))
	return err
}
