// Package browsertest drives headless Chromium (Debian's chromium) through
// chromedp against a sharehub server that a test started on 127.0.0.1, for the
// tests of the web pages (/docs, /l/{token}): one browser process per test
// binary, one browser context (own cookies, own cache) per test, bounded
// timeouts, and no network but 127.0.0.1. On failure a test keeps a screenshot
// and the page's HTML in a folder that survives it, and names them. Axe runs
// axe-core (vendored under testdata, injected by the test, never served) and
// fails on serious or critical violations.
//
// Test-only: it is imported by _test.go files alone, so neither chromedp nor
// axe-core reaches the sharehub binary. It must not import httpapi (whose tests
// may use it) nor projections.
package browsertest

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// StepTimeout bounds one Run of a page (a navigation with its load, a click and
// what it waits for, an axe run); a test is a handful of steps, well under a
// minute.
const StepTimeout = 20 * time.Second

// ChromiumPath finds the browser: $CHROMIUM_PATH, else chromium,
// chromium-browser or google-chrome on PATH.
func ChromiumPath() (string, error) {
	if p := os.Getenv("CHROMIUM_PATH"); p != "" {
		return p, nil
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", errors.New("no chromium on PATH (`make test` installs Debian's chromium when run as root with apt-get; or set CHROMIUM_PATH)")
}

// Require skips t under -short, and when no browser is installed unless CI=true
// (then the missing browser is a failure: CI must run these tests).
func Require(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("browser test: skipped under -short")
	}
	p, err := ChromiumPath()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("browser test under CI=true: %v", err)
		}
		t.Skipf("browser test skipped: %v", err)
	}
	return p
}

// shared is the one browser of the test binary, started by the first Page.
var shared struct {
	mu     sync.Mutex
	ctx    context.Context
	cancel context.CancelFunc
	err    error
}

// Shutdown stops the shared browser; call it from TestMain after m.Run.
func Shutdown() {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.cancel != nil {
		shared.cancel()
		shared.cancel, shared.ctx = nil, nil
	}
}

func browserContext(path string) (context.Context, error) {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.ctx != nil || shared.err != nil {
		return shared.ctx, shared.err
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:0:0], chromedp.DefaultExecAllocatorOptions[:]...)
	opts = append(opts,
		chromedp.ExecPath(path),
		// Containers run as root, where Chromium's sandbox cannot start.
		chromedp.NoSandbox,
		chromedp.Flag("disable-dev-shm-usage", true),
		// No network but the test server: every other host name resolves to
		// nothing, and anything not on loopback goes to a proxy that is not there.
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"),
		chromedp.ProxyServer("http://127.0.0.1:9"),
		chromedp.WindowSize(1280, 900),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelBrowser := chromedp.NewContext(allocCtx)
	// The first Run starts the browser; its context must outlive every test.
	if _, err := chromedp.Run(ctx, chromedp.Func(func(context.Context, *chromedp.Target) error { return nil })); err != nil {
		cancelBrowser()
		cancelAlloc()
		shared.err = fmt.Errorf("start chromium %s: %w", path, err)
		return nil, shared.err
	}
	shared.ctx = ctx
	shared.cancel = func() { cancelBrowser(); cancelAlloc() }
	return ctx, nil
}

// Page is one tab in a browser context of its own, for one test.
type Page struct {
	t    testing.TB
	ctx  context.Context
	Base string // the server's URL, "http://127.0.0.1:port"

	mu      sync.Mutex
	console []string // console errors and uncaught exceptions, printed on failure
}

// listen keeps the page's console errors and exceptions (CSP refusals among them).
func (p *Page) listen(ev any) {
	var line string
	switch ev := ev.(type) {
	case *runtime.EventExceptionThrown:
		line = "exception: " + ev.ExceptionDetails.Text
		if ev.ExceptionDetails.Exception != nil {
			line += " " + ev.ExceptionDetails.Exception.Description
		}
	case *runtime.EventConsoleAPICalled:
		if ev.Type != runtime.ConsoleAPICalledTypeError && ev.Type != runtime.ConsoleAPICalledTypeWarning {
			return
		}
		line = "console." + string(ev.Type) + ":"
		for _, a := range ev.Args {
			line += " " + string(a.Value) + a.Description
		}
	case *cdplog.EventEntryAdded:
		line = "log " + string(ev.Entry.Level) + ": " + ev.Entry.Text + " " + ev.Entry.URL
	default:
		return
	}
	p.mu.Lock()
	if len(p.console) < 50 {
		p.console = append(p.console, line)
	}
	p.mu.Unlock()
}

// NewPage opens a tab in a fresh browser context against base. On failure the
// test keeps screenshot.png and page.html of the tab's last state.
func NewPage(t testing.TB, base string) *Page {
	t.Helper()
	path := Require(t)
	if !strings.HasPrefix(base, "http://127.0.0.1:") {
		t.Fatalf("browser tests talk to 127.0.0.1 only, not %s", base)
	}
	bctx, err := browserContext(path)
	if err != nil {
		t.Fatal(err)
	}
	p := &Page{t: t, Base: base}
	ctx, cancel := chromedp.NewContext(bctx, chromedp.WithNewBrowserContext(), chromedp.WithListener(p.listen))
	t.Cleanup(cancel)
	p.ctx = ctx
	// The first Run opens the tab, which lives as long as that Run's context:
	// the tab's own, not one with a step's timeout.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.keepOnFailure) // runs before cancel (cleanups run last first)
	return p
}

// Ctx is the tab's context, for chromedp calls the helpers do not cover. Bound
// each call (Run and Do do).
func (p *Page) Ctx() context.Context { return p.ctx }

// Do runs steps within StepTimeout.
func (p *Page) Do(steps ...chromedp.Action[chromedp.Void]) error {
	ctx, cancel := context.WithTimeout(p.ctx, StepTimeout)
	defer cancel()
	return chromedp.Do(ctx, steps...)
}

// Run runs steps and fails the test on error.
func (p *Page) Run(what string, steps ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	if err := p.Do(steps...); err != nil {
		p.t.Fatalf("%s: %v", what, err)
	}
}

// RunWithin is Run with its own bound, for a step known to be slow (a page that
// renders a large document with script).
func (p *Page) RunWithin(d time.Duration, what string, steps ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, d)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		p.t.Fatalf("%s: %v", what, err)
	}
}

// Eval evaluates a JavaScript expression in the page, failing the test on error.
func Eval[T any](p *Page, expr string) T {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, StepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		p.t.Fatalf("eval %s: %v", expr, err)
	}
	return v
}

// Open navigates to path (on Base) and waits for the page's body.
func (p *Page) Open(path string) {
	p.t.Helper()
	p.Run("open "+path, chromedp.Navigate(p.Base+path), chromedp.WaitReady(chromedp.CSS("body")))
}

// Text is the visible text of the first element matching a CSS selector.
func (p *Page) Text(sel string) string {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, StepTimeout)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		p.t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

// DownloadInto lets the tab save downloads into dir, announcing their progress.
func (p *Page) DownloadInto(dir string) {
	p.t.Helper()
	p.Run("allow downloads", chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.CallBrowser(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
			Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: dir,
			BrowserContextID: chromedp.FromContext(ctx).BrowserContextID, EventsEnabled: ptr(true)})
		return err
	}))
}

// Downloaded runs steps (a click) and waits for the download they start to
// complete; it answers the file's path (named by the download's GUID).
func (p *Page) Downloaded(dir string, steps ...chromedp.Action[chromedp.Void]) string {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, StepTimeout)
	defer cancel()
	// Browser-level events: listen before the click.
	events := chromedp.BrowserEvents(ctx, browser.DownloadProgress)
	if err := chromedp.Do(ctx, steps...); err != nil {
		p.t.Fatalf("start download: %v", err)
	}
	for ev, err := range events {
		if err != nil {
			p.t.Fatalf("download: %v", err)
		}
		switch ev.State {
		case browser.DownloadProgressStateCompleted:
			return filepath.Join(dir, ev.GUID)
		case browser.DownloadProgressStateCanceled:
			p.t.Fatal("download cancelled")
		}
	}
	p.t.Fatal("no download")
	return ""
}

func ptr[T any](v T) *T { return &v }

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// keepOnFailure saves the tab's screenshot and HTML into a folder that outlives
// the test (t.TempDir is removed), and names both.
func (p *Page) keepOnFailure() {
	if !p.t.Failed() {
		return
	}
	p.mu.Lock()
	for _, l := range p.console {
		p.t.Logf("browser %s", l)
	}
	p.mu.Unlock()
	dir, err := os.MkdirTemp("", "browsertest-"+unsafeName.ReplaceAllString(p.t.Name(), "_")+"-")
	if err != nil {
		p.t.Logf("keep failure artefacts: %v", err)
		return
	}
	ctx, cancel := context.WithTimeout(p.ctx, StepTimeout)
	defer cancel()
	if png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
		f := filepath.Join(dir, "screenshot.png")
		if err := os.WriteFile(f, png, 0o644); err == nil {
			p.t.Logf("screenshot: %s", f)
		}
	} else {
		p.t.Logf("screenshot: %v", err)
	}
	if html, err := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("html"))); err == nil {
		f := filepath.Join(dir, "page.html")
		if err := os.WriteFile(f, []byte(html), 0o644); err == nil {
			p.t.Logf("page HTML: %s", f)
		}
	} else {
		p.t.Logf("page HTML: %v", err)
	}
}
