package web

import (
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"

	"github.com/orchestera/orchestera/internal/domain"
	"github.com/orchestera/orchestera/internal/identity"
)

const stateCookie = "orchestera_console_oauth"

// oauthState rides through GitHub in the state parameter; Nonce must match
// the cookie set when the sign-in started, which defeats login CSRF.
type oauthState struct {
	Nonce        string `json:"n"`
	InvitationID string `json:"i,omitempty"`
	Next         string `json:"x,omitempty"`
}

func (c *console) signInRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /login", c.loginPage)
	mux.HandleFunc("GET /invitations/{id}", c.invitationPage)
	mux.HandleFunc("POST /logout", c.authed(func(w http.ResponseWriter, r *http.Request, s *session) error {
		if err := c.end(r.Context(), w, s); err != nil {
			return err
		}
		return c.redirect(w, r, "/login?signed_out=1", "Signed out.")
	}))
	if c.SignIn == nil {
		return
	}
	mux.HandleFunc("GET /auth/github/console", c.startGitHub)
	mux.HandleFunc("GET "+CallbackPath, c.finishGitHub)
	// The choice of a signed-in person with pending invitations. No session
	// exists yet: the single-use ticket (unguessable, 15 minutes) is what a
	// cross-site form could not know, and the origin check applies.
	mux.HandleFunc("POST /signin/accept", c.sameOrigin(func(w http.ResponseWriter, r *http.Request) {
		res, err := c.Identity.AcceptInvitation(r.Context(), r.PostFormValue("ticket"), r.PostFormValue("invitation_id"))
		c.signedIn(w, r, res, err, r.PostFormValue("next"))
	}))
	mux.HandleFunc("POST /signin/create-organization", c.sameOrigin(func(w http.ResponseWriter, r *http.Request) {
		res, err := c.Identity.CreateOrganization(r.Context(), r.PostFormValue("ticket"))
		c.signedIn(w, r, res, err, r.PostFormValue("next"))
	}))
}

// sameOrigin refuses a form posted from another site, as authed does for
// the forms of a session.
func (c *console) sameOrigin(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := c.origin.Check(r); err != nil {
			c.fail(w, r, nil, errCrossOrigin)
			return
		}
		h(w, r)
	}
}

// chooseData is the page of a person with pending invitations.
type chooseData struct {
	Email, Ticket, Next, Selected string
	Offers                        []domain.InvitationOffer
}

// Offer is the invitation the sign-in started from, nil when it is not
// among the pending ones (revoked, expired, or sent to another email).
func (d chooseData) Offer() *domain.InvitationOffer {
	for i, o := range d.Offers {
		if o.ID == d.Selected {
			return &d.Offers[i]
		}
	}
	return nil
}

// invitationData is the invitation page: before sign-in, after it (the
// explicit choice), or in a browser signed in to an organization already.
type invitationData struct {
	loginData
	Choice *chooseData
	Member *session
}

type loginData struct {
	Next, InvitationID string
	GitHub, Loopback   bool
	SignedOut          bool
}

func (c *console) loginPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	d := loginData{Next: localPath(q.Get("next")), GitHub: c.SignIn != nil, Loopback: onLoopback(r), SignedOut: q.Get("signed_out") != ""}
	if err := c.render(w, r, 0, "login", view{Title: "Sign in", Data: d}); err != nil {
		c.fail(w, r, nil, err)
	}
}

// invitationPage is where an invitation link lands: the invitee signs in
// with GitHub and comes back here to accept it explicitly. A browser that
// is signed in already is told why it cannot: an email belongs to one
// organization.
func (c *console) invitationPage(w http.ResponseWriter, r *http.Request) {
	d := invitationData{loginData: loginData{Next: "/org", GitHub: c.SignIn != nil, InvitationID: r.PathValue("id")}}
	if d.GitHub {
		if s, err := c.session(w, r); err == nil {
			d.Member = s
		}
	}
	if err := c.render(w, r, 0, "invitation", view{Title: "Invitation", S: d.Member, Data: d}); err != nil {
		c.fail(w, r, nil, err)
	}
}

func (c *console) startGitHub(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	st := oauthState{Nonce: domain.NewTokenSecret(), InvitationID: q.Get("invitation"), Next: localPath(q.Get("next"))}
	raw, _ := json.Marshal(st)
	http.SetCookie(w, &http.Cookie{Name: stateCookie, Value: st.Nonce, Path: CallbackPath, MaxAge: 600,
		HttpOnly: true, Secure: c.secure, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, c.SignIn.AuthCodeURL(base64.RawURLEncoding.EncodeToString(raw)), http.StatusFound)
}

// finishGitHub signs the person in (accepting the invitation the sign-in
// started with, if any) and starts their session.
func (c *console) finishGitHub(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	var st oauthState
	raw, err := base64.RawURLEncoding.DecodeString(q.Get("state"))
	ck, cerr := r.Cookie(stateCookie)
	if err != nil || cerr != nil || json.Unmarshal(raw, &st) != nil || st.Nonce == "" ||
		subtle.ConstantTimeCompare([]byte(st.Nonce), []byte(ck.Value)) != 1 {
		c.fail(w, r, nil, domain.Invalid("state", "oauth_state", "does not match this browser's sign-in; start again from /login"))
		return
	}
	http.SetCookie(w, &http.Cookie{Name: stateCookie, Path: CallbackPath, MaxAge: -1})
	ext, err := c.SignIn.Exchange(ctx, q.Get("code"))
	if err != nil {
		c.fail(w, r, nil, err)
		return
	}
	res, err := c.Identity.SignIn(ctx, ext, st.InvitationID)
	if err == nil && res.Pending() {
		// Signing in never joins an organization by itself: the person
		// picks an invitation, or an organization of their own.
		d := chooseData{Email: res.User.Email, Ticket: res.Ticket, Next: localPath(st.Next), Selected: st.InvitationID, Offers: res.Offers}
		page, v := "choose", view{Title: "Choose an organization", Data: d}
		if st.InvitationID != "" {
			page, v = "invitation", view{Title: "Invitation", Data: invitationData{loginData: loginData{InvitationID: st.InvitationID, GitHub: true}, Choice: &d}}
		}
		if err := c.render(w, r, 0, page, v); err != nil {
			c.fail(w, r, nil, err)
		}
		return
	}
	c.signedIn(w, r, res, err, st.Next)
}

// signedIn starts the session of a finished sign-in and goes on to next.
func (c *console) signedIn(w http.ResponseWriter, r *http.Request, res identity.SignInResult, err error, next string) {
	ctx := r.Context()
	if err != nil {
		c.fail(w, r, nil, err)
		return
	}
	p := domain.Principal{OrgID: res.Organization.ID, UserID: res.User.ID, Role: res.Role}
	c.sweep(r, p)
	if _, err := c.start(ctx, w, p); err != nil {
		c.fail(w, r, nil, err)
		return
	}
	flash := "Signed in to " + res.Organization.Name + " as " + string(res.Role) + "."
	if res.Created {
		flash = "Welcome! You are " + string(res.Role) + " of " + res.Organization.Name + "."
	}
	c.redirect(w, r, localPath(next), flash)
}

// sweep revokes the person's console sessions that expired unseen, so
// their tokens do not outlive them.
func (c *console) sweep(r *http.Request, p domain.Principal) {
	toks, err := c.Identity.ListTokens(r.Context(), p)
	if err != nil {
		c.Log.WarnContext(r.Context(), "listing sessions to sweep", "err", err)
		return
	}
	for _, t := range toks {
		if t.Name == sessionTokenName && t.RevokedAt == nil && c.Now().Sub(t.CreatedAt) > c.SessionTTL {
			if _, err := c.Identity.RevokeToken(r.Context(), p, t.ID); err != nil {
				c.Log.WarnContext(r.Context(), "revoking an expired session", "err", err)
			}
		}
	}
}

// githubLink starts a sign-in that comes back to next.
func githubLink(next, invitation string) string {
	v := url.Values{"next": {next}}
	if invitation != "" {
		v.Set("invitation", invitation)
	}
	return "/auth/github/console?" + v.Encode()
}
