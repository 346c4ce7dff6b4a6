package api

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/orchestera/orchestera/internal/domain"
	"github.com/orchestera/orchestera/internal/identity"
)

const stateCookie = "orchestera_oauth_state"

// oauthState rides through the provider in the state parameter; Nonce must
// match the cookie set at login, which defeats login CSRF.
type oauthState struct {
	Nonce        string `json:"n"`
	InvitationID string `json:"i,omitempty"`
	CLIRedirect  string `json:"r,omitempty"`
}

type (
	signInStart struct {
		InvitationID string `query:"invitation" doc:"The invitation (inv_...) the user means to accept: an existing member of another organization is told why they cannot"`
		CLIRedirect  string `query:"cli_redirect" doc:"Loopback URL of a waiting 'orchestera login' to hand the token (or the choice's ticket) to"`
	}
	redirect struct {
		Status    int
		Location  string      `header:"Location"`
		SetCookie http.Cookie `header:"Set-Cookie"`
	}
	signInCallback struct {
		Code  string `query:"code" required:"true"`
		State string `query:"state" required:"true"`
		Nonce string `cookie:"orchestera_oauth_state"`
	}
	signInDone struct {
		Status    int
		Location  string      `header:"Location"`
		SetCookie http.Cookie `header:"Set-Cookie"`
		Body      *SignedIn
	}
	ticketBody struct {
		Body struct {
			Ticket string `json:"ticket" doc:"The ticket of the sign-in's choice"`
		}
	}
	choiceBody struct {
		Body struct {
			Ticket       string `json:"ticket" doc:"The ticket of the sign-in's choice"`
			InvitationID string `json:"invitation_id,omitempty" doc:"The invitation to accept (accept-invitation only)"`
			TokenName    string `json:"token_name,omitempty" doc:"The new token's name (default github-sign-in)"`
		}
	}
)

func registerSignIn(s *server) {
	// The state cookie travels only over https when the server is served
	// over https, so a network observer cannot read it on a downgraded hop.
	secure := strings.HasPrefix(strings.ToLower(s.PublicURL), "https://")
	huma.Register(s.api, op("github-login", http.MethodGet, "/auth/github/login", "Start GitHub sign-in (redirects to GitHub)", "sign-in", false),
		func(ctx context.Context, in *signInStart) (*redirect, error) {
			if in.CLIRedirect != "" && !isLoopbackURL(in.CLIRedirect) {
				return nil, s.fail(ctx, domain.Invalid("cli_redirect", "loopback_url", "must be an http URL on 127.0.0.1, [::1] or localhost with a port"))
			}
			st := oauthState{Nonce: domain.NewTokenSecret(), InvitationID: in.InvitationID, CLIRedirect: in.CLIRedirect}
			raw, _ := json.Marshal(st)
			return &redirect{
				Status:   http.StatusFound,
				Location: s.SignIn.AuthCodeURL(base64.RawURLEncoding.EncodeToString(raw)),
				SetCookie: http.Cookie{Name: stateCookie, Value: st.Nonce, Path: "/auth/github", MaxAge: 600, HttpOnly: true,
					Secure: secure, SameSite: http.SameSiteLaxMode},
			}, nil
		})
	huma.Register(s.api, op("github-callback", http.MethodGet, "/auth/github/callback",
		"Finish GitHub sign-in: find or create the user; mint a token, or offer the pending invitations to accept explicitly", "sign-in", false),
		func(ctx context.Context, in *signInCallback) (*signInDone, error) {
			var st oauthState
			raw, err := base64.RawURLEncoding.DecodeString(in.State)
			if err != nil || json.Unmarshal(raw, &st) != nil || in.Nonce == "" ||
				subtle.ConstantTimeCompare([]byte(st.Nonce), []byte(in.Nonce)) != 1 {
				return nil, s.fail(ctx, domain.Invalid("state", "oauth_state", "does not match this browser's sign-in; start again from /auth/github/login"))
			}
			ext, err := s.SignIn.Exchange(ctx, in.Code)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			res, err := s.identity.SignIn(ctx, ext, st.InvitationID)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			clear := http.Cookie{Name: stateCookie, Path: "/auth/github", MaxAge: -1, HttpOnly: true, Secure: secure}
			if res.Pending() {
				if st.CLIRedirect != "" {
					return &signInDone{Status: http.StatusFound, Location: withQuery(st.CLIRedirect, "ticket", res.Ticket), SetCookie: clear}, nil
				}
				return &signInDone{Status: http.StatusOK, SetCookie: clear, Body: s.choice(res)}, nil
			}
			tokenName := "github-sign-in"
			if st.CLIRedirect != "" {
				tokenName = "cli-login"
			}
			done, err := s.signedIn(ctx, res, tokenName)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			if st.CLIRedirect != "" {
				return &signInDone{Status: http.StatusFound, Location: withQuery(st.CLIRedirect, "token", done.Token), SetCookie: clear}, nil
			}
			return &signInDone{Status: http.StatusOK, SetCookie: clear, Body: done}, nil
		})
	huma.Register(s.api, op("github-choice", http.MethodPost, "/auth/github/choice", "The pending invitations a sign-in's ticket may accept", "sign-in", false),
		func(ctx context.Context, in *ticketBody) (*body[SignedIn], error) {
			u, offers, err := s.identity.Offers(ctx, in.Body.Ticket)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[SignedIn]{*s.choice(identity.SignInResult{User: u, Offers: offers, Ticket: in.Body.Ticket})}, nil
		})
	huma.Register(s.api, op("github-accept-invitation", http.MethodPost, "/auth/github/accept-invitation",
		"Accept one pending invitation of a sign-in (the invitee's explicit yes) and mint a token", "sign-in", false),
		func(ctx context.Context, in *choiceBody) (*body[SignedIn], error) {
			res, err := s.identity.AcceptInvitation(ctx, in.Body.Ticket, in.Body.InvitationID)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			return s.chosen(ctx, res, in.Body.TokenName)
		})
	huma.Register(s.api, op("github-create-organization", http.MethodPost, "/auth/github/create-organization",
		"Decline a sign-in's pending invitations: create an organization of one's own and mint a token", "sign-in", false),
		func(ctx context.Context, in *choiceBody) (*body[SignedIn], error) {
			res, err := s.identity.CreateOrganization(ctx, in.Body.Ticket)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			return s.chosen(ctx, res, in.Body.TokenName)
		})
}

// signedIn mints the token of a completed sign-in.
func (s *server) signedIn(ctx context.Context, res identity.SignInResult, tokenName string) (*SignedIn, error) {
	p := domain.Principal{OrgID: res.Organization.ID, UserID: res.User.ID, Role: res.Role}
	_, secret, err := s.identity.CreateToken(ctx, p, tokenName)
	if err != nil {
		return nil, err
	}
	org := toOrganization(res.Organization)
	return &SignedIn{User: toUser(res.User), Organization: &org, Role: res.Role, NewUser: res.Created, Token: secret,
		Next: "orchestera login --server " + s.PublicURL + " --token <token>"}, nil
}

func (s *server) chosen(ctx context.Context, res identity.SignInResult, tokenName string) (*body[SignedIn], error) {
	if tokenName == "" {
		tokenName = "github-sign-in"
	}
	done, err := s.signedIn(ctx, res, tokenName)
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return &body[SignedIn]{*done}, nil
}

// choice is the answer of a sign-in that waits for the user to choose.
func (s *server) choice(res identity.SignInResult) *SignedIn {
	return &SignedIn{User: toUser(res.User), NewUser: res.Created,
		Choice: &SignInChoice{Ticket: res.Ticket, ExpiresAt: res.TicketExpiresAt, Invitations: mapSlice(res.Offers, toOffer)},
		Next: `you are invited: accept one with POST ` + s.PublicURL + `/auth/github/accept-invitation {"ticket": ..., "invitation_id": ...}, ` +
			`or create your own organization with POST ` + s.PublicURL + `/auth/github/create-organization {"ticket": ...}; ` +
			`orchestera login --server ` + s.PublicURL + ` asks you instead`}
}

// withQuery adds one parameter to a URL, keeping the others (the CLI's
// state).
func withQuery(raw, key, value string) string {
	u, _ := url.Parse(raw)
	q := u.Query()
	q.Set(key, value)
	u.RawQuery = q.Encode()
	return u.String()
}

// isLoopbackURL keeps the minted token on the user's machine: the CLI
// redirect may only point at a loopback listener.
func isLoopbackURL(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "http" || u.Port() == "" || u.User != nil {
		return false
	}
	switch u.Hostname() {
	case "127.0.0.1", "::1", "localhost":
		return true
	}
	return false
}
