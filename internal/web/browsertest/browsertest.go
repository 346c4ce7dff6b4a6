// Package browsertest drives Debian's headless Chromium from tests with
// chromedp. Nothing is downloaded at test time: the browser comes from
// ORCHESTERA_TEST_CHROMIUM or chromium on PATH (`make browser-check`
// installs Debian's package). Without one the test is skipped, and fails
// when CI=true.
package browsertest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// EnvBinary names the Chromium binary to use.
const EnvBinary = "ORCHESTERA_TEST_CHROMIUM"

// EnvScreenshots is the directory screenshots are saved in
// (default build/screenshots under the working directory's module root).
const EnvScreenshots = "ORCHESTERA_TEST_SCREENSHOTS"

// Browser is one Chromium with a fresh profile, closed when the test ends.
type Browser struct {
	t   testing.TB
	ctx context.Context
	dir string
}

// Start launches Chromium with the flags a machine without a network
// needs (no QUIC, no background or component updates, no sync), never
// throttled as a background page, and a viewport of width × height.
func Start(t testing.TB, width, height int) *Browser {
	t.Helper()
	bin := binary(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(bin), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(width, height),
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.Flag("hide-scrollbars", true),
		// A page Chromium takes for a background one gets its frames and
		// timers throttled, and a screenshot waits for a frame: on a busy
		// machine one waited past its deadline.
		chromedp.Flag("disable-renderer-backgrounding", true), chromedp.Flag("disable-background-timer-throttling", true),
		chromedp.Flag("disable-backgrounding-occluded-windows", true),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	if err := chromedp.Do(ctx); err != nil {
		cancel()
		cancelAlloc()
		t.Fatalf("starting %s: %v", bin, err)
	}
	t.Cleanup(func() { cancel(); cancelAlloc() })
	return &Browser{t: t, ctx: ctx, dir: screenshotDir()}
}

func binary(t testing.TB) string {
	t.Helper()
	if bin := os.Getenv(EnvBinary); bin != "" {
		if _, err := os.Stat(bin); err != nil {
			t.Fatalf("%s=%s: %v", EnvBinary, bin, err)
		}
		return bin
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if bin, err := exec.LookPath(name); err == nil {
			return bin
		}
	}
	msg := fmt.Sprintf("Chromium not found: set %s or install Debian's chromium (`make browser-check`)", EnvBinary)
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// Do runs steps in the browser, failing the test on an error; what stands
// in a step's way (an element that never shows) fails within timeout.
func (b *Browser) Do(what string, timeout time.Duration, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	Get(b, what, timeout, chromedp.Steps(steps...))
}

// Get runs one action that answers a value, as Do does.
func Get[T any](b *Browser, what string, timeout time.Duration, a chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, timeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		loc, _ := chromedp.Run(b.ctx, chromedp.Location())
		b.t.Fatalf("%s (at %s): %v", what, loc, err)
	}
	return v
}

// Eval evaluates a JavaScript expression in the page, for a test to poll
// on (internal/poll): an error, as during a navigation, is a "not yet".
func Eval[T any](b *Browser, expr string) (T, error) {
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	return chromedp.Run(ctx, chromedp.Evaluate[T](expr))
}

// Screenshot saves the viewport as name.png and returns its path.
func (b *Browser) Screenshot(name string) string {
	b.t.Helper()
	png := Get(b, "screenshot "+name, 30*time.Second, chromedp.CaptureScreenshot())
	if err := os.MkdirAll(b.dir, 0o755); err != nil {
		b.t.Fatal(err)
	}
	path := filepath.Join(b.dir, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
	return path
}

// screenshotDir is EnvScreenshots, or build/screenshots at the module root
// above the working directory (a test's is its package's).
func screenshotDir() string {
	if d := os.Getenv(EnvScreenshots); d != "" {
		return d
	}
	dir, _ := os.Getwd()
	for d := dir; d != filepath.Dir(d); d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return filepath.Join(d, "build", "screenshots")
		}
	}
	return filepath.Join(dir, "screenshots")
}
