package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestGitHubSignInStartsAnHttpOnlySession(t *testing.T) {
	e := newEnv(t, false)
	b := e.signIn("ada", "Ada Lovelace")
	cookies := b.c.Jar.Cookies(mustURL(t, e.URL))
	if len(cookies) != 1 || cookies[0].Name != "orchestera_session" {
		t.Fatalf("cookies after sign-in: %v", cookies)
	}
	// The jar hides the attributes: sign in once more and read Set-Cookie.
	e.GitHub.SignInAs(githubUser("ada"))
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, _ := c.Get(e.URL + "/auth/github/console?next=/org")
	state := resp.Cookies()[0]
	resp, _ = c.Get(resp.Header.Get("Location"))
	req, _ := http.NewRequest("GET", resp.Header.Get("Location"), nil)
	req.AddCookie(state)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	set := strings.Join(resp.Header.Values("Set-Cookie"), "\n")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/org" ||
		!strings.Contains(set, "orchestera_session=orch_") || !strings.Contains(set, "HttpOnly") || !strings.Contains(set, "SameSite=Lax") {
		t.Fatalf("callback: %d to %s, Set-Cookie:\n%s", resp.StatusCode, resp.Header.Get("Location"), set)
	}

	// A callback without the browser's state cookie is login CSRF.
	e.GitHub.SignInAs(githubUser("ada"))
	resp, _ = c.Get(e.URL + "/auth/github/console")
	resp, _ = c.Get(resp.Header.Get("Location"))
	resp, _ = http.Get(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("callback without the state cookie = %d", resp.StatusCode)
	}
}

func TestSessionsEndAtLogoutAndExpiry(t *testing.T) {
	e := newEnv(t, false)
	b := e.signIn("ada", "Ada")
	must(t, b.post("/org", "/logout", nil), http.StatusOK, "You are signed out")
	if p := b.get("/stacks"); !strings.Contains(p.url, "/login?next=%2Fstacks") {
		t.Fatalf("after logout /stacks went to %s", p.url)
	}

	b = e.signIn("ada", "Ada")
	e.clock.Store(int64(13 * time.Hour))
	if p := b.get("/org"); !strings.Contains(p.url, "/login") {
		t.Fatalf("an expired session still opened %s", p.url)
	}
	e.clock.Store(0)
	if p := b.get("/org"); !strings.Contains(p.url, "/login") {
		t.Fatalf("an expired session was not revoked: %s", p.url)
	}
}

func TestUnsafeRequestsNeedTheCSRFTokenAndTheConsolesOrigin(t *testing.T) {
	e := newEnv(t, false)
	b := e.signIn("ada", "Ada")
	token := b.csrf("/org")
	other := e.signIn("bob", "Bob").csrf("/org")
	cases := []struct {
		name   string
		header map[string]string
		form   url.Values
		want   string
	}{
		{"no token", nil, url.Values{"name": {"a"}}, "CSRF token is missing"},
		{"another session's token", nil, url.Values{"name": {"a"}, "csrf": {other}}, "CSRF token is missing"},
		{"cross-site", map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "http://evil.example"}, url.Values{"name": {"a"}, "csrf": {token}}, "cross-origin request refused"},
		{"same-site, another port", map[string]string{"Sec-Fetch-Site": "same-site", "Origin": "http://127.0.0.1:1"}, url.Values{"name": {"a"}, "csrf": {token}}, "cross-origin request refused"},
		{"another origin", map[string]string{"Sec-Fetch-Site": "", "Origin": "http://evil.example"}, url.Values{"name": {"a"}, "csrf": {token}}, "cross-origin request refused"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for k, v := range c.header {
				b.header.Set(k, v)
			}
			defer func() { b.header = http.Header{} }()
			if c.header["Sec-Fetch-Site"] == "" && c.header != nil {
				b.header["Sec-Fetch-Site"] = nil
			}
			must(t, b.do("POST", "/org/tokens", c.form), http.StatusForbidden, c.want)
		})
	}
	if p := b.get("/org"); strings.Contains(p.body, ">a<") {
		t.Fatal("a refused request created a token")
	}
	must(t, b.do("POST", "/org/tokens", url.Values{"name": {"laptop"}, "csrf": {token}}), http.StatusCreated, "shown only once")
}

func TestLocalModeSignsInOnlyABrowserOnThisMachine(t *testing.T) {
	e := newEnv(t, true)
	b := e.browser()
	must(t, b.get("/stacks"), http.StatusOK, "admin@localhost.localdomain")

	// DNS rebinding: a page of another name that resolves to loopback.
	other := e.browser()
	other.header.Set("Host", "evil.example")
	req, _ := http.NewRequest("GET", e.URL+"/stacks", nil)
	req.Host = "evil.example"
	req.Header.Set("Accept", "text/html")
	resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login") || len(resp.Cookies()) != 0 {
		t.Fatalf("a rebinding page got %d %s %v", resp.StatusCode, resp.Header.Get("Location"), resp.Cookies())
	}
	// Scripts (no text/html) get no session minted for them.
	resp, _ = (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Get(e.URL + "/stacks")
	if len(resp.Cookies()) != 0 {
		t.Fatal("a script's request minted a session")
	}
}

func TestUnknownAPIPathsStayTheAPIs(t *testing.T) {
	e := newEnv(t, false)
	resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Get(e.URL + "/v1/nope")
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusNotFound || strings.Contains(resp.Header.Get("Content-Type"), "html") {
		t.Fatalf("GET /v1/nope = %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}
