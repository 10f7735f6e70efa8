package httpapi

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"mime/multipart"
	"testing"

	"github.com/google/uuid"
)

func TestFoldersAndDocuments(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil, nil)
	provider := ts.signupCompany(t, "Provider Ltd")
	customer := ts.signupCompany(t, "Customer GmbH")
	intruder := ts.signupCompany(t, "Intruder Inc")
	c := ts.connect(t, provider, customer)

	root := ts.folder(t, provider, `{"name":"Manuals"}`)
	if root.Name != "Manuals" || root.ParentID != nil || root.CustomerID != nil || root.CreatedAt.IsZero() {
		t.Fatalf("root folder %+v", root)
	}
	sub := ts.folder(t, provider, `{"name":"2030","parent_id":"`+root.ID.String()+`"}`)
	if sub.ParentID == nil || *sub.ParentID != root.ID {
		t.Fatalf("sub folder %+v", sub)
	}
	ws := ts.folder(t, provider, `{"name":"Contracts","customer_id":"`+c.ID.String()+`"}`)
	if ws.CustomerID == nil || *ws.CustomerID != c.ID || ws.ParentID == nil || *ws.ParentID != c.WorkspaceFolderID {
		t.Fatalf("workspace folder %+v", ws)
	}
	before := countEvents(t, ts)
	expectInvalid(t, ts, "folder without name", ts.send(t, &provider, "POST", "/api/v1/folders", `{"name":""}`), "name", before)
	expectInvalid(t, ts, "folder name with slash", ts.send(t, &provider, "POST", "/api/v1/folders", `{"name":"a/b"}`), "name", before)
	expectInvalid(t, ts, "folder parent not uuid", ts.send(t, &provider, "POST", "/api/v1/folders", `{"name":"x","parent_id":"7"}`), "parent_id", before)
	expect(t, "intruder's folder under ours", ts.send(t, &intruder, "POST", "/api/v1/folders", `{"name":"x","parent_id":"`+root.ID.String()+`"}`), 404, "not_found")
	expect(t, "intruder's folder in our customer", ts.send(t, &intruder, "POST", "/api/v1/folders", `{"name":"x","customer_id":"`+c.ID.String()+`"}`), 404, "not_found")
	expectUnchanged(t, ts, "intruder folders", before)

	// Upload: streamed into blob storage, described by the answer.
	content := "%PDF-1.4 the manual"
	sum := sha256.Sum256([]byte(content))
	a := ts.upload(t, &provider, "/api/v1/documents", map[string]string{"folder_id": sub.ID.String(), "hidden": "true"}, "manual.pdf", content)
	expectWritten(t, "upload", a, 201)
	doc := decodeAs[documentResponse](t, a)
	if doc.ID == uuid.Nil || doc.Name != "manual.pdf" || doc.FolderID != sub.ID || doc.Version != 1 || doc.Size != int64(len(content)) ||
		doc.SHA256 != hex.EncodeToString(sum[:]) || doc.MediaType == "" || !doc.Hidden || doc.CustomerID != nil {
		t.Fatalf("document %+v", doc)
	}
	named := ts.upload(t, &provider, "/api/v1/documents", map[string]string{"folder_id": ws.ID.String(), "name": "Contract 2030"}, "c.txt", "terms")
	expectWritten(t, "upload with name", named, 201)
	if d := decodeAs[documentResponse](t, named); d.Name != "Contract 2030" || d.CustomerID == nil || *d.CustomerID != c.ID {
		t.Fatalf("named document %+v", d)
	}
	before = countEvents(t, ts)
	expectInvalid(t, ts, "upload without folder", ts.upload(t, &provider, "/api/v1/documents", nil, "a.txt", "x"), "folder_id", before)
	expectInvalid(t, ts, "upload without file", ts.upload(t, &provider, "/api/v1/documents", map[string]string{"folder_id": sub.ID.String()}, "-", ""), "file", before)
	expectInvalid(t, ts, "upload with unknown part", ts.upload(t, &provider, "/api/v1/documents", map[string]string{"folder_id": sub.ID.String(), "owner": "me"}, "a.txt", "x"), "owner", before)
	expectInvalid(t, ts, "upload hidden not bool", ts.upload(t, &provider, "/api/v1/documents", map[string]string{"folder_id": sub.ID.String(), "hidden": "yes"}, "a.txt", "x"), "hidden", before)
	expectInvalid(t, ts, "upload folder not uuid", ts.upload(t, &provider, "/api/v1/documents", map[string]string{"folder_id": "12"}, "a.txt", "x"), "folder_id", before)
	expect(t, "upload as JSON", ts.send(t, &provider, "POST", "/api/v1/documents", `{"folder_id":"`+sub.ID.String()+`"}`), 415, "unsupported_media_type")
	expect(t, "intruder uploads into our folder", ts.upload(t, &intruder, "/api/v1/documents", map[string]string{"folder_id": sub.ID.String()}, "a.txt", "x"), 404, "not_found")
	expectUnchanged(t, ts, "refused uploads", before)

	// Versions.
	versions := "/api/v1/documents/" + doc.ID.String() + "/versions"
	a = ts.upload(t, &provider, versions, nil, "manual-v2.pdf", "%PDF-1.4 the manual, second edition")
	expectWritten(t, "add version", a, 201)
	if v := decodeAs[documentResponse](t, a); v.ID != doc.ID || v.Version != 2 || v.Hidden || v.SHA256 == doc.SHA256 {
		t.Fatalf("version %+v", v)
	}
	before = countEvents(t, ts)
	expectInvalid(t, ts, "version hidden not bool", ts.upload(t, &provider, versions, map[string]string{"hidden": "1"}, "x", "x"), "hidden", before)
	expectInvalid(t, ts, "version: bad document id", ts.upload(t, &provider, "/api/v1/documents/x/versions", nil, "x", "x"), "id", before)
	expect(t, "intruder adds a version", ts.upload(t, &intruder, versions, nil, "x", "x"), 404, "not_found")
	expectUnchanged(t, ts, "refused versions", before)

	a = ts.send(t, &provider, "PUT", versions+"/1/visibility", `{"visible":true}`)
	expectWritten(t, "publish version 1", a, 200)
	if v := decodeAs[versionVisibilityResponse](t, a); v.DocumentID != doc.ID || v.Version != 1 || !v.Visible {
		t.Fatalf("visibility %+v", v)
	}
	before = countEvents(t, ts)
	expectInvalid(t, ts, "visibility without visible", ts.send(t, &provider, "PUT", versions+"/1/visibility", `{}`), "visible", before)
	expectInvalid(t, ts, "version 0", ts.send(t, &provider, "PUT", versions+"/0/visibility", `{"visible":true}`), "n", before)
	expectInvalid(t, ts, "version not a number", ts.send(t, &provider, "PUT", versions+"/latest/visibility", `{"visible":true}`), "n", before)
	expect(t, "version 9", ts.send(t, &provider, "PUT", versions+"/9/visibility", `{"visible":true}`), 404, "not_found")
	expect(t, "intruder hides", ts.send(t, &intruder, "PUT", versions+"/1/visibility", `{"visible":false}`), 404, "not_found")
	expectUnchanged(t, ts, "refused visibility", before)

	// Removal.
	expect(t, "intruder removes", ts.send(t, &intruder, "DELETE", "/api/v1/documents/"+doc.ID.String(), ""), 404, "not_found")
	expectUnchanged(t, ts, "intruder removes", before)
	a = ts.send(t, &provider, "DELETE", "/api/v1/documents/"+doc.ID.String(), "")
	expectWritten(t, "remove", a, 204)
	before = countEvents(t, ts)
	expect(t, "remove again", ts.send(t, &provider, "DELETE", "/api/v1/documents/"+doc.ID.String(), ""), 404, "not_found")
	expect(t, "version of a removed document", ts.upload(t, &provider, versions, nil, "x", "x"), 404, "not_found")
	expectUnchanged(t, ts, "removed document", before)
}

// A retried upload with the same Idempotency-Key (a new multipart boundary, as
// clients pick one per request) answers the first document and appends nothing.
func TestUploadIdempotencyReplay(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil, nil)
	provider := ts.signupCompany(t, "Provider Ltd")
	f := ts.folder(t, provider, `{"name":"Manuals"}`)
	key := "upload-" + uuid.NewString()
	send := func() answer {
		t.Helper()
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		_ = mw.WriteField("folder_id", f.ID.String())
		fw, _ := mw.CreateFormFile("file", "manual.pdf")
		_, _ = fw.Write([]byte("%PDF-1.4 the manual"))
		_ = mw.Close()
		h := provider.bearer()
		h.Set("Content-Type", mw.FormDataContentType())
		h.Set("Idempotency-Key", key)
		return ts.do(t, ts.client, "POST", "/api/v1/documents", h, body.String())
	}
	first := send()
	expectWritten(t, "first upload", first, 201)
	before := countEvents(t, ts)
	again := send()
	if again.status != 201 || again.body != first.body || again.header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("replayed upload %+v (first %+v)", again, first)
	}
	expectUnchanged(t, ts, "replayed upload", before)
}
