package e2e

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// The console's browser tests drive Debian's chromium, headless, through
// the DevTools protocol (chromedp: pure Go, no driver to download). One
// Chromium runs for the suite; each test gets its own browser context, so
// cookies (sessions) never leak between tests.

var chromium struct {
	once   sync.Once
	ctx    context.Context // the allocator's
	cancel context.CancelFunc
	err    error
}

// screenshotDir is where the tests write their screenshots: the test
// output folder the README names (kept between runs, ignored by git).
var screenshotDir = filepath.Join("output", "screenshots")

//go:embed testdata/axe-4.11.1.min.js
var axeSource string

func chromiumPath() (string, error) {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("no chromium on PATH: install Debian's chromium package (make deps does)")
}

// Browser is one signed-out browser context on a server's console.
type Browser struct {
	t    *testing.T
	ctx  context.Context
	Base string

	mu      sync.Mutex
	dialogs []string
}

// NewBrowser opens a fresh browser context (its own cookies) on s's
// console, 1280 px wide.
func NewBrowser(t *testing.T, s *Server) *Browser {
	t.Helper()
	chromium.once.Do(func() {
		path, err := chromiumPath()
		if err != nil {
			chromium.err = err
			return
		}
		opts := append(chromedp.DefaultExecAllocatorOptions[:],
			chromedp.ExecPath(path),
			chromedp.Flag("headless", "new"),
			chromedp.NoSandbox, // the tests run as root
			chromedp.DisableGPU,
			chromedp.Flag("disable-dev-shm-usage", true),
			chromedp.WindowSize(1280, 900),
		)
		alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
		// The browser lives as long as the context of its first run: this
		// one, the suite's, not a test's.
		ctx, cancelBrowser := chromedp.NewContext(alloc)
		chromium.ctx, chromium.cancel = ctx, func() { cancelBrowser(); cancelAlloc() }
		chromium.err = chromedp.Do(ctx)
	})
	if chromium.err != nil {
		t.Fatalf("start chromium: %v", chromium.err)
	}
	tab, cancel := chromedp.NewContext(chromium.ctx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(tab); err != nil { // opens the tab
		t.Fatalf("open a chromium tab: %v", err)
	}
	ctx, cancelTimeout := context.WithTimeout(tab, 10*time.Minute)
	t.Cleanup(cancelTimeout)
	b := &Browser{t: t, ctx: ctx, Base: s.URL}
	return b
}

// stopChromium ends the suite's Chromium; TestMain calls it.
func stopChromium() {
	if chromium.cancel != nil {
		chromium.cancel()
	}
}

// Do runs steps, failing the test on an error.
func (b *Browser) Do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.t.Fatalf("browser: %v (at %s)", err, b.Location())
	}
}

// DoWithin runs steps with a deadline of d, for waits on a condition.
func (b *Browser) DoWithin(d time.Duration, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, d)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.t.Fatalf("browser (within %s): %v (at %s)", d, err, b.Location())
	}
}

// Location is the page's URL, for messages.
func (b *Browser) Location() string {
	ctx, cancel := context.WithTimeout(b.ctx, 2*time.Second)
	defer cancel()
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	return loc
}

// Open navigates to a console path and waits for its main content.
func (b *Browser) Open(path string) {
	b.t.Helper()
	b.Do(chromedp.Navigate(b.Base+path), chromedp.WaitVisible(chromedp.CSS("main")))
}

// SignIn signs in through the sign-in page with a password.
func (b *Browser) SignIn(user, password string) {
	b.t.Helper()
	b.Do(
		chromedp.Navigate(b.Base+"/login"),
		chromedp.WaitVisible(chromedp.ID("user")),
		chromedp.SendKeys(chromedp.ID("user"), user),
		chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.Submit(chromedp.ID("password")),
		chromedp.WaitVisible(chromedp.CSS("nav.main-nav")),
	)
}

// SignInWithToken signs in with an API token (the admin's first-start one).
func (b *Browser) SignInWithToken(token string) {
	b.t.Helper()
	b.Do(
		chromedp.Navigate(b.Base+"/login"),
		chromedp.WaitVisible(chromedp.ID("user")),
		chromedp.Click(chromedp.CSS("details summary")),
		chromedp.SendKeys(chromedp.ID("token"), token),
		chromedp.Submit(chromedp.ID("token")),
		chromedp.WaitVisible(chromedp.CSS("nav.main-nav")),
	)
}

// Text is the visible text of the first element the CSS selector matches.
func (b *Browser) Text(sel string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("browser: text of %s: %v (at %s)", sel, err, b.Location())
	}
	return s
}

// Eval evaluates a JavaScript expression in the page.
func Eval[T any](b *Browser, expr string) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("browser: evaluate %.60q: %v (at %s)", expr, err, b.Location())
	}
	return v
}

// Screenshot writes the whole page at 1280 px and at a 390 px phone width
// to the output folder as <name>-1280.png and <name>-390.png.
func (b *Browser) Screenshot(name string) {
	b.t.Helper()
	if err := os.MkdirAll(screenshotDir, 0o755); err != nil {
		b.t.Fatal(err)
	}
	for _, width := range []int64{1280, 390} {
		opts := []chromedp.EmulateViewportOption{}
		if width < 600 {
			opts = append(opts, chromedp.EmulateMobile)
		}
		b.Do(chromedp.EmulateViewport(width, 900, opts...))
		img, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100)) // 100: PNG
		if err != nil {
			b.t.Fatalf("screenshot %s at %d px: %v", name, width, err)
		}
		if err := os.WriteFile(filepath.Join(screenshotDir, fmt.Sprintf("%s-%d.png", name, width)), img, 0o644); err != nil {
			b.t.Fatal(err)
		}
	}
	b.Do(chromedp.ResetViewport())
}

// AxeViolation is one rule axe-core found broken on a page.
type AxeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target []any `json:"target"`
	} `json:"nodes"`
}

// Accessibility runs axe-core (vendored, injected through DevTools, which
// the page's CSP does not govern) on the current page and fails the test
// on every serious or critical violation.
func (b *Browser) Accessibility(page string) {
	b.t.Helper()
	Eval[bool](b, "if (typeof axe === 'undefined') {"+axeSource+"}; true")
	raw := Eval[string](b, `axe.run(document, {resultTypes: ["violations"]}).then(r => JSON.stringify(r.violations))`)
	var violations []AxeViolation
	if err := json.Unmarshal([]byte(raw), &violations); err != nil {
		b.t.Fatalf("axe answer: %v: %s", err, raw)
	}
	for _, v := range violations {
		if v.Impact == "serious" || v.Impact == "critical" {
			var where []string
			for _, n := range v.Nodes {
				where = append(where, fmt.Sprint(n.Target...))
			}
			b.t.Errorf("%s: accessibility (%s) %s: %s at %s", page, v.Impact, v.ID, v.Help, strings.Join(where, ", "))
		}
	}
}

// AcceptDialogs makes the tab accept every confirm() from now on, as a
// user clicking OK on each confirmation; Dialogs lists their messages.
func (b *Browser) AcceptDialogs() {
	events := chromedp.Events(b.ctx, page.JavascriptDialogOpening)
	go func() {
		for ev, err := range events {
			if err != nil {
				return
			}
			b.mu.Lock()
			b.dialogs = append(b.dialogs, ev.Message)
			b.mu.Unlock()
			go chromedp.Do(b.ctx, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
				_, err := cdp.Call(ctx, t, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
				return err
			}))
		}
	}()
}

// Dialogs are the messages of the confirmations accepted so far.
func (b *Browser) Dialogs() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.dialogs)
}

func clickTheme() chromedp.Action[chromedp.Void] {
	return chromedp.Click(chromedp.CSS("[data-theme-toggle]"))
}

func chromedpClick(css string) chromedp.Action[chromedp.Void] {
	return chromedp.Click(chromedp.CSS(css))
}
