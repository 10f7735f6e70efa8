package httpapi

import (
	"archive/zip"
	"bytes"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"
)

// zipEntry is one file of an archive answer.
type zipEntry struct {
	Name    string
	Method  uint16
	Content string
}

// readZip opens an archive answer, failing the test unless it is a whole ZIP.
func readZip(t *testing.T, what string, a answer) []zipEntry {
	t.Helper()
	if a.status != 200 || a.header.Get("Content-Type") != "application/zip" {
		t.Fatalf("%s: %d %s %.300s", what, a.status, a.header.Get("Content-Type"), a.body)
	}
	zr, err := zip.NewReader(bytes.NewReader([]byte(a.body)), int64(len(a.body)))
	if err != nil {
		t.Fatalf("%s: not a ZIP: %v", what, err)
	}
	var out []zipEntry
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatalf("%s: %s: %v", what, f.Name, err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatalf("%s: %s: %v", what, f.Name, err)
		}
		out = append(out, zipEntry{f.Name, f.Method, string(b)})
	}
	return out
}

func zipNames(es []zipEntry) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.Name)
	}
	return out
}

// archiveWorld: a provider with two customers. Carla's portal shows "Year end"
// (shared folder, with a subfolder and a hidden-from-her sibling folder);
// Otto's shows "Otto only".
type archiveWorld struct {
	s                   *story
	provider            account
	carla, otto         account
	carlaID, ottoID     uuid.UUID
	yearEnd, sub, other folderResponse
	statement           documentResponse
}

func newArchiveWorld(t *testing.T, adjust func(*Config)) archiveWorld {
	t.Helper()
	s := newStory(t, adjust)
	w := archiveWorld{s: s, provider: s.signup("Jarvis Accounting")}
	inv := storyWrite[customerResponse](s, "invite carla", 201, &w.provider, "POST", "/api/v1/customers/invitations",
		`{"company_name":"Client Bakery","contact_name":"Carla Client","email":"carla@bakery.test"}`)
	w.carla, w.carlaID = s.accept(inv.InvitationURL, "Carla Client"), inv.ID
	inv = storyWrite[customerResponse](s, "invite otto", 201, &w.provider, "POST", "/api/v1/customers/invitations",
		`{"company_name":"Other Co","contact_name":"Otto Other","email":"otto@other.test"}`)
	w.otto, w.ottoID = s.accept(inv.InvitationURL, "Otto Other"), inv.ID

	w.yearEnd = s.newFolder(w.provider, `{"name":"Year end"}`)
	w.sub = s.newFolder(w.provider, `{"name":"Scans","parent_id":"`+w.yearEnd.ID.String()+`"}`)
	w.other = s.newFolder(w.provider, `{"name":"Otto only"}`)
	w.statement = s.newDocument(w.provider, w.yearEnd.ID, "statement.pdf", "%PDF-1.4 statement")
	s.newDocument(w.provider, w.yearEnd.ID, "notes.txt", strings.Repeat("notes ", 100))
	s.newDocument(w.provider, w.sub.ID, "scan.png", "\x89PNG\r\n\x1a\n scan")
	s.newDocument(w.provider, w.other.ID, "otto.pdf", "%PDF for otto")
	s.share(w.provider, w.carlaID, "folder_id", w.yearEnd.ID, "view")
	s.share(w.provider, w.ottoID, "folder_id", w.other.ID, "view")
	return w
}

func (w archiveWorld) archivePath(folder uuid.UUID) string {
	return "/api/v1/portal/providers/" + w.provider.CompanyID.String() + "/folders/" + folder.String() + "/archive"
}

// TestPortalArchiveStreamsWhatThePortalShows: the ZIP holds the visible
// documents below the folder under their portal names, deflates text and stores
// PDFs and images, and records one DocumentDownloaded (via archive) per file.
func TestPortalArchiveStreamsWhatThePortalShows(t *testing.T) {
	t.Parallel()
	w := newArchiveWorld(t, nil)
	before := countEventsOfType(t, w.s.ts, "DocumentDownloaded")
	a := w.s.get(&w.carla, w.archivePath(w.yearEnd.ID))
	entries := readZip(t, "carla's archive", a)
	if got := zipNames(entries); !slices.Equal(got, []string{"Year end/Scans/scan.png", "Year end/notes.txt", "Year end/statement.pdf"}) {
		t.Fatalf("entries %v", got)
	}
	for _, e := range entries {
		wantMethod := zip.Store
		if strings.HasSuffix(e.Name, ".txt") {
			wantMethod = zip.Deflate
		}
		if e.Method != wantMethod {
			t.Errorf("%s: method %d, want %d", e.Name, e.Method, wantMethod)
		}
	}
	if entries[2].Content != "%PDF-1.4 statement" || !strings.HasPrefix(a.header.Get("Content-Disposition"), `attachment; filename="Year end.zip"`) {
		t.Fatalf("statement %q, disposition %q", entries[2].Content, a.header.Get("Content-Disposition"))
	}
	if n := countEventsOfType(t, w.s.ts, "DocumentDownloaded") - before; n != 3 {
		t.Fatalf("%d downloads recorded, want 3", n)
	}
	var via int
	if err := w.s.ts.pool.QueryRow(ctxFor(t), `SELECT count(*) FROM events WHERE event_type = 'DocumentDownloaded' AND payload->>'via' = 'archive'`).Scan(&via); err != nil || via != 3 {
		t.Fatalf("downloads via archive: %d, %v", via, err)
	}
	// A subfolder alone.
	if got := zipNames(readZip(t, "subfolder", w.s.get(&w.carla, w.archivePath(w.sub.ID)))); !slices.Equal(got, []string{"Scans/scan.png"}) {
		t.Fatalf("subfolder entries %v", got)
	}
}

// TestPortalArchiveRefusesWhatThePortalDoesNotShow: another customer's folder,
// the provider's unshared folder, an unknown one, a folder of another provider
// and a paused customer's portal all answer 404 and record nothing; staff of the
// provider are not portal users of it.
func TestPortalArchiveRefusesWhatThePortalDoesNotShow(t *testing.T) {
	t.Parallel()
	w := newArchiveWorld(t, nil)
	hidden := w.s.newFolder(w.provider, `{"name":"Internal"}`)
	w.s.newDocument(w.provider, hidden.ID, "salaries.pdf", "%PDF salaries")
	stranger := w.s.signup("Stranger Ltd")
	before := countEvents(t, w.s.ts)
	for what, path := range map[string]string{
		"otto's folder":   w.archivePath(w.other.ID),
		"unshared folder": w.archivePath(hidden.ID),
		"unknown folder":  w.archivePath(uuid.New()),
		"wrong provider":  "/api/v1/portal/providers/" + stranger.CompanyID.String() + "/folders/" + w.yearEnd.ID.String() + "/archive",
	} {
		a := w.s.get(&w.carla, path)
		if a.status != 404 || strings.Contains(a.body, "PK") {
			t.Fatalf("%s: %d %.200s", what, a.status, a.body)
		}
	}
	a := w.s.get(&stranger, w.archivePath(w.yearEnd.ID))
	if a.status != 404 && a.status != 403 {
		t.Fatalf("a stranger: %d %.200s", a.status, a.body)
	}
	expect(t, "bad folder id", w.s.get(&w.carla, "/api/v1/portal/providers/"+w.provider.CompanyID.String()+"/folders/x/archive"), 400, "validation_failed")
	if countEvents(t, w.s.ts) != before {
		t.Fatal("a refused archive appended")
	}

	w.s.write("pause carla", 200, &w.provider, "POST", "/api/v1/customers/"+w.carlaID.String()+"/pause", "")
	before = countEvents(t, w.s.ts)
	if a := w.s.get(&w.carla, w.archivePath(w.yearEnd.ID)); a.status != 404 || a.header.Get("Content-Type") == "application/zip" {
		t.Fatalf("paused: %d %.200s", a.status, a.body)
	}
	if countEvents(t, w.s.ts) != before {
		t.Fatal("a paused customer's archive appended")
	}
}

// TestPortalArchiveTooLarge: over MAX_ARCHIVE_BYTES the answer is 413 problem
// before anything is streamed or recorded.
func TestPortalArchiveTooLarge(t *testing.T) {
	t.Parallel()
	w := newArchiveWorld(t, func(c *Config) { c.MaxArchiveBytes = 100 })
	before := countEvents(t, w.s.ts)
	a := w.s.get(&w.carla, w.archivePath(w.yearEnd.ID))
	expect(t, "too large", a, 413, "payload_too_large")
	if a.header.Get("Content-Disposition") != "" || countEvents(t, w.s.ts) != before {
		t.Fatalf("a refused archive began or appended: %v", a.header)
	}
	// Below the limit the subfolder still comes.
	readZip(t, "small subfolder", w.s.get(&w.carla, w.archivePath(w.sub.ID)))
}
