package browsertest

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

type link struct {
	ID  string `json:"id"`
	URL string `json:"url"`
}

// path is the link's path on the test server (its URL has PublicBaseURL's host).
func (l link) path(t *testing.T) string {
	t.Helper()
	i := strings.Index(l.URL, "/l/")
	if i < 0 {
		t.Fatalf("link url %q", l.URL)
	}
	return l.URL[i:]
}

const statement = "%PDF-1.4 year-end statement"

// TestLinkPageWithPassword: a visitor opens a protected link in a browser, sees
// the name and size, types a wrong password (told so, nothing served), then the
// right one and downloads the file; axe finds nothing serious on the page, also
// at a phone's 390 px.
func TestLinkPageWithPassword(t *testing.T) {
	s := startServer(t)
	admin := s.signup(t, "CommTrak Tax")
	folder := s.folder(t, admin, "Statements")
	doc := s.upload(t, admin, folder, "statement-2025.pdf", "application/pdf", statement)
	var l link
	s.call(t, admin, "POST", "/api/v1/documents/"+doc+"/links", map[string]any{"password": "open sesame 2025"}, &l)

	p := NewPage(t, s.URL)
	p.Run("phone width", chromedp.EmulateViewport(390, 844))
	p.Open(l.path(t))
	// The name is not shown before the password, as the API does not give it.
	if h := p.Text("h1"); h != "Protected link" {
		t.Fatalf("h1 %q", h)
	}
	if focused := Eval[string](p, `document.activeElement.id`); focused != "password" {
		t.Fatalf("focus on %q, not the password field", focused)
	}
	if wide := Eval[bool](p, `document.documentElement.scrollWidth <= 390`); !wide {
		t.Fatal("the page is wider than a 390 px phone")
	}

	p.Run("wrong password",
		chromedp.SendKeys(chromedp.CSS("#password"), "guess"),
		chromedp.Click(chromedp.CSS("form button")),
		chromedp.WaitVisible(chromedp.CSS("#password-error")))
	if msg := p.Text("#password-error"); !strings.Contains(msg, "Wrong password") {
		t.Fatalf("error %q", msg)
	}
	if invalid := Eval[string](p, `document.getElementById("password").getAttribute("aria-invalid")`); invalid != "true" {
		t.Fatalf("aria-invalid %q", invalid)
	}
	p.Axe()

	p.Run("right password",
		chromedp.SendKeys(chromedp.CSS("#password"), "open sesame 2025"),
		chromedp.Click(chromedp.CSS("form button")),
		chromedp.WaitVisible(chromedp.CSS(`button[value="attachment"]`)))
	if h := p.Text("h1"); h != "statement-2025.pdf" {
		t.Fatalf("h1 %q", h)
	}
	if meta := p.Text(".meta"); !strings.Contains(meta, "27 bytes") {
		t.Fatalf("size shown as %q", meta)
	}
	p.Axe()

	dir := t.TempDir()
	p.DownloadInto(dir)
	file := p.Downloaded(dir, chromedp.Click(chromedp.CSS(`button[value="attachment"]`)))
	got, err := os.ReadFile(file)
	if err != nil || string(got) != statement {
		t.Fatalf("downloaded %q, %v", got, err)
	}
}

// TestLinkPageExpired: once its expiry passes, the link's page says so in
// words, with the API's 410.
func TestLinkPageExpired(t *testing.T) {
	s := startServer(t)
	admin := s.signup(t, "QUBEdocs")
	folder := s.folder(t, admin, "Manuals")
	doc := s.upload(t, admin, folder, "manual.pdf", "application/pdf", "%PDF-1.4 manual")
	var l link
	s.call(t, admin, "POST", "/api/v1/documents/"+doc+"/links",
		map[string]any{"expires_at": s.clock().Add(time.Hour).Format(time.RFC3339)}, &l)

	p := NewPage(t, s.URL)
	p.Open(l.path(t))
	if h := p.Text("h1"); h != "manual.pdf" {
		t.Fatalf("before the expiry: h1 %q", h)
	}
	// The inline stylesheet applies (the CSP allows it by its hash).
	if r := Eval[string](p, `getComputedStyle(document.querySelector("main")).borderTopLeftRadius`); r != "8px" {
		t.Fatalf("the page's style did not apply (border radius %q)", r)
	}
	if !Eval[bool](p, `!!document.querySelector('a[href$="/content?disposition=inline"]')`) {
		t.Fatal("no View button for a PDF")
	}
	s.Advance(2 * time.Hour)
	resp, err := chromedp.RunResponse(p.Ctx(), chromedp.Navigate(p.Base+l.path(t)))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != 410 {
		t.Fatalf("expired link: status %d", resp.Status)
	}
	if h := p.Text("h1"); h != "Link no longer available" {
		t.Fatalf("expired link: h1 %q", h)
	}
	if body := p.Text("main"); !strings.Contains(body, "expired") || strings.Contains(body, "link_gone") {
		t.Fatalf("expired link page says %q", body)
	}
	p.Axe()
}

// TestLinkPageFolder: a folder link's page lists its documents, each with a
// download button that works.
func TestLinkPageFolder(t *testing.T) {
	s := startServer(t)
	admin := s.signup(t, "JarvisDrive")
	folder := s.folder(t, admin, "Handover")
	s.upload(t, admin, folder, "plan.txt", "text/plain", "the plan")
	s.upload(t, admin, folder, "photo.png", "image/png", "\x89PNG\r\n\x1a\nnot really")
	var l link
	s.call(t, admin, "POST", "/api/v1/folders/"+folder+"/links", map[string]any{}, &l)

	p := NewPage(t, s.URL)
	p.Open(l.path(t))
	if h := p.Text("h1"); h != "Handover" {
		t.Fatalf("h1 %q", h)
	}
	names := Eval[[]string](p, `[...document.querySelectorAll("ul.items .name")].map(e => e.firstChild.textContent.trim())`)
	if strings.Join(names, ",") != "photo.png,plan.txt" && strings.Join(names, ",") != "plan.txt,photo.png" {
		t.Fatalf("listed %v", names)
	}
	p.Axe()
	dir := t.TempDir()
	p.DownloadInto(dir)
	file := p.Downloaded(dir, chromedp.Click(chromedp.CSS(`a[aria-label="Download plan.txt"]`)))
	if got, err := os.ReadFile(file); err != nil || string(got) != "the plan" {
		t.Fatalf("downloaded %q, %v", got, err)
	}
}
