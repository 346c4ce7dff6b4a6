package web

import (
	"embed"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/orchestera/orchestera/internal/connections"
	"github.com/orchestera/orchestera/internal/domain"
	"github.com/orchestera/orchestera/internal/identity"
	"github.com/orchestera/orchestera/internal/runs"
	"github.com/orchestera/orchestera/internal/secrets"
	"github.com/orchestera/orchestera/internal/stacks"
)

//go:embed templates/*.html static/*
var files embed.FS

// DefaultSessionTTL is how long a console sign-in lasts.
const DefaultSessionTTL = 12 * time.Hour

// Config is what the console needs; cmd/orchestera wires it.
type Config struct {
	Identity    *identity.Service
	Stacks      *stacks.Service
	Runs        *runs.Service
	Connections *connections.Service
	Secrets     *secrets.Service
	// SignIn is GitHub (hosted mode), its redirect URL being
	// CallbackPath under the public URL; nil in local mode.
	SignIn domain.SignInProvider
	// Local mode signs a browser on loopback in as the local admin.
	Local bool
	// PublicURL is the server's external base URL; https makes cookies
	// Secure.
	PublicURL  string
	SessionTTL time.Duration // DefaultSessionTTL when zero
	// LivePoll is how often live pages look for news (1s when zero).
	LivePoll time.Duration
	Regions  []string // the regions stacks may use, for the wizard
	Log      *slog.Logger
	Now      func() time.Time
}

// CallbackPath is where GitHub sends the browser back to the console. It is
// a subdirectory of the API's /auth/github/callback, which GitHub accepts
// for an OAuth app registered with that callback URL.
const CallbackPath = "/auth/github/callback/console"

type console struct {
	Config
	pages  pages
	origin *http.CrossOriginProtection
	secure bool
}

// New returns the console's handler, to serve every path the API does not.
func New(cfg Config) http.Handler {
	if cfg.SessionTTL == 0 {
		cfg.SessionTTL = DefaultSessionTTL
	}
	if cfg.LivePoll == 0 {
		cfg.LivePoll = time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	c := &console{Config: cfg, pages: loadPages(), origin: http.NewCrossOriginProtection(),
		secure: strings.HasPrefix(cfg.PublicURL, "https://")}
	// Behind a proxy the Host header may be an internal name; the public
	// origin is the one browsers send.
	if o := strings.TrimRight(cfg.PublicURL, "/"); o != "" {
		c.origin.AddTrustedOrigin(o)
	}
	mux := http.NewServeMux()
	c.routes(mux)
	return headers(mux)
}

func (c *console) routes(mux *http.ServeMux) {
	mux.Handle("GET /static/", static())
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/stacks", http.StatusSeeOther) })
	c.signInRoutes(mux)
	c.orgRoutes(mux)
	c.awsRoutes(mux)
	c.stackRoutes(mux)
	c.wizardRoutes(mux)
	c.attachRoutes(mux)
	c.namespaceRoutes(mux)
	c.runRoutes(mux)
	mux.HandleFunc("GET /audit", c.authed(c.auditPage))
	mux.HandleFunc("/", c.authed(func(w http.ResponseWriter, r *http.Request, s *session) error {
		return domain.Errorf(domain.CodeNotFound, "no page at %s", r.URL.Path)
	}))
}

// headers sets what every console answer carries: pages are never cached
// (they show external IDs and token secrets) and load only our own assets.
func headers(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		if !strings.HasPrefix(r.URL.Path, "/static/") {
			h.Set("Cache-Control", "no-store")
		}
		next.ServeHTTP(w, r)
	})
}
