package api

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"

	"github.com/danielgtaylor/huma/v2"

	"github.com/orchestera/orchestera/internal/domain"
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
		InvitationID string `query:"invitation" doc:"Accept this invitation (inv_...) on sign-in"`
		CLIRedirect  string `query:"cli_redirect" doc:"Loopback URL of a waiting 'orchestera login' to hand the token to"`
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
)

func registerSignIn(s *server) {
	huma.Register(s.api, op("github-login", http.MethodGet, "/auth/github/login", "Start GitHub sign-in (redirects to GitHub)", "sign-in", false),
		func(ctx context.Context, in *signInStart) (*redirect, error) {
			if in.CLIRedirect != "" && !isLoopbackURL(in.CLIRedirect) {
				return nil, s.fail(ctx, domain.Invalid("cli_redirect", "loopback_url", "must be an http URL on 127.0.0.1, [::1] or localhost with a port"))
			}
			st := oauthState{Nonce: domain.NewTokenSecret(), InvitationID: in.InvitationID, CLIRedirect: in.CLIRedirect}
			raw, _ := json.Marshal(st)
			return &redirect{
				Status:    http.StatusFound,
				Location:  s.SignIn.AuthCodeURL(base64.RawURLEncoding.EncodeToString(raw)),
				SetCookie: http.Cookie{Name: stateCookie, Value: st.Nonce, Path: "/auth/github", MaxAge: 600, HttpOnly: true, SameSite: http.SameSiteLaxMode},
			}, nil
		})
	huma.Register(s.api, op("github-callback", http.MethodGet, "/auth/github/callback", "Finish GitHub sign-in: create or find the user and mint a CLI token", "sign-in", false),
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
			p := domain.Principal{OrgID: res.Organization.ID, UserID: res.User.ID, Role: res.Role}
			tokenName := "github-sign-in"
			if st.CLIRedirect != "" {
				tokenName = "cli-login"
			}
			_, secret, err := s.identity.CreateToken(ctx, p, tokenName)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			clear := http.Cookie{Name: stateCookie, Path: "/auth/github", MaxAge: -1}
			if st.CLIRedirect != "" {
				u, _ := url.Parse(st.CLIRedirect)
				q := u.Query()
				q.Set("token", secret)
				u.RawQuery = q.Encode()
				return &signInDone{Status: http.StatusFound, Location: u.String(), SetCookie: clear}, nil
			}
			return &signInDone{Status: http.StatusOK, SetCookie: clear, Body: &SignedIn{
				User: toUser(res.User), Organization: toOrganization(res.Organization), Role: res.Role,
				NewUser: res.Created, Token: secret,
				Next: "orchestera login --server " + s.PublicURL + " --token <token>",
			}}, nil
		})
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
