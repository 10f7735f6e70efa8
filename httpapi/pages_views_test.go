package httpapi

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// viewPage is the part of a paginated view these tests look at.
type viewPage struct {
	Folders []struct {
		Name string `json:"name"`
	} `json:"folders"`
	Documents []struct {
		Name string `json:"name"`
	} `json:"documents"`
	Items      []json.RawMessage `json:"items"`
	NextCursor *string           `json:"next_cursor"`
}

// walk follows next_cursor from path with ?limit=limit and returns the folder
// names, document names and items of every page, in order, and the page count.
func walk(t *testing.T, ts *testServer, who *account, path string, limit int) (folders, docs []string, items []json.RawMessage, pages int) {
	t.Helper()
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	url := path + sep + "limit=" + strconv.Itoa(limit)
	for pages = 1; pages < 100; pages++ {
		p := readOK[viewPage](t, ts, who, url)
		if n := len(p.Folders) + len(p.Documents) + len(p.Items); n > limit || (n == 0 && p.NextCursor != nil) {
			t.Fatalf("%s: page %d holds %d items (limit %d), next %v", path, pages, n, limit, p.NextCursor)
		}
		for _, f := range p.Folders {
			folders = append(folders, f.Name)
		}
		for _, d := range p.Documents {
			docs = append(docs, d.Name)
		}
		items = append(items, p.Items...)
		if p.NextCursor == nil {
			return folders, docs, items, pages
		}
		url = path + sep + "limit=" + strconv.Itoa(limit) + "&cursor=" + *p.NextCursor
	}
	t.Fatalf("%s: endless pages", path)
	return
}

// TestViewsArePaginated: folder views, portal listings (the customer's and the
// provider's view of them) and a document's access history answer at most
// ?limit= items with next_cursor; walking the pages gives exactly the whole
// view, in order (folders first, then documents).
func TestViewsArePaginated(t *testing.T) {
	t.Parallel()
	ts := newReadServer(t, nil)
	provider := ts.signupCompany(t, "Paged Provider")
	customerCo := ts.signupCompany(t, "Paged Customer")
	c := ts.connect(t, provider, customerCo)
	top := ts.folder(t, provider, `{"name":"Shared"}`)
	for _, n := range []string{"c-sub", "a-sub", "b-sub"} {
		ts.folder(t, provider, `{"name":"`+n+`","parent_id":"`+top.ID.String()+`"}`)
	}
	var firstDoc documentResponse
	for i, n := range []string{"d4.txt", "d2.txt", "d1.txt", "d3.txt"} {
		d := ts.document(t, provider, top.ID, n, "content "+n)
		if i == 2 {
			firstDoc = d
		}
	}
	wantFolders := []string{"a-sub", "b-sub", "c-sub"}
	wantDocs := []string{"d1.txt", "d2.txt", "d3.txt", "d4.txt"}
	check := func(what string, folders, docs []string, pages, wantPages int) {
		t.Helper()
		if !slices.Equal(folders, wantFolders) || !slices.Equal(docs, wantDocs) || pages != wantPages {
			t.Fatalf("%s: folders %v documents %v in %d pages (want %d)", what, folders, docs, pages, wantPages)
		}
	}

	folderPath := "/api/v1/folders/" + top.ID.String()
	for limit, wantPages := range map[int]int{1: 7, 2: 4, 3: 3, 7: 1, 50: 1} {
		f, d, _, pages := walk(t, ts, &provider, folderPath, limit)
		check("folder view, limit "+strconv.Itoa(limit), f, d, pages, wantPages)
	}
	if p := readOK[viewPage](t, ts, &provider, folderPath); len(p.Folders) != 3 || len(p.Documents) != 4 || p.NextCursor != nil {
		t.Fatalf("default page %+v", p)
	}
	before := countEvents(t, ts)
	expectInvalid(t, ts, "limit too large", ts.read(t, &provider, folderPath+"?limit=501"), "limit", before)
	expectInvalid(t, ts, "forged cursor", ts.read(t, &provider, folderPath+"?cursor=eyJuIjoiYSJ9"), "cursor", before)
	// A cursor of another list is refused too.
	p := readOK[viewPage](t, ts, &provider, folderPath+"?limit=1")
	expectInvalid(t, ts, "another list's cursor", ts.read(t, &provider, "/api/v1/customers/"+c.ID.String()+"/portal-view?cursor="+*p.NextCursor), "cursor", before)

	// The customer sees the folder through a share; the provider sees the same.
	expectWritten(t, "share", ts.send(t, &provider, "POST", "/api/v1/shares",
		`{"customer_id":"`+c.ID.String()+`","folder_id":"`+top.ID.String()+`","permission":"view"}`), 201)
	portal := "/api/v1/portal/providers/" + provider.CompanyID.String() + "/documents?folder_id=" + top.ID.String()
	f, d, _, pages := walk(t, ts, &customerCo, portal, 2)
	check("portal listing", f, d, pages, 4)
	f, d, _, pages = walk(t, ts, &provider, "/api/v1/customers/"+c.ID.String()+"/portal-view?folder_id="+top.ID.String(), 3)
	check("customer portal view", f, d, pages, 3)
	_, d, _, pages = walk(t, ts, &customerCo, "/api/v1/portal/providers/"+provider.CompanyID.String()+"/documents?flat=true", 3)
	if !slices.Equal(d, wantDocs) || pages != 2 {
		t.Fatalf("flat listing %v in %d pages", d, pages)
	}

	// The access history of a document with a link opened five times.
	a := ts.send(t, &provider, "POST", "/api/v1/documents/"+firstDoc.ID.String()+"/links", `{}`)
	expectWritten(t, "link", a, 201)
	token := linkToken(t, decodeAs[linkResponse](t, a))
	for range 5 {
		expect(t, "open", ts.open(t, "/l/"+token+"/content", ""), 200, "")
	}
	access := "/api/v1/audit/documents/" + firstDoc.ID.String() + "/access"
	_, _, all, pages := walk(t, ts, &provider, access, 500)
	_, _, paged, n := walk(t, ts, &provider, access, 2)
	if pages != 1 || len(all) < 8 || n != (len(all)+1)/2 || len(paged) != len(all) {
		t.Fatalf("access history: %d events on one page, %d in %d pages of 2", len(all), len(paged), n)
	}
	var last int64
	opens := 0
	for i := range all {
		if string(all[i]) != string(paged[i]) {
			t.Fatalf("event %d differs between pages:\n%s\n%s", i, all[i], paged[i])
		}
		var e struct {
			Position int64  `json:"position"`
			Type     string `json:"type"`
		}
		if err := json.Unmarshal(all[i], &e); err != nil || e.Position <= last {
			t.Fatalf("event %d out of order: %s", i, all[i])
		}
		last = e.Position
		if e.Type == "LinkOpened" {
			opens++
		}
	}
	if opens != 5 {
		t.Fatalf("access history shows %d opens, want 5", opens)
	}
}
