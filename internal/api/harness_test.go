package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"net/http/httptest"

	"github.com/orchestera/orchestera/internal/api"
	"github.com/orchestera/orchestera/internal/connections"
	"github.com/orchestera/orchestera/internal/domain"
	"github.com/orchestera/orchestera/internal/githubauth"
	"github.com/orchestera/orchestera/internal/githubauth/githubtest"
	"github.com/orchestera/orchestera/internal/identity"
	"github.com/orchestera/orchestera/internal/localstack"
	"github.com/orchestera/orchestera/internal/runs"
	"github.com/orchestera/orchestera/internal/stacks"
	"github.com/orchestera/orchestera/internal/store/sqlstore"
)

// env is a server on a real SQLite store with GitHub sign-in against the
// fake provider, and every log line it writes.
type env struct {
	t        *testing.T
	srv      *httptest.Server
	store    *sqlstore.Store
	github   *githubtest.Fake
	logs     *syncBuffer
	ghSeq    int64
	stacks   *stacks.Service
	verifier *fakeVerifier
}

const platformAccount = "017059471480"

// fakeVerifier stands in for the AWS verifier (tested against moto in
// internal/awsx): it answers with the checks a test sets and records one
// audited call per verification.
type fakeVerifier struct {
	mu     sync.Mutex
	checks []domain.Check
	seen   []domain.VerificationTarget
}

func (f *fakeVerifier) set(checks ...domain.Check) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.checks = checks
}

func (f *fakeVerifier) Verify(_ context.Context, t domain.VerificationTarget) []domain.Check {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seen = append(f.seen, t)
	t.Audit("sts:AssumeRole", "ok")
	return f.checks
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newEnv(t *testing.T) *env {
	t.Helper()
	st, err := sqlstore.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "orchestera.db"))
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, store: st, github: githubtest.New(), logs: &syncBuffer{}, verifier: &fakeVerifier{}}
	log := slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	var h http.Handler
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	e.stacks = stacks.New(st, time.Now)
	// The executor is real but never started: submitted runs stay pending.
	exec := localstack.New(localstack.Config{Home: t.TempDir(), Python: "python3", Store: st, Log: log, Now: time.Now})
	h = api.New(api.Config{
		Identity: identity.New(st, time.Now, log), Store: st, Log: log, Version: "test", Now: time.Now,
		Stacks: e.stacks, Runs: runs.New(st, e.stacks, exec, time.Now),
		Connections: connections.New(connections.Config{
			Store: st, Verifier: e.verifier, Regions: []string{"us-east-1", "eu-west-1"}, Now: time.Now, Log: log,
			PlatformAccount: func(context.Context) (string, error) { return platformAccount, nil },
		}),
		PublicURL: e.srv.URL,
		SignIn: githubauth.New(githubauth.Config{
			ClientID: e.github.ClientID, ClientSecret: e.github.ClientSecret,
			AuthURL: e.github.URL + "/login/oauth/authorize", TokenURL: e.github.URL + "/login/oauth/access_token",
			APIURL: e.github.URL, RedirectURL: e.srv.URL + "/auth/github/callback",
		}),
	})
	t.Cleanup(func() {
		e.srv.Close()
		e.github.Close()
		st.Close()
	})
	return e
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
	req, _ := http.NewRequest(method, e.srv.URL+path, rd)
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
	e.github.SignInAs(u)
	c := browser()
	next := e.srv.URL + "/auth/github/login" + query
	for hops := 0; hops < 5; hops++ {
		resp, err := c.Get(next)
		if err != nil {
			e.t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		loc := resp.Header.Get("Location")
		if resp.StatusCode != http.StatusFound || !strings.HasPrefix(loc, e.github.URL) && !strings.HasPrefix(loc, e.srv.URL) {
			return response{status: resp.StatusCode, header: resp.Header, body: b}
		}
		next = loc
	}
	e.t.Fatal("too many redirects in sign-in")
	return response{}
}

// signIn signs a GitHub user in and returns their session.
func (e *env) signIn(login, email string) api.SignedIn {
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

func query(kv ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return "?" + v.Encode()
}
