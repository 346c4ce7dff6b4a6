package api_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/orchestera/orchestera/internal/api"
	"github.com/orchestera/orchestera/internal/api/apitest"
	"github.com/orchestera/orchestera/internal/githubauth/githubtest"
)

// env is a whole API server (apitest) and helpers to call it.
type env struct {
	*apitest.Server
	t     *testing.T
	ghSeq int64
}

const platformAccount = apitest.PlatformAccount

func newEnv(t *testing.T) *env {
	t.Helper()
	return &env{Server: apitest.Start(t), t: t}
}

// response is a decoded answer.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) decode(t *testing.T, into any) {
	t.Helper()
	if err := json.Unmarshal(r.body, into); err != nil {
		t.Fatalf("decoding %s: %v", r.body, err)
	}
}

func (r response) problem(t *testing.T) api.Problem {
	t.Helper()
	if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type = %q, want application/problem+json; body %s", ct, r.body)
	}
	var p api.Problem
	r.decode(t, &p)
	return p
}

// call makes one request with token (empty for none) and body (nil for none).
func (e *env) call(method, path, token string, body any) response {
	e.t.Helper()
	return e.callWithHeader(method, path, token, nil, body)
}

func (e *env) callWithHeader(method, path, token string, header map[string]string, body any) response {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, e.URL+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

// must calls and fails the test unless the status is want.
func (e *env) must(want int, method, path, token string, body any) response {
	e.t.Helper()
	r := e.call(method, path, token, body)
	if r.status != want {
		e.t.Fatalf("%s %s = %d, want %d: %s", method, path, r.status, want, r.body)
	}
	return r
}

// browser is a client with cookies that does not follow redirects by
// itself, so tests see each hop of the OAuth dance.
func browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// signInFlow runs GitHub sign-in for u in a fresh browser, following
// redirects until the server answers, and returns that last answer.
func (e *env) signInFlow(u githubtest.User, query string) response {
	e.t.Helper()
	e.GitHub.SignInAs(u)
	c := browser()
	next := e.URL + "/auth/github/login" + query
	for hops := 0; hops < 5; hops++ {
		resp, err := c.Get(next)
		if err != nil {
			e.t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		loc := resp.Header.Get("Location")
		if resp.StatusCode != http.StatusFound || !strings.HasPrefix(loc, e.GitHub.URL) && !strings.HasPrefix(loc, e.URL) {
			return response{status: resp.StatusCode, header: resp.Header, body: b}
		}
		next = loc
	}
	e.t.Fatal("too many redirects in sign-in")
	return response{}
}

// signIn signs a GitHub user in and returns their session, which must be
// complete (a token, no choice).
func (e *env) signIn(login, email string) api.SignedIn {
	e.t.Helper()
	s := e.signInChoice(login, email)
	if s.Token == "" || s.Organization == nil {
		e.t.Fatalf("sign-in of %s did not complete: %+v", email, s)
	}
	return s
}

// signInChoice signs a GitHub user in and returns the answer as it is.
func (e *env) signInChoice(login, email string) api.SignedIn {
	e.t.Helper()
	e.ghSeq++
	r := e.signInFlow(githubtest.User{ID: 1000 + e.ghSeq, Login: login, Name: login, Email: email, Verified: true}, "")
	if r.status != http.StatusOK {
		e.t.Fatalf("sign-in of %s = %d: %s", email, r.status, r.body)
	}
	var s api.SignedIn
	r.decode(e.t, &s)
	return s
}

// join signs an invited user in and accepts their one pending invitation.
func (e *env) join(login, email string) api.SignedIn {
	e.t.Helper()
	c := e.signInChoice(login, email)
	if c.Choice == nil || len(c.Choice.Invitations) != 1 {
		e.t.Fatalf("sign-in of invited %s = %+v, want a choice of one invitation", email, c)
	}
	var s api.SignedIn
	e.must(200, "POST", "/auth/github/accept-invitation", "", map[string]any{"ticket": c.Choice.Ticket, "invitation_id": c.Choice.Invitations[0].ID}).decode(e.t, &s)
	return s
}

func query(kv ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return "?" + v.Encode()
}
