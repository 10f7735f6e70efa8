package web_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	neturl "net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"

	"github.com/sharehub/sharehub/eventstore/blobs"
	"github.com/sharehub/sharehub/httpapi/problem"
	"github.com/sharehub/sharehub/httpapi/web"
)

func newBlobs(t testing.TB) (*blobs.Store, string) {
	t.Helper()
	root := t.TempDir()
	s, err := blobs.New(blobs.Config{Root: root})
	if err != nil {
		t.Fatal(err)
	}
	return s, root
}

var docSpec = web.UploadSpec{MaxFileBytes: 64 << 10, Fields: []string{"folder_id", "name", "hidden"}}

// fileServer accepts uploads at POST /documents and serves them back at
// GET /documents/{sha}, as the library handlers will.
func fileServer(t *testing.T, spec web.UploadSpec) (string, *blobs.Store) {
	t.Helper()
	store, _ := newBlobs(t)
	modTime := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	r := chi.NewRouter()
	r.Post("/documents", problem.Handler(func(w http.ResponseWriter, r *http.Request) error {
		up, err := web.ReadUpload(w, r, store, spec)
		if err != nil {
			return err
		}
		return web.WriteJSON(w, http.StatusCreated, map[string]any{
			"sha256": up.File.SHA256, "size": up.File.Size, "media_type": up.File.MediaType,
			"file_name": up.FileName, "fields": up.Fields,
		})
	}))
	download := problem.Handler(func(w http.ResponseWriter, r *http.Request) error {
		sha := chi.URLParam(r, "sha")
		f, err := store.Open(sha)
		if err != nil {
			return err
		}
		defer f.Close()
		web.ServeFile(w, r, f, web.Download{Name: r.URL.Query().Get("name"), MediaType: "application/pdf", SHA256: sha, ModTime: modTime})
		return nil
	})
	r.Get("/documents/{sha}", download)
	r.With(web.LinkHeaders).Get("/l/{sha}", download)
	return serve(t, r).URL, store
}

type part struct {
	name, fileName, contentType string
	body                        io.Reader
}

// multipartBody writes parts in order; a pipe keeps large files streaming.
func multipartBody(parts ...part) (io.Reader, string) {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		for _, p := range parts {
			h := textproto.MIMEHeader{}
			cd := `form-data; name="` + p.name + `"`
			if p.fileName != "" {
				cd += `; filename="` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(p.fileName) + `"`
			}
			h.Set("Content-Disposition", cd)
			if p.contentType != "" {
				h.Set("Content-Type", p.contentType)
			}
			w, err := mw.CreatePart(h)
			if err == nil {
				_, err = io.Copy(w, p.body)
			}
			if err != nil {
				pw.CloseWithError(err)
				return
			}
		}
		pw.CloseWithError(mw.Close())
	}()
	return pr, mw.FormDataContentType()
}

func text(name, v string) part { return part{name: name, body: strings.NewReader(v)} }

func TestUploadStreamsTheFileAndCollectsFields(t *testing.T) {
	t.Parallel()
	url, store := fileServer(t, docSpec)
	content := append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte{0xAB}, 50_000)...)
	sum := sha256.Sum256(content)
	body, ct := multipartBody(
		text("folder_id", "0190f5a4-0000-7000-8000-000000000001"),
		part{name: "file", fileName: "C:\\Users\\me\\Q3 report\u202E.pdf", body: bytes.NewReader(content)},
		text("hidden", "true"), // fields after the file are read too
	)
	resp, b := do(t, newRequest(t, http.MethodPost, url+"/documents", ct, body))
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	var got struct {
		SHA256    string            `json:"sha256"`
		Size      int64             `json:"size"`
		MediaType string            `json:"media_type"`
		FileName  string            `json:"file_name"`
		Fields    map[string]string `json:"fields"`
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if got.SHA256 != hex.EncodeToString(sum[:]) || got.Size != int64(len(content)) || got.MediaType != "application/pdf" {
		t.Fatalf("stored %+v", got)
	}
	if got.FileName != "Q3 report.pdf" {
		t.Fatalf("file name %q", got.FileName)
	}
	if got.Fields["folder_id"] != "0190f5a4-0000-7000-8000-000000000001" || got.Fields["hidden"] != "true" || len(got.Fields) != 2 {
		t.Fatalf("fields %v", got.Fields)
	}
	if ok, _ := store.Exists(got.SHA256); !ok {
		t.Fatal("blob not stored")
	}
}

func TestUploadRefusals(t *testing.T) {
	t.Parallel()
	url, _ := fileServer(t, web.UploadSpec{MaxFileBytes: 1000, Fields: []string{"name", "hidden"}, MaxFieldBytes: 16})
	file := func() part { return part{name: "file", fileName: "a.txt", body: strings.NewReader("hello")} }
	for _, tc := range []struct {
		name   string
		parts  []part
		status int
		code   string
		field  string
	}{
		{"no file", []part{text("name", "x")}, 400, problem.CodeValidation, "file"},
		{"two files", []part{file(), file()}, 400, problem.CodeValidation, "file"},
		{"unknown field", []part{file(), text("owner_id", "x")}, 400, problem.CodeValidation, "owner_id"},
		{"repeated field", []part{text("name", "a"), text("name", "b"), file()}, 400, problem.CodeValidation, "name"},
		{"field too long", []part{text("name", strings.Repeat("x", 17)), file()}, 400, problem.CodeValidation, "name"},
		{"field not utf-8", []part{text("name", "a\xffb"), file()}, 400, problem.CodeValidation, "name"},
		{"field with control", []part{text("name", "a\x1bb"), file()}, 400, problem.CodeValidation, "name"},
		{"file too large", []part{{name: "file", fileName: "big", body: bytes.NewReader(make([]byte, 1001))}}, 413, problem.CodePayloadTooLarge, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			body, ct := multipartBody(tc.parts...)
			resp, b := do(t, newRequest(t, http.MethodPost, url+"/documents", ct, body))
			wantProblem(t, resp, b, tc.status, tc.code, tc.field)
		})
	}
	t.Run("not multipart", func(t *testing.T) {
		t.Parallel()
		resp, b := do(t, newRequest(t, http.MethodPost, url+"/documents", "application/json", strings.NewReader("{}")))
		wantProblem(t, resp, b, 415, problem.CodeUnsupportedMediaType, "")
	})
	t.Run("truncated body", func(t *testing.T) {
		t.Parallel()
		ct := "multipart/form-data; boundary=XYZ"
		body := "--XYZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\"\r\n\r\nhalf a file"
		resp, b := do(t, newRequest(t, http.MethodPost, url+"/documents", ct, strings.NewReader(body)))
		wantProblem(t, resp, b, 400, problem.CodeValidation, "body")
	})
	t.Run("body far beyond the limit", func(t *testing.T) {
		t.Parallel()
		ct := "multipart/form-data; boundary=XYZ"
		body := io.MultiReader(strings.NewReader("--XYZ\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\n"),
			io.LimitReader(zeros{}, 3<<20))
		resp, b := do(t, newRequest(t, http.MethodPost, url+"/documents", ct, body))
		if resp.StatusCode != 413 && resp.StatusCode != 400 {
			t.Fatalf("%d %s", resp.StatusCode, b)
		}
	})
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'a'
	}
	return len(p), nil
}

func TestDownloadHeadersRangeAndConditional(t *testing.T) {
	t.Parallel()
	srvURL, store := fileServer(t, docSpec)
	content := []byte("0123456789abcdefghij")
	info, err := store.Put(ctxFor(t), bytes.NewReader(content), 0, "")
	if err != nil {
		t.Fatal(err)
	}
	name := "Bericht \"Q3\"; ü\r\nX-Injected: 1.pdf"
	resp, b := do(t, newRequest(t, http.MethodGet, srvURL+"/documents/"+info.SHA256+"?name="+neturl.QueryEscape(name), "", nil))
	h := resp.Header
	if resp.StatusCode != 200 || !bytes.Equal(b, content) {
		t.Fatalf("%d %q", resp.StatusCode, b)
	}
	if h.Get("Content-Type") != "application/pdf" || h.Get("Content-Length") != "20" || h.Get("ETag") != `"`+info.SHA256+`"` ||
		h.Get("Cache-Control") != "private, no-cache" || h.Get("Accept-Ranges") != "bytes" || h.Get("X-Injected") != "" {
		t.Fatalf("headers %v", h)
	}
	_, params, err := mime.ParseMediaType(h.Get("Content-Disposition"))
	if err != nil || params["filename"] != `Bericht "Q3"; üX-Injected: 1.pdf` {
		t.Fatalf("Content-Disposition %q -> %v %v", h.Get("Content-Disposition"), params, err)
	}

	req := newRequest(t, http.MethodGet, srvURL+"/documents/"+info.SHA256, "", nil)
	req.Header.Set("Range", "bytes=10-14")
	resp, b = do(t, req)
	if resp.StatusCode != http.StatusPartialContent || string(b) != "abcde" || resp.Header.Get("Content-Range") != "bytes 10-14/20" {
		t.Fatalf("range: %d %q %v", resp.StatusCode, b, resp.Header)
	}

	req = newRequest(t, http.MethodGet, srvURL+"/documents/"+info.SHA256, "", nil)
	req.Header.Set("Range", "bytes=50-60")
	resp, b = do(t, req)
	wantProblem(t, resp, b, http.StatusRequestedRangeNotSatisfiable, problem.CodeRangeNotSatisfiable, "")
	if resp.Header.Get("Content-Range") != "bytes */20" || resp.Header.Get("Content-Disposition") != "" {
		t.Fatalf("416 headers %v", resp.Header)
	}

	req = newRequest(t, http.MethodGet, srvURL+"/documents/"+info.SHA256, "", nil)
	req.Header.Set("If-None-Match", `"`+info.SHA256+`"`)
	resp, b = do(t, req)
	if resp.StatusCode != http.StatusNotModified || len(b) != 0 {
		t.Fatalf("If-None-Match: %d", resp.StatusCode)
	}

	resp, b = do(t, newRequest(t, http.MethodGet, srvURL+"/documents/"+strings.Repeat("0", 64), "", nil))
	wantProblem(t, resp, b, 404, problem.CodeNotFound, "")
	resp, b = do(t, newRequest(t, http.MethodGet, srvURL+"/documents/..%2F..%2Fetc%2Fpasswd", "", nil))
	wantProblem(t, resp, b, 404, problem.CodeNotFound, "")

	// Link answers: no caching, no referrer, no indexing, also on errors.
	resp, _ = do(t, newRequest(t, http.MethodGet, srvURL+"/l/"+info.SHA256, "", nil))
	if resp.Header.Get("Cache-Control") != "no-store" || resp.Header.Get("Referrer-Policy") != "no-referrer" || resp.Header.Get("X-Robots-Tag") != "noindex" {
		t.Fatalf("link headers %v", resp.Header)
	}
	resp, _ = do(t, newRequest(t, http.MethodGet, srvURL+"/l/"+strings.Repeat("1", 64), "", nil))
	if resp.StatusCode != 404 || resp.Header.Get("Cache-Control") != "no-store" || resp.Header.Get("X-Robots-Tag") != "noindex" {
		t.Fatalf("link error headers %d %v", resp.StatusCode, resp.Header)
	}
}

func TestSanitizeFileName(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"report.pdf":                 "report.pdf",
		"../../etc/passwd":           "passwd",
		`C:\Users\x\evil.exe`:        "evil.exe",
		"..":                         "",
		" . ":                        "",
		"a\x00b\r\nc.txt":            "abc.txt",
		"invoice\u202Efdp.exe":       "invoicefdp.exe",
		"zero\u200Bwidth":            "zerowidth",
		"bad\xffutf8":                "bad\uFFFDutf8",
		"  spaced  ":                 "spaced",
		strings.Repeat("ü", 200):     strings.Repeat("ü", 127),
		"dir/":                       "",
		"Grüße – März 2030 (v2).pdf": "Grüße – März 2030 (v2).pdf",
	} {
		if got := web.SanitizeFileName(in); got != want {
			t.Errorf("SanitizeFileName(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzContentDisposition: whatever the name, the header value is one line of
// printable ASCII that parses back (RFC 6266/8187) to the sanitised name.
func FuzzContentDisposition(f *testing.F) {
	for _, s := range []string{"report.pdf", "Grüße.pdf", `a"b\c`, "x\r\nSet-Cookie: y", "", "%41", "日本語.txt", "\xff\xfe", "a;b=c", "'quoted'"} {
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, name string, inline bool) {
		kind := "attachment"
		if inline {
			kind = "inline"
		}
		v := web.ContentDisposition(kind, name)
		for i := 0; i < len(v); i++ {
			if v[i] < 0x20 || v[i] > 0x7e {
				t.Fatalf("%q -> non-printable byte in %q", name, v)
			}
		}
		mt, params, err := mime.ParseMediaType(v)
		if err != nil || mt != kind {
			t.Fatalf("%q -> %q does not parse: %v", name, v, err)
		}
		want := web.SanitizeFileName(name)
		if want == "" {
			want = "download"
		}
		if params["filename"] != want {
			t.Fatalf("%q -> %q parses to %q, want %q", name, v, params["filename"], want)
		}
		if len(params) != 1 {
			t.Fatalf("%q -> %q has extra parameters %v", name, v, params)
		}
	})
}

// FuzzMultipartUpload: any body with any boundary either uploads exactly one file
// into the store or fails as a problem; nothing is written outside the store's
// directory, no panic, no non-problem error except from the store itself.
func FuzzMultipartUpload(f *testing.F) {
	valid, ct := multipartBodyBytes(f, text("name", "n"), part{name: "file", fileName: "../a.txt", body: strings.NewReader("hello")})
	_, boundary, _ := strings.Cut(ct, "boundary=")
	f.Add(boundary, valid)
	f.Add("XYZ", []byte("--XYZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\"\r\n\r\nx\r\n--XYZ--\r\n"))
	f.Add("XYZ", []byte("--XYZ\r\nContent-Disposition: form-data; name=\"file\"\r\nContent-Type: text/html\r\n\r\n<b>\r\n--XYZ--"))
	f.Add("XYZ", []byte("--XYZ\r\nContent-Disposition: form-data; name=\"hidden\"\r\n\r\ntrue\r\n--XYZ\r\n"))
	f.Add("b", []byte("--b\r\n\r\n\r\n--b--"))
	f.Add("XYZ", []byte(""))
	f.Fuzz(func(t *testing.T, boundary string, body []byte) {
		store, root := newBlobs(t)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, "/documents", bytes.NewReader(body))
		if err != nil {
			t.Skip()
		}
		req.Header.Set("Content-Type", mime.FormatMediaType("multipart/form-data", map[string]string{"boundary": boundary}))
		w := &discardWriter{h: http.Header{}}
		up, err := web.ReadUpload(w, req, store, web.UploadSpec{MaxFileBytes: 1 << 10, Fields: []string{"name", "hidden", "folder_id"}})
		if err != nil {
			var p *problem.Problem
			if !errors.As(err, &p) && !errors.Is(err, blobs.ErrTooLarge) {
				t.Fatalf("non-problem error: %v", err)
			}
			return
		}
		if ok, _ := store.Exists(up.File.SHA256); !ok {
			t.Fatalf("upload %+v not in the store", up.File)
		}
		if strings.ContainsAny(up.FileName, "/\\\x00\r\n") || !utf8.ValidString(up.FileName) || len(up.FileName) > web.MaxFileNameBytes ||
			strings.IndexFunc(up.FileName, unicode.IsControl) >= 0 {
			t.Fatalf("unsafe file name %q", up.FileName)
		}
		// Everything written lives under root/sha256.
		err = filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if rel, _ := filepath.Rel(root, p); rel != "." && !strings.HasPrefix(rel, "sha256") {
				return fmt.Errorf("file outside the blob tree: %s", rel)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

func multipartBodyBytes(f *testing.F, parts ...part) ([]byte, string) {
	r, ct := multipartBody(parts...)
	b, err := io.ReadAll(r)
	if err != nil {
		f.Fatal(err)
	}
	return b, ct
}

type discardWriter struct{ h http.Header }

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (d *discardWriter) WriteHeader(int)             {}
