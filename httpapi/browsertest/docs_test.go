package browsertest

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestDocsRendersTheAPIReference: /docs, offline and under its CSP, shows the
// API's title and a known operation, and axe finds nothing serious in it.
func TestDocsRendersTheAPIReference(t *testing.T) {
	s := startServer(t)
	p := NewPage(t, s.URL)
	p.Open("/docs")
	// Redoc renders once it has fetched and parsed the spec (thousands of
	// lines): seconds of script on a busy machine, so this step has 40 s.
	p.RunWithin(40*time.Second, "wait for the rendered reference", chromedp.WaitVisible(chromedp.CSS(".api-info h1")))
	if title := p.Text(".api-info h1"); !strings.Contains(title, "sharehub API") {
		t.Fatalf("title %q", title)
	}
	if !Eval[bool](p, `document.body.innerText.includes("Create a company with its first admin")`) {
		t.Fatal("the signup operation is not on the page")
	}
	// Axe over the whole rendered reference (hundreds of operations, a DOM of
	// tens of thousands of nodes) takes longer than a test may on two cores; it
	// runs on what Redoc builds for every page (header, menu, search) and on
	// one operation, which stand for the rest (Redoc renders them all alike).
	start := time.Now()
	p.Axe(".api-info", ".menu-content", "[id='operation/signup']")
	t.Logf("axe took %s", time.Since(start).Round(time.Millisecond))
}
