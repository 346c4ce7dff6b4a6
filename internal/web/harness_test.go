package web_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orchestera/orchestera/internal/api"
	"github.com/orchestera/orchestera/internal/api/apitest"
	"github.com/orchestera/orchestera/internal/connections"
	"github.com/orchestera/orchestera/internal/domain"
	"github.com/orchestera/orchestera/internal/githubauth"
	"github.com/orchestera/orchestera/internal/githubauth/githubtest"
	"github.com/orchestera/orchestera/internal/identity"
	"github.com/orchestera/orchestera/internal/localrun"
	"github.com/orchestera/orchestera/internal/runs"
	"github.com/orchestera/orchestera/internal/secretbox"
	"github.com/orchestera/orchestera/internal/secrets"
	"github.com/orchestera/orchestera/internal/stacks"
	"github.com/orchestera/orchestera/internal/store/sqlstore"
	"github.com/orchestera/orchestera/internal/web"
)

// env is the API with the console mounted, on a real SQLite store, with
// GitHub sign-in against the fake, a scripted role verifier, a local
// executor that never starts (runs stay pending) and a fake cluster for
// kubernetes stacks (fakeCluster). Browser tests of the whole binary, on
// a real cluster, are in cmd/orchestera.
type env struct {
	URL      string
	Store    *sqlstore.Store
	Stacks   *stacks.Service
	GitHub   *githubtest.Fake
	Verifier *apitest.Verifier
	cluster  *fakeCluster
	clock    atomic.Int64 // the console's offset from real time, in ns
	seq      int64
	t        *testing.T
}

func newEnv(t *testing.T, local bool, opts ...func(*api.Config)) *env {
	t.Helper()
	st, err := sqlstore.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "orchestera.db"))
	if err != nil {
		t.Fatal(err)
	}
	e := &env{Store: st, GitHub: githubtest.New(), Verifier: &apitest.Verifier{}, t: t}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ids := identity.New(identity.Config{Store: st, Log: log})
	box, err := secretbox.Load("", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	cluster := &fakeCluster{}
	e.cluster = cluster
	providers := map[domain.StackKind]domain.StackProvider{domain.StackKubernetes: cluster}
	e.Stacks = stacks.New(stacks.Config{Store: st, Providers: providers, Attacher: cluster, Sealer: box,
		Syncer: stacks.NewSyncer(stacks.SyncerConfig{Store: st, Providers: providers, Log: log})})
	exec := localrun.New(localrun.Config{Home: t.TempDir(), Python: "python3", Store: st, Log: log})
	secretSvc := secrets.New(secrets.Config{Stacks: e.Stacks, Keepers: map[domain.StackKind]domain.SecretKeeper{
		domain.StackLocal: exec, domain.StackKubernetes: secrets.Sealed{Store: st, Sealer: box, Changed: e.Stacks.Resync}}})
	rs := runs.New(runs.Config{Store: st, Stacks: e.Stacks, Executors: map[domain.StackKind]domain.Executor{domain.StackLocal: exec}})
	conns := connections.New(connections.Config{Store: st, Verifier: e.Verifier, Regions: []string{"us-east-1", "eu-west-1"}, Log: log,
		PlatformAccount: func(context.Context) (string, error) { return apitest.PlatformAccount, nil }})
	var h http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	e.URL = srv.URL
	cfg := web.Config{Identity: ids, Stacks: e.Stacks, Runs: rs, Connections: conns, Secrets: secretSvc, Local: local, PublicURL: srv.URL,
		Regions: []string{"us-east-1", "eu-west-1"}, Log: log, LivePoll: 10 * time.Millisecond,
		Now: func() time.Time { return time.Now().Add(time.Duration(e.clock.Load())) }}
	if local {
		if _, _, err := ids.EnsureLocal(context.Background(), ""); err != nil {
			t.Fatal(err)
		}
	} else {
		cfg.SignIn = githubauth.New(githubauth.Config{ClientID: e.GitHub.ClientID, ClientSecret: e.GitHub.ClientSecret,
			AuthURL: e.GitHub.URL + "/login/oauth/authorize", TokenURL: e.GitHub.URL + "/login/oauth/access_token",
			APIURL: e.GitHub.URL, RedirectURL: srv.URL + web.CallbackPath})
	}
	apiCfg := api.Config{Identity: ids, Stacks: e.Stacks, Runs: rs, Connections: conns, Secrets: secretSvc, Store: st, Log: log, Version: "test",
		Now: time.Now, PublicURL: srv.URL, Console: web.New(cfg)}
	for _, o := range opts {
		o(&apiCfg)
	}
	h = api.New(apiCfg)
	t.Cleanup(func() {
		srv.Close()
		e.GitHub.Close()
		st.Close()
	})
	return e
}

// browser is a cookie jar with what a browser sends: HTML accepted, and
// on unsafe requests the fetch metadata of a same-origin form.
type browser struct {
	e      *env
	c      *http.Client
	header http.Header // extra headers on every request
}

func (e *env) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{e: e, c: &http.Client{Jar: jar}, header: http.Header{}}
}

// page is an answer with its body.
type page struct {
	status int
	url    string
	header http.Header
	body   string
}

func (b *browser) do(method, path string, form url.Values) page {
	b.e.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, b.e.URL+path, body)
	req.Header.Set("Accept", "text/html")
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", b.e.URL)
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	for k, v := range b.header {
		req.Header[k] = v
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return page{status: resp.StatusCode, url: resp.Request.URL.String(), header: resp.Header, body: string(raw)}
}

func (b *browser) get(path string) page { return b.do(http.MethodGet, path, nil) }

// post sends a form with the CSRF token of the page at from.
func (b *browser) post(from, path string, form url.Values) page {
	b.e.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	form.Set("csrf", b.csrf(from))
	return b.do(http.MethodPost, path, form)
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (b *browser) csrf(from string) string {
	b.e.t.Helper()
	p := b.get(from)
	m := csrfField.FindStringSubmatch(p.body)
	if m == nil {
		b.e.t.Fatalf("no CSRF token on %s (%d):\n%s", from, p.status, p.body)
	}
	return m[1]
}

// signIn runs GitHub sign-in in a fresh browser.
func (e *env) signIn(login, name string) *browser {
	e.t.Helper()
	e.seq++
	u := githubUser(login)
	u.Name = name
	e.GitHub.SignInAs(u)
	b := e.browser()
	p := b.get("/login")
	link := regexp.MustCompile(`href="(/auth/github/console[^"]*)"`).FindStringSubmatch(p.body)
	if link == nil {
		e.t.Fatalf("no GitHub link on the sign-in page:\n%s", p.body)
	}
	if p = b.get(strings.ReplaceAll(link[1], "&amp;", "&")); p.status != http.StatusOK || !strings.Contains(p.body, login+"@example.com") {
		e.t.Fatalf("after signing in %s: %d %s\n%s", login, p.status, p.url, p.body)
	}
	return b
}

func must(t *testing.T, p page, status int, contains ...string) {
	t.Helper()
	if p.status != status {
		t.Fatalf("%s = %d, want %d:\n%s", p.url, p.status, status, p.body)
	}
	for _, c := range contains {
		if !strings.Contains(p.body, c) {
			t.Fatalf("%s lacks %q:\n%s", p.url, c, p.body)
		}
	}
}

// postFile sends a multipart form, as a form with a file input does, with
// the CSRF token of the page at from; files maps a field to its content.
func (b *browser) postFile(from, path string, form url.Values, files map[string]string) page {
	b.e.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("csrf", b.csrf(from))
	for k, vs := range form {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	for field, content := range files {
		fw, _ := mw.CreateFormFile(field, field+".yaml")
		io.WriteString(fw, content)
	}
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, b.e.URL+path, &buf)
	req.Header.Set("Accept", "text/html")
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", b.e.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := b.c.Do(req)
	if err != nil {
		b.e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return page{status: resp.StatusCode, url: resp.Request.URL.String(), header: resp.Header, body: string(raw)}
}
