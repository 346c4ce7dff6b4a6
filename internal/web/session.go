package web

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/orchestera/orchestera/internal/domain"
	"github.com/orchestera/orchestera/internal/identity"
)

const (
	sessionCookie = "orchestera_session"
	// sessionTokenName names the API token behind a browser session in
	// the tokens list, so a person can tell it from their CLI's.
	sessionTokenName = "console session"
)

// session is the signed-in browser: who it acts as and its CSRF token.
type session struct {
	P    domain.Principal
	Me   identity.Me
	CSRF string
}

// handler is a page that needs a session; an error it returns is shown as
// the API would answer it.
type handler func(w http.ResponseWriter, r *http.Request, s *session) error

var errNoSession = errors.New("no session")

// errCrossOrigin answers a form posted from another site.
var errCrossOrigin = domain.Errorf(domain.CodeForbidden, "cross-origin request refused: console forms work only from the console's own pages")

// authed resolves the session (or, in local mode on loopback, signs the
// browser in), refuses unsafe requests that fail the origin or CSRF check,
// and sends everyone else to the sign-in page.
func (c *console) authed(h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s, err := c.session(w, r)
		if errors.Is(err, errNoSession) {
			if r.Method != http.MethodGet {
				c.fail(w, r, nil, domain.Errorf(domain.CodeUnauthorized, "your console session has ended; sign in again"))
				return
			}
			http.Redirect(w, r, "/login?next="+url.QueryEscape(localPath(r.URL.RequestURI())), http.StatusSeeOther)
			return
		}
		if err != nil {
			c.fail(w, r, nil, err)
			return
		}
		if unsafe(r.Method) {
			if err := c.guard(w, r, s); err != nil {
				c.fail(w, r, s, err)
				return
			}
		}
		if err := h(w, r, s); err != nil {
			c.fail(w, r, s, err)
		}
	}
}

func unsafe(method string) bool {
	return method != http.MethodGet && method != http.MethodHead && method != http.MethodOptions
}

// maxForm bounds a form post: the largest is an attach's kubeconfig, which
// the API takes up to 256 KiB.
const maxForm = 1 << 20

// guard is the cross-site request defence: the browser's Sec-Fetch-Site or
// Origin must say the request comes from the console itself, and the form
// must carry the session's CSRF token. It reads the form, of at most
// maxForm bytes.
func (c *console) guard(w http.ResponseWriter, r *http.Request, s *session) error {
	if err := c.origin.Check(r); err != nil {
		return errCrossOrigin
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	var err error
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		err = r.ParseMultipartForm(maxForm)
	} else {
		err = r.ParseForm()
	}
	if err != nil {
		return domain.Errorf(domain.CodeInvalid, "the form could not be read (at most %d KiB): %v", maxForm>>10, err)
	}
	if subtle.ConstantTimeCompare([]byte(r.PostFormValue("csrf")), []byte(s.CSRF)) != 1 {
		return domain.Errorf(domain.CodeForbidden, "the form's CSRF token is missing or stale; reload the page and try again")
	}
	return nil
}

// session reads the cookie's token. Expired sessions are revoked when
// seen; in local mode a loopback browser without one gets one.
func (c *console) session(w http.ResponseWriter, r *http.Request) (*session, error) {
	ctx := r.Context()
	ck, err := r.Cookie(sessionCookie)
	if err == nil {
		p, err := c.Identity.Authenticate(ctx, ck.Value)
		if err == nil {
			if s, err := c.live(ctx, p, ck.Value); !errors.Is(err, errNoSession) {
				return s, err
			}
		} else if domain.ErrorCode(err) != domain.CodeUnauthorized {
			return nil, err
		}
	}
	// Only a browser's page load signs in: a script polling the port
	// would otherwise mint a session per request.
	if c.Local && onLoopback(r) && strings.Contains(r.Header.Get("Accept"), "text/html") {
		p, err := c.Identity.LocalAdmin(ctx)
		if err != nil {
			return nil, err
		}
		return c.start(ctx, w, p)
	}
	return nil, errNoSession
}

// live checks the session's age against its token's creation time.
func (c *console) live(ctx context.Context, p domain.Principal, secret string) (*session, error) {
	tok, err := c.Identity.GetToken(ctx, p, p.TokenID)
	if err != nil {
		return nil, err
	}
	if tok.Name != sessionTokenName {
		return nil, errNoSession // an API token pasted into the cookie is not a session
	}
	if c.Now().Sub(tok.CreatedAt) > c.SessionTTL {
		if _, err := c.Identity.RevokeToken(ctx, p, p.TokenID); err != nil {
			return nil, err
		}
		return nil, errNoSession
	}
	me, err := c.Identity.Whoami(ctx, p)
	if err != nil {
		return nil, err
	}
	return &session{P: p, Me: me, CSRF: csrfToken(secret)}, nil
}

// start mints the session's token and sets its cookie.
func (c *console) start(ctx context.Context, w http.ResponseWriter, p domain.Principal) (*session, error) {
	tok, secret, err := c.Identity.CreateToken(ctx, p, sessionTokenName)
	if err != nil {
		return nil, err
	}
	p.TokenID = tok.ID
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: secret, Path: "/", MaxAge: int(c.SessionTTL.Seconds()),
		HttpOnly: true, Secure: c.secure, SameSite: http.SameSiteLaxMode})
	me, err := c.Identity.Whoami(ctx, p)
	if err != nil {
		return nil, err
	}
	return &session{P: p, Me: me, CSRF: csrfToken(secret)}, nil
}

// end revokes the session's token and clears the cookie.
func (c *console) end(ctx context.Context, w http.ResponseWriter, s *session) error {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Path: "/", MaxAge: -1, HttpOnly: true, Secure: c.secure, SameSite: http.SameSiteLaxMode})
	_, err := c.Identity.RevokeToken(ctx, s.P, s.P.TokenID)
	return err
}

// csrfToken is derived from the session's secret, which only the server
// and the HttpOnly cookie know: nothing to store, and a page of another
// site cannot compute it.
func csrfToken(secret string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("orchestera console csrf"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// onLoopback is true for a request from this machine to a loopback name.
// The Host check defeats DNS rebinding: a page of evil.example resolving
// to 127.0.0.1 reaches the port, but with its own Host.
func onLoopback(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil || !isLoopbackHost(host) {
		return false
	}
	name := r.Host
	if h, _, err := net.SplitHostPort(r.Host); err == nil {
		name = h
	}
	return isLoopbackHost(name)
}

func isLoopbackHost(h string) bool {
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}
