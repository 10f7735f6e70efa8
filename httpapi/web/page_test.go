package web_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/sharehub/sharehub/httpapi/problem"
	"github.com/sharehub/sharehub/httpapi/web"
)

type after struct {
	Position int64 `json:"after"`
}

// listServer serves the numbers 1..total as a paginated list, the way a handler over
// a read model would: LIMIT page.Limit+1 after the cursor's position.
func listServer(t *testing.T, total int) (string, *web.Cursors) {
	t.Helper()
	cursors, err := web.NewCursors(nil)
	if err != nil {
		t.Fatal(err)
	}
	r := chi.NewRouter()
	r.Get("/numbers", problem.Handler(func(w http.ResponseWriter, r *http.Request) error {
		page, err := web.ParsePage(r)
		if err != nil {
			return err
		}
		var from after
		if _, err := cursors.Open("/numbers", page.Cursor, &from); err != nil {
			return err
		}
		var rows []int64
		for n := from.Position + 1; n <= int64(total) && len(rows) < page.Limit+1; n++ {
			rows = append(rows, n)
		}
		list, err := web.PageOf(cursors, "/numbers", rows, page.Limit, func(last int64) any { return after{last} })
		if err != nil {
			return err
		}
		return web.WriteJSON(w, http.StatusOK, list)
	}))
	return serve(t, r).URL, cursors
}

func TestPaginationWalksEveryItemOnce(t *testing.T) {
	t.Parallel()
	url, _ := listServer(t, 7)
	var seen []int64
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 10 {
			t.Fatal("pagination does not end")
		}
		q := "?limit=3"
		if cursor != "" {
			q += "&cursor=" + cursor
		}
		resp, b := do(t, newRequest(t, http.MethodGet, url+"/numbers"+q, "", nil))
		if resp.StatusCode != 200 {
			t.Fatalf("%d %s", resp.StatusCode, b)
		}
		var l struct {
			Items      []int64         `json:"items"`
			NextCursor json.RawMessage `json:"next_cursor"`
		}
		if err := json.Unmarshal(b, &l); err != nil {
			t.Fatal(err)
		}
		seen = append(seen, l.Items...)
		if string(l.NextCursor) == "null" {
			break
		}
		if err := json.Unmarshal(l.NextCursor, &cursor); err != nil {
			t.Fatal(err)
		}
	}
	if fmt.Sprint(seen) != "[1 2 3 4 5 6 7]" {
		t.Fatalf("saw %v", seen)
	}
}

func TestEmptyListIsAnArrayAndNullCursor(t *testing.T) {
	t.Parallel()
	url, _ := listServer(t, 0)
	_, b := do(t, newRequest(t, http.MethodGet, url+"/numbers", "", nil))
	if strings.TrimSpace(string(b)) != `{"items":[],"next_cursor":null}` {
		t.Fatalf("got %s", b)
	}
}

func TestPageParametersAndCursorTampering(t *testing.T) {
	t.Parallel()
	url, cursors := listServer(t, 100)
	good, err := cursors.Seal("/numbers", after{10})
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := base64.RawURLEncoding.DecodeString(good)
	edited := []byte(strings.Replace(string(raw), "10", "90", 1))
	otherList, _ := cursors.Seal("/letters", after{10})
	otherKey, _ := web.NewCursors([]byte("0123456789abcdef0123456789abcdef"))
	foreign, _ := otherKey.Seal("/numbers", after{10})
	for _, tc := range []struct{ query, field string }{
		{"limit=0", "limit"}, {"limit=501", "limit"}, {"limit=-1", "limit"}, {"limit=ten", "limit"},
		{"limit=1&limit=2", "limit"},
		{"cursor=" + base64.RawURLEncoding.EncodeToString(edited), "cursor"},
		{"cursor=" + base64.RawURLEncoding.EncodeToString([]byte(`{"after":90}`)), "cursor"},
		{"cursor=" + otherList, "cursor"},
		{"cursor=" + foreign, "cursor"},
		{"cursor=!!!", "cursor"},
		{"cursor=" + good[:len(good)-2], "cursor"},
		{"cursor=" + strings.Repeat("A", 5000), "cursor"},
	} {
		resp, b := do(t, newRequest(t, http.MethodGet, url+"/numbers?"+tc.query, "", nil))
		wantProblem(t, resp, b, 400, problem.CodeValidation, tc.field)
	}
	resp, b := do(t, newRequest(t, http.MethodGet, url+"/numbers?limit=500&cursor="+good, "", nil))
	if resp.StatusCode != 200 || !strings.HasPrefix(string(b), `{"items":[11,`) {
		t.Fatalf("authentic cursor: %d %.40s", resp.StatusCode, b)
	}
}

// FuzzCursorOpen: whatever a client sends as a cursor opens only if it is exactly
// what was sealed, and otherwise fails as 400 naming "cursor".
func FuzzCursorOpen(f *testing.F) {
	cursors, err := web.NewCursors([]byte("fuzzing-key-0123456789"))
	if err != nil {
		f.Fatal(err)
	}
	sealed, _ := cursors.Seal("/x", after{42})
	for _, s := range []string{sealed, "", "e30", sealed + "A", "AAAA", strings.Repeat("_", 40)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, c string) {
		var v after
		ok, err := cursors.Open("/x", c, &v)
		if err != nil {
			var p *problem.Problem
			if !errors.As(err, &p) || p.Field != "cursor" || p.Status != 400 {
				t.Fatalf("%q: %v", c, err)
			}
			return
		}
		if ok && c != sealed && v.Position == 42 {
			// A different string opening to the same value would be a forgery unless
			// it is the same bytes in another base64 spelling, which RawURLEncoding
			// (strict padding-free) does not allow.
			raw1, _ := base64.RawURLEncoding.DecodeString(c)
			raw2, _ := base64.RawURLEncoding.DecodeString(sealed)
			if string(raw1) != string(raw2) {
				t.Fatalf("%q opened to the sealed value", c)
			}
		}
		if ok && v.Position != 42 {
			t.Fatalf("%q forged a cursor to %d", c, v.Position)
		}
	})
}

func TestParams(t *testing.T) {
	t.Parallel()
	r := chi.NewRouter()
	r.Get("/customers/{id}", problem.Handler(func(w http.ResponseWriter, r *http.Request) error {
		id, err := web.PathUUID(r, "id")
		if err != nil {
			return err
		}
		folder, haveFolder, err := web.QueryUUID(r, "folder_id")
		if err != nil {
			return err
		}
		flat, _, err := web.QueryBool(r, "flat")
		if err != nil {
			return err
		}
		asOf, _, err := web.QueryTime(r, "as_of")
		if err != nil {
			return err
		}
		after, _, err := web.QueryInt64(r, "after", 0, 1<<62)
		if err != nil {
			return err
		}
		q, err := web.QueryText(r, "q", 10)
		if err != nil {
			return err
		}
		status, err := web.QueryEnum(r, "status", "active", "paused")
		if err != nil {
			return err
		}
		return web.WriteJSON(w, 200, map[string]any{"id": id, "folder": folder, "have_folder": haveFolder,
			"flat": flat, "as_of": asOf, "after": after, "q": q, "status": status})
	}))
	url := serve(t, r).URL
	id := uuid.New()
	resp, b := do(t, newRequest(t, "GET", url+"/customers/"+id.String()+"?flat=true&q=+acme+&status=paused&as_of=2030-01-01T00:00:00%2B02:00&after=5", "", nil))
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"q":"acme"`) || !strings.Contains(string(b), `"as_of":"2029-12-31T22:00:00Z"`) ||
		!strings.Contains(string(b), `"have_folder":false`) {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	for _, tc := range []struct{ path, field string }{
		{"/customers/123", "id"},
		{"/customers/{" + id.String() + "}", "id"},
		{"/customers/urn:uuid:" + id.String(), "id"},
		{"/customers/" + id.String() + "?folder_id=x", "folder_id"},
		{"/customers/" + id.String() + "?flat=yes", "flat"},
		{"/customers/" + id.String() + "?as_of=yesterday", "as_of"},
		{"/customers/" + id.String() + "?after=-1", "after"},
		{"/customers/" + id.String() + "?q=" + strings.Repeat("x", 11), "q"},
		{"/customers/" + id.String() + "?q=a%00b", "q"},
		{"/customers/" + id.String() + "?status=revoked", "status"},
		{"/customers/" + id.String() + "?status=active&status=paused", "status"},
	} {
		resp, b := do(t, newRequest(t, "GET", url+tc.path, "", nil))
		wantProblem(t, resp, b, 400, problem.CodeValidation, tc.field)
	}
}
