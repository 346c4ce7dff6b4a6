// Package githubauth signs users in with GitHub's OAuth 2.0 web flow
// (golang.org/x/oauth2) and reads who they are from GitHub's REST API. Every
// endpoint is configurable so tests run it against a fake on loopback.
package githubauth

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/orchestera/orchestera/internal/domain"
)

// GitHub's public endpoints, the defaults.
const (
	DefaultAuthURL  = "https://github.com/login/oauth/authorize"
	DefaultTokenURL = "https://github.com/login/oauth/access_token"
	DefaultAPIURL   = "https://api.github.com"
)

// Config names the OAuth app and the endpoints.
type Config struct {
	ClientID     string
	ClientSecret string
	AuthURL      string
	TokenURL     string
	APIURL       string
	RedirectURL  string // the server's /auth/github/callback
}

// Provider implements domain.SignInProvider for GitHub.
type Provider struct {
	oauth  *oauth2.Config
	apiURL string
	client *http.Client
}

// New returns a Provider; empty endpoints take GitHub's.
func New(c Config) *Provider {
	or := func(v, d string) string {
		if v == "" {
			return d
		}
		return v
	}
	return &Provider{
		oauth: &oauth2.Config{
			ClientID: c.ClientID, ClientSecret: c.ClientSecret, RedirectURL: c.RedirectURL,
			Scopes:   []string{"read:user", "user:email"},
			Endpoint: oauth2.Endpoint{AuthURL: or(c.AuthURL, DefaultAuthURL), TokenURL: or(c.TokenURL, DefaultTokenURL)},
		},
		apiURL: strings.TrimRight(or(c.APIURL, DefaultAPIURL), "/"),
		client: &http.Client{Timeout: 15 * time.Second},
	}
}

// AuthCodeURL is where the browser goes to approve the sign-in.
func (p *Provider) AuthCodeURL(state string) string { return p.oauth.AuthCodeURL(state) }

// Exchange trades the callback's code for a token and reads the user and
// their primary verified email.
func (p *Provider) Exchange(ctx context.Context, code string) (domain.ExternalIdentity, error) {
	ctx = context.WithValue(ctx, oauth2.HTTPClient, p.client)
	tok, err := p.oauth.Exchange(ctx, code)
	if err != nil {
		return domain.ExternalIdentity{}, domain.Errorf(domain.CodeUnauthorized, "GitHub did not accept the sign-in code; start again")
	}
	var user struct {
		ID    int64  `json:"id"`
		Login string `json:"login"`
		Name  string `json:"name"`
	}
	if err := p.get(ctx, tok, "/user", &user); err != nil {
		return domain.ExternalIdentity{}, err
	}
	var emails []struct {
		Email    string `json:"email"`
		Primary  bool   `json:"primary"`
		Verified bool   `json:"verified"`
	}
	if err := p.get(ctx, tok, "/user/emails", &emails); err != nil {
		return domain.ExternalIdentity{}, err
	}
	for _, e := range emails {
		if e.Primary && e.Verified {
			return domain.ExternalIdentity{GitHubID: user.ID, Login: user.Login, Name: user.Name, Email: e.Email}, nil
		}
	}
	return domain.ExternalIdentity{}, domain.Errorf(domain.CodeForbidden, "your GitHub account has no verified primary email; verify one on GitHub and sign in again")
}

func (p *Provider) get(ctx context.Context, tok *oauth2.Token, path string, into any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.apiURL+path, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/vnd.github+json")
	tok.SetAuthHeader(req)
	resp, err := p.client.Do(req)
	if err != nil {
		return domain.Errorf(domain.CodeUnavailable, "GitHub API unreachable: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return domain.Errorf(domain.CodeUnavailable, "GitHub API %s answered %s", path, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(into); err != nil {
		return fmt.Errorf("decoding GitHub %s: %w", path, err)
	}
	return nil
}
