package web

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/sharehub/sharehub/httpapi/problem"
)

// Pagination bounds (API.md: ?limit= default 50, max 500).
const (
	DefaultLimit = 50
	MaxLimit     = 500
)

// List is the envelope of every list answer. Items is never null; NextCursor is
// null on the last page.
type List[T any] struct {
	Items      []T     `json:"items"`
	NextCursor *string `json:"next_cursor"`
}

// NewList builds the envelope; next "" means there is no further page.
func NewList[T any](items []T, next string) List[T] {
	if items == nil {
		items = []T{}
	}
	l := List[T]{Items: items}
	if next != "" {
		l.NextCursor = &next
	}
	return l
}

// Page is what a list request asks for: at most Limit items after Cursor (raw, still
// to be opened with a Cursors codec; "" for the first page).
type Page struct {
	Limit  int
	Cursor string
}

// ParsePage reads ?limit= (1..500, default 50) and ?cursor=.
func ParsePage(r *http.Request) (Page, error) {
	p := Page{Limit: DefaultLimit}
	s, ok, err := queryOne(r, "limit")
	if err != nil {
		return Page{}, err
	}
	if ok {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > MaxLimit {
			return Page{}, problem.Validation("limit", fmt.Sprintf("must be an integer from 1 to %d", MaxLimit))
		}
		p.Limit = n
	}
	if p.Cursor, _, err = queryOne(r, "cursor"); err != nil {
		return Page{}, err
	}
	return p, nil
}

// Cursors seals and opens next_cursor values. A cursor is base64url of a small JSON
// document followed by an HMAC-SHA256 tag over the list's scope and that document,
// so a client can hand one back but cannot forge or edit it, nor reuse one list's
// cursor on another: anything else is 400 validation_failed naming "cursor".
//
// The key must be shared by every replica serving the same clients; a process
// without a configured key uses a random one (cursors then die with the process).
type Cursors struct {
	key []byte
}

const cursorTagLen = 16 // 128-bit tag: forging is out of reach, cursors stay short

// NewCursors returns a codec keyed with key (nil: a random key).
func NewCursors(key []byte) (*Cursors, error) {
	if len(key) == 0 {
		key = make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return nil, fmt.Errorf("cursor key: %w", err)
		}
	} else if len(key) < 16 {
		return nil, errors.New("cursor key must be at least 16 bytes")
	}
	return &Cursors{key: bytes.Clone(key)}, nil
}

func (c *Cursors) tag(scope string, doc []byte) []byte {
	m := hmac.New(sha256.New, c.key)
	m.Write([]byte(scope))
	m.Write([]byte{0})
	m.Write(doc)
	return m.Sum(nil)[:cursorTagLen]
}

// Seal encodes v (any JSON-encodable position: {"after": 42}, a sort key and id)
// as the next_cursor of the list named scope (use the route pattern).
func (c *Cursors) Seal(scope string, v any) (string, error) {
	doc, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("seal cursor: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(append(doc, c.tag(scope, doc)...)), nil
}

// Open decodes a cursor sealed for scope into v. An empty cursor leaves v alone and
// reports false.
func (c *Cursors) Open(scope, cursor string, v any) (bool, error) {
	if cursor == "" {
		return false, nil
	}
	bad := problem.Validation("cursor", "is not a cursor this list issued")
	if len(cursor) > 4096 {
		return false, bad
	}
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil || len(raw) <= cursorTagLen {
		return false, bad
	}
	doc, tag := raw[:len(raw)-cursorTagLen], raw[len(raw)-cursorTagLen:]
	if !hmac.Equal(tag, c.tag(scope, doc)) {
		return false, bad
	}
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return false, bad // authentic but of another shape: an older version of the list
	}
	return true, nil
}

// PageOf cuts items fetched with LIMIT page.Limit+1 down to the page and seals the
// cursor after its last item with position (nil error and "" when this is the last
// page). Fetching one extra row tells whether a next page exists without counting.
func PageOf[T any](c *Cursors, scope string, items []T, limit int, position func(last T) any) (List[T], error) {
	if len(items) <= limit {
		return NewList(items, ""), nil
	}
	items = items[:limit]
	next, err := c.Seal(scope, position(items[len(items)-1]))
	if err != nil {
		return List[T]{}, err
	}
	return NewList(items, next), nil
}
