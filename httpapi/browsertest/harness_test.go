package browsertest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
)

func TestMain(m *testing.M) {
	code := m.Run()
	Shutdown()
	os.Exit(code)
}

// TestHarnessBlocksEveryHostButLoopback: a page that asks another host for an
// image gets nothing, while its own server answers.
func TestHarnessBlocksEveryHostButLoopback(t *testing.T) {
	var outside bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Host != "" && r.URL.Path == "/own.svg" {
			w.Header().Set("Content-Type", "image/svg+xml")
			fmt.Fprint(w, `<svg xmlns="http://www.w3.org/2000/svg" width="3" height="3"/>`)
			return
		}
		if r.URL.IsAbs() { // a proxy request reaching the server
			outside = true
		}
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, `<!doctype html><html lang="en"><title>t</title><main><h1>Harness</h1>
<img id="own" alt="own" src="/own.svg"><img id="far" alt="far" src="http://example.com/x.png"></main>`)
	}))
	t.Cleanup(srv.Close)
	p := NewPage(t, srv.URL)
	p.Open("/")
	loaded := Eval[[]bool](p, `Promise.all([...document.images].map(i => i.decode().then(() => true, () => false)))`)
	if len(loaded) != 2 || !loaded[0] || loaded[1] || outside {
		t.Fatalf("images loaded (own, example.com): %v; outside request seen: %v", loaded, outside)
	}
	if got := p.Text("h1"); got != "Harness" {
		t.Fatalf("h1 %q", got)
	}
}

// TestHarnessAxeFindsViolations: the axe helper reports what axe finds (a
// control without a label), so a clean run elsewhere means something.
func TestHarnessAxeFindsViolations(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, `<!doctype html><html lang="en"><title>t</title><main><h1>Form</h1><input type="text"></main>`)
	}))
	t.Cleanup(srv.Close)
	p := NewPage(t, srv.URL)
	p.Open("/")
	vs := p.axeRun()
	found := false
	for _, v := range vs {
		if v.ID == "label" && (v.Impact == "critical" || v.Impact == "serious") {
			found = true
		}
	}
	if !found {
		t.Fatalf("axe did not report the unlabelled input: %+v", vs)
	}
}
