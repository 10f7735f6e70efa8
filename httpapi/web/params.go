package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/sharehub/sharehub/httpapi/problem"
)

// PathUUID parses the chi path parameter name as a UUID (400 naming it otherwise).
func PathUUID(r *http.Request, name string) (uuid.UUID, error) {
	return parseUUID(name, chi.URLParam(r, name))
}

// QueryUUID parses an optional query parameter as a UUID; ok is false when absent
// or empty.
func QueryUUID(r *http.Request, name string) (id uuid.UUID, ok bool, err error) {
	v, ok, err := queryOne(r, name)
	if err != nil || !ok {
		return uuid.Nil, false, err
	}
	id, err = parseUUID(name, v)
	return id, err == nil, err
}

// parseUUID accepts only the canonical 36-character form: the other spellings
// uuid.Parse tolerates (braces, urn: prefix) would give one resource several URLs.
func parseUUID(name, v string) (uuid.UUID, error) {
	if len(v) != 36 {
		return uuid.Nil, problem.Validation(name, "must be a UUID")
	}
	id, err := uuid.Parse(v)
	if err != nil {
		return uuid.Nil, problem.Validation(name, "must be a UUID")
	}
	return id, nil
}

// QueryBool parses an optional boolean query parameter ("true" or "false").
func QueryBool(r *http.Request, name string) (v, ok bool, err error) {
	s, ok, err := queryOne(r, name)
	if err != nil || !ok {
		return false, false, err
	}
	switch s {
	case "true":
		return true, true, nil
	case "false":
		return false, true, nil
	}
	return false, false, problem.Validation(name, "must be true or false")
}

// QueryInt64 parses an optional integer query parameter within [lo, hi].
func QueryInt64(r *http.Request, name string, lo, hi int64) (v int64, ok bool, err error) {
	s, ok, err := queryOne(r, name)
	if err != nil || !ok {
		return 0, false, err
	}
	n, perr := strconv.ParseInt(s, 10, 64)
	if perr != nil || n < lo || n > hi {
		return 0, false, problem.Validation(name, "must be an integer from "+strconv.FormatInt(lo, 10)+" to "+strconv.FormatInt(hi, 10))
	}
	return n, true, nil
}

// QueryTime parses an optional RFC 3339 query parameter, in UTC.
func QueryTime(r *http.Request, name string) (t time.Time, ok bool, err error) {
	s, ok, err := queryOne(r, name)
	if err != nil || !ok {
		return time.Time{}, false, err
	}
	t, perr := time.Parse(time.RFC3339Nano, s)
	if perr != nil {
		return time.Time{}, false, problem.Validation(name, "must be an RFC 3339 date-time")
	}
	return t.UTC(), true, nil
}

// QueryText returns an optional free-text query parameter (a search term), trimmed,
// at most maxRunes long, without control characters.
func QueryText(r *http.Request, name string, maxRunes int) (string, error) {
	s, ok, err := queryOne(r, name)
	if err != nil || !ok {
		return "", err
	}
	s = strings.TrimSpace(s)
	switch {
	case !utf8.ValidString(s):
		return "", problem.Validation(name, "must be valid UTF-8")
	case utf8.RuneCountInString(s) > maxRunes:
		return "", problem.Validation(name, "must be at most "+strconv.Itoa(maxRunes)+" characters")
	case strings.IndexFunc(s, unicode.IsControl) >= 0:
		return "", problem.Validation(name, "must not contain control characters")
	}
	return s, nil
}

// QueryEnum returns an optional query parameter that must be one of allowed.
func QueryEnum(r *http.Request, name string, allowed ...string) (string, error) {
	s, ok, err := queryOne(r, name)
	if err != nil || !ok {
		return "", err
	}
	for _, a := range allowed {
		if s == a {
			return s, nil
		}
	}
	return "", problem.Validation(name, "must be one of "+strings.Join(allowed, ", "))
}

// queryOne returns a parameter given at most once: a repeated parameter is
// ambiguous, so it is refused rather than resolved silently.
func queryOne(r *http.Request, name string) (string, bool, error) {
	vs := r.URL.Query()[name]
	switch {
	case len(vs) == 0 || (len(vs) == 1 && vs[0] == ""):
		return "", false, nil
	case len(vs) > 1:
		return "", false, problem.Validation(name, "must be given at most once")
	}
	return vs[0], true, nil
}
