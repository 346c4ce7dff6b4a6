package main_test

import (
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/orchestera/orchestera/internal/api/apitest"
	"github.com/orchestera/orchestera/internal/githubauth/githubtest"
	"github.com/orchestera/orchestera/internal/poll"
	"github.com/orchestera/orchestera/internal/web/browsertest"
)

// startHosted runs `orchestera server --mode hosted` on SQLite with GitHub
// sign-in against the fake, and finds its URL in the "serving" log line.
func startHosted(t *testing.T, home string, gh *githubtest.Fake, env ...string) *server {
	t.Helper()
	s := &server{logs: &apitest.Buffer{}, home: home}
	s.cmd = exec.Command(bin, "server", "--mode", "hosted", "--database-url=", "--github-client-id", gh.ClientID,
		"--github-auth-url", gh.URL+"/login/oauth/authorize", "--github-token-url", gh.URL+"/login/oauth/access_token", "--github-api-url", gh.URL)
	s.cmd.Env = append(os.Environ(), append([]string{"ORCHESTERA_HOME=" + home, "ORCHESTERA_LISTEN=127.0.0.1:0",
		"ORCHESTERA_GITHUB_CLIENT_SECRET=" + gh.ClientSecret}, env...)...)
	s.cmd.Stderr = s.logs
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.cmd.Process.Kill(); s.cmd.Wait() })
	serving := regexp.MustCompile(`"msg":"serving","url":"([^"]+)"`)
	s.url = poll.For(t, "the hosted server to listen", 20*time.Second, func() (string, error) {
		if m := serving.FindStringSubmatch(s.logs.String()); m != nil {
			return m[1], nil
		}
		return "", fmt.Errorf("not yet; logs:\n%s", s.logs)
	})
	return s
}

// waitFor polls until the JavaScript expression is true in the page.
func waitFor(t *testing.T, b *browsertest.Browser, what string, within time.Duration, expr string) {
	t.Helper()
	poll.Until(t, what, within, func() error {
		ok, err := browsertest.Eval[bool](b, expr)
		if err == nil && !ok {
			loc, _ := browsertest.Eval[string](b, "location.href + ': ' + document.body.innerText.slice(0, 2000)")
			err = fmt.Errorf("not yet at %s", loc)
		}
		return err
	})
}

// heading waits for a page whose h1 contains s.
func heading(t *testing.T, b *browsertest.Browser, s string) {
	t.Helper()
	waitFor(t, b, "a page headed "+s, 30*time.Second, fmt.Sprintf(`!!document.querySelector("h1") && document.querySelector("h1").textContent.includes(%q) && document.readyState === "complete"`, s))
}

// has reports whether the page's text contains s.
func has(s string) string {
	return fmt.Sprintf(`document.body.innerText.includes(%q)`, s)
}

// text is the text of the first element matching a CSS selector.
func text(b *browsertest.Browser, css string) string {
	return browsertest.Get(b, "reading "+css, 10*time.Second, chromedp.Text(chromedp.CSS(css)))
}

// focusOn waits until the element with the focus is the one cond names
// (autofocus lands once the page has loaded).
func focusOn(t *testing.T, b *browsertest.Browser, what, cond string) {
	t.Helper()
	waitFor(t, b, "the focus on "+what, 5*time.Second, cond)
}

// shot checks what every page must have, then saves its screenshot: each
// field has a label, each button and link a name, one h1.
func shot(t *testing.T, b *browsertest.Browser, name string) {
	t.Helper()
	bad, err := browsertest.Eval[string](b, `(() => {
		const out = [];
		document.querySelectorAll("input:not([type=hidden]), select, textarea").forEach(el => { if (!el.labels || el.labels.length === 0) out.push("field " + (el.id || el.name)); });
		document.querySelectorAll("button, a[href]").forEach(el => { if (!(el.textContent.trim() || el.getAttribute("aria-label"))) out.push("unnamed " + el.outerHTML.slice(0, 80)); });
		if (document.querySelectorAll("h1").length !== 1) out.push("h1 count " + document.querySelectorAll("h1").length);
		return out.join("; ");
	})()`)
	if err != nil || bad != "" {
		t.Fatalf("page %s: %v %s", name, err, bad)
	}
	b.Screenshot(name)
}
