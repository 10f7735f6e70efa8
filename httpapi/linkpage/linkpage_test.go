package linkpage

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestWantsPage(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		accept string
		want   bool
	}{
		{"", false},
		{"*/*", false},
		{"application/json", false},
		{"application/problem+json, text/html", false},
		{"text/html;q=0.5, application/json", false},
		{"text/html;q=0", false},
		{"text/html;q=bogus", false},
		{"text/html", true},
		{"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", true},
		{"application/json;q=0.4, text/html;q=0.9", true},
	} {
		r := httptest.NewRequest(http.MethodGet, "/l/x", nil)
		if tc.accept != "" {
			r.Header.Set("Accept", tc.accept)
		}
		if got := WantsPage(r); got != tc.want {
			t.Errorf("Accept %q: WantsPage %v, want %v", tc.accept, got, tc.want)
		}
	}
}

func TestHumanSize(t *testing.T) {
	t.Parallel()
	for n, want := range map[int64]string{0: "0 bytes", 1: "1 byte", 1023: "1023 bytes", 1024: "1.0 KB", 1536: "1.5 KB", 5 << 20: "5.0 MB", 3 << 30: "3.0 GB"} {
		if got := HumanSize(n); got != want {
			t.Errorf("HumanSize(%d) = %q, want %q", n, got, want)
		}
	}
}

// TestRenderEscapesNames: a document's name is the uploader's text; the page
// shows it as text, never as markup, and the CSP's hash matches the style.
func TestRenderEscapesNames(t *testing.T) {
	t.Parallel()
	w := httptest.NewRecorder()
	name := `<img src=x onerror=alert(1)>"quoted".pdf`
	if err := Render(w, http.StatusOK, Page{Title: name, Document: &Document{Name: name, Size: 10, MediaType: "application/pdf",
		DownloadURL: "/l/t/content"}, Action: "/l/t"}); err != nil {
		t.Fatal(err)
	}
	body := w.Body.String()
	if strings.Contains(body, "<img") || !strings.Contains(body, "&lt;img src=x onerror=alert(1)&gt;") {
		t.Fatalf("name not escaped: %s", body)
	}
	if !strings.Contains(w.Header().Get("Content-Security-Policy"), "style-src 'sha256-") || strings.Contains(body, "<script") {
		t.Fatalf("CSP %q", w.Header().Get("Content-Security-Policy"))
	}
}
