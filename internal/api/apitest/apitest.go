// Package apitest starts the whole HTTP API for tests: real SQLite store and
// services, GitHub sign-in against the githubtest fake, a local-stack
// executor that is never started (submitted runs stay pending; it keeps
// the local stack's secrets), and a
// scripted role verifier in place of AWS (the real one is tested against
// moto in internal/aws/verify).
package apitest

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/orchestera/orchestera/internal/api"
	"github.com/orchestera/orchestera/internal/connections"
	"github.com/orchestera/orchestera/internal/domain"
	"github.com/orchestera/orchestera/internal/githubauth"
	"github.com/orchestera/orchestera/internal/githubauth/githubtest"
	"github.com/orchestera/orchestera/internal/identity"
	"github.com/orchestera/orchestera/internal/localrun"
	"github.com/orchestera/orchestera/internal/runs"
	"github.com/orchestera/orchestera/internal/secrets"
	"github.com/orchestera/orchestera/internal/stacks"
	"github.com/orchestera/orchestera/internal/store/sqlstore"
)

// PlatformAccount is the account customer roles trust in these servers.
const PlatformAccount = "017059471480"

// Server is a running API with handles on its parts.
type Server struct {
	URL      string
	Store    *sqlstore.Store
	Identity *identity.Service
	Stacks   *stacks.Service
	GitHub   *githubtest.Fake
	Verifier *Verifier
	Logs     *Buffer // every log line, JSON
	// RunsHome is the local executor's home: a test plants a run's log at
	// RunsHome/runs/<id>/log.
	RunsHome string
	// Platform is the account customer roles must trust; set it before
	// the first request to change it.
	Platform string
}

// Start starts a server that is closed when the test ends.
func Start(t testing.TB) *Server { return StartWith(t, nil) }

// StartWith starts a server whose configuration edit changes first.
func StartWith(t testing.TB, edit func(*api.Config)) *Server {
	t.Helper()
	st, err := sqlstore.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "orchestera.db"))
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Store: st, GitHub: githubtest.New(), Verifier: &Verifier{}, Logs: &Buffer{}, Platform: PlatformAccount}
	log := slog.New(slog.NewJSONHandler(s.Logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s.Identity = identity.New(identity.Config{Store: st, Log: log})
	s.Stacks = stacks.New(stacks.Config{Store: st})
	s.RunsHome = t.TempDir()
	exec := localrun.New(localrun.Config{Home: s.RunsHome, Python: "python3", Store: st, Log: log})
	var h http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	s.URL = srv.URL
	cfg := api.Config{
		Identity: s.Identity, Store: st, Log: log, Version: "test", Now: time.Now,
		Stacks: s.Stacks, Runs: runs.New(runs.Config{Store: st, Stacks: s.Stacks, Executors: map[domain.StackKind]domain.Executor{domain.StackLocal: exec}}),
		Secrets: secrets.New(secrets.Config{Stacks: s.Stacks, Keepers: map[domain.StackKind]domain.SecretKeeper{domain.StackLocal: exec}}),
		Connections: connections.New(connections.Config{
			Store: st, Verifier: s.Verifier, Regions: []string{"us-east-1", "eu-west-1"}, Log: log,
			PlatformAccount: func(context.Context) (string, error) { return s.Platform, nil },
		}),
		PublicURL: srv.URL,
		SignIn: githubauth.New(githubauth.Config{
			ClientID: s.GitHub.ClientID, ClientSecret: s.GitHub.ClientSecret,
			AuthURL: s.GitHub.URL + "/login/oauth/authorize", TokenURL: s.GitHub.URL + "/login/oauth/access_token",
			APIURL: s.GitHub.URL, RedirectURL: srv.URL + "/auth/github/callback",
		}),
	}
	if edit != nil {
		edit(&cfg)
	}
	h = api.New(cfg)
	t.Cleanup(func() {
		srv.Close()
		s.GitHub.Close()
		st.Close()
	})
	return s
}

// Verifier answers verifications with the checks a test sets and records
// one audited sts:AssumeRole per verification.
type Verifier struct {
	mu     sync.Mutex
	checks []domain.Check
	seen   []domain.VerificationTarget
}

// Set scripts the checks of the next verifications.
func (v *Verifier) Set(checks ...domain.Check) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.checks = checks
}

// Last is the target of the latest verification.
func (v *Verifier) Last() domain.VerificationTarget {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.seen[len(v.seen)-1]
}

// Verify implements domain.RoleVerifier.
func (v *Verifier) Verify(_ context.Context, t domain.VerificationTarget) []domain.Check {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.seen = append(v.seen, t)
	t.Audit("sts:AssumeRole", "ok")
	return v.checks
}

// Buffer is a bytes.Buffer safe to read while something writes to it.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
