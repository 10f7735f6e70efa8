package httpapi

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sharehub/sharehub/eventstore/blobs"
)

// blobDirServer is a test server whose blob folder the test can look into.
func blobDirServer(t *testing.T, adjust func(*Config)) (*testServer, string) {
	t.Helper()
	dir := t.TempDir()
	ts := newTestServer(t, func(c *Config) {
		b, err := blobs.New(blobs.Config{Root: dir})
		if err != nil {
			t.Fatal(err)
		}
		c.Blobs = b
		if adjust != nil {
			adjust(c)
		}
	}, nil)
	return ts, dir
}

// diskUsage counts the files below the blob folder and their bytes (temporary
// files included).
func diskUsage(t *testing.T, root string) (files int, size int64) {
	t.Helper()
	err := filepath.WalkDir(root, func(_ string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		files++
		size += info.Size()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files, size
}

// bigUpload sends a multipart body of fields (in order) and a file of n bytes,
// as a hostile client streams it; the server may answer before reading it all.
func (ts *testServer) bigUpload(t *testing.T, who *account, path string, fields [][2]string, fileFirst bool, n int) answer {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	file := func() {
		fw, err := mw.CreateFormFile("file", "flood.bin")
		if err != nil {
			t.Fatal(err)
		}
		_, _ = fw.Write(bytes.Repeat([]byte("x"), n))
	}
	if fileFirst {
		file()
	}
	for _, f := range fields {
		if err := mw.WriteField(f[0], f[1]); err != nil {
			t.Fatal(err)
		}
	}
	if !fileFirst {
		file()
	}
	_ = mw.Close()
	req, err := http.NewRequestWithContext(ctxFor(t), "POST", ts.url+path, &body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header = who.bearer()
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := ts.client.Do(req)
	if err != nil {
		// The server may close the connection once it answered without reading
		// the rest of a refused body; what matters is what it stored.
		if strings.Contains(err.Error(), "connection reset") || strings.Contains(err.Error(), "broken pipe") {
			return answer{status: -1}
		}
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

// TestUploadsIntoForeignTargetsStoreNothing: 5 MB uploads into another
// provider's folder, as a new version of its document, into a portal the company
// is no customer of, and with the target after the file part: each is refused
// before the file reaches the disk, and nothing is appended.
func TestUploadsIntoForeignTargetsStoreNothing(t *testing.T) {
	t.Parallel()
	ts, dir := blobDirServer(t, nil)
	w := newSharingWorld(t, ts)
	filesBefore, bytesBefore := diskUsage(t, dir)
	events := countEvents(t, ts)
	const size = 5 << 20
	folder := [][2]string{{"folder_id", w.folder.ID.String()}}
	for _, tc := range []struct {
		name, path string
		fields     [][2]string
		fileFirst  bool
		status     int
		code       string
	}{
		{"into a foreign folder", "/api/v1/documents", folder, false, 404, "not_found"},
		{"a version of a foreign document", "/api/v1/documents/" + w.doc.ID.String() + "/versions", nil, false, 404, "not_found"},
		{"into a portal it is no customer of", "/api/v1/portal/providers/" + w.provider.CompanyID.String() + "/documents", nil, false, 404, "not_found"},
		{"into a foreign portal folder", "/api/v1/portal/providers/" + w.provider.CompanyID.String() + "/documents", folder, false, 404, "not_found"},
		{"without a folder before the file", "/api/v1/documents", nil, false, 400, "validation_failed"},
	} {
		a := ts.bigUpload(t, &w.intruder, tc.path, tc.fields, tc.fileFirst, size)
		if a.status != -1 {
			expect(t, tc.name, a, tc.status, tc.code)
		}
	}
	// Its own folder, but the folder named after the file: refused, as the file
	// was streamed before its target was known.
	own := ts.folder(t, w.intruder, `{"name":"Mine"}`)
	a := ts.bigUpload(t, &w.intruder, "/api/v1/documents", [][2]string{{"folder_id", own.ID.String()}}, true, 1000)
	expect(t, "folder after the file", a, 400, "validation_failed")
	if !strings.Contains(a.body, "folder_id") {
		t.Fatalf("the field is not named: %s", a.body)
	}
	events++ // the folder
	if files, n := diskUsage(t, dir); files != filesBefore || n != bytesBefore {
		t.Fatalf("refused uploads left %d files, %d bytes on disk (before: %d, %d)", files-filesBefore, n-bytesBefore, filesBefore, bytesBefore)
	}
	if countEvents(t, ts) != events {
		t.Fatal("a refused upload appended")
	}
	// The rightful owner still uploads, folder first.
	expectWritten(t, "own upload", ts.upload(t, &w.provider, "/api/v1/documents", map[string]string{"folder_id": w.folder.ID.String()}, "ok.txt", "fine"), 201)
}

// TestUploadQuota: QUOTA_BYTES bounds what a company's library holds; over it,
// 507 quota_exceeded, nothing appended; other companies are not affected.
func TestUploadQuota(t *testing.T) {
	t.Parallel()
	ts, _ := blobDirServer(t, func(c *Config) { c.QuotaBytes = 100 })
	provider := ts.signupCompany(t, "Quota Ltd")
	other := ts.signupCompany(t, "Other Ltd")
	f := ts.folder(t, provider, `{"name":"Files"}`)
	doc := ts.document(t, provider, f.ID, "a.txt", strings.Repeat("a", 60))
	before := countEvents(t, ts)
	a := ts.upload(t, &provider, "/api/v1/documents", map[string]string{"folder_id": f.ID.String()}, "b.txt", strings.Repeat("b", 41))
	expect(t, "over the quota", a, 507, "quota_exceeded")
	a = ts.upload(t, &provider, "/api/v1/documents/"+doc.ID.String()+"/versions", nil, "a2.txt", strings.Repeat("c", 41))
	expect(t, "a version over the quota", a, 507, "quota_exceeded")
	expectUnchanged(t, ts, "over the quota", before)
	expectWritten(t, "up to the quota", ts.upload(t, &provider, "/api/v1/documents", map[string]string{"folder_id": f.ID.String()}, "c.txt", strings.Repeat("c", 40)), 201)
	// Used up: refused before the body is read, whatever its size.
	before = countEvents(t, ts)
	expect(t, "quota used up", ts.upload(t, &provider, "/api/v1/documents", map[string]string{"folder_id": f.ID.String()}, "d.txt", "d"), 507, "quota_exceeded")
	expectUnchanged(t, ts, "quota used up", before)
	of := ts.folder(t, other, `{"name":"Theirs"}`)
	expectWritten(t, "another company", ts.upload(t, &other, "/api/v1/documents", map[string]string{"folder_id": of.ID.String()}, "e.txt", strings.Repeat("e", 90)), 201)
}
