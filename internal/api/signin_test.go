package api_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/orchestera/orchestera/internal/api"
	"github.com/orchestera/orchestera/internal/api/apitest"
	"github.com/orchestera/orchestera/internal/githubauth/githubtest"
)

func TestFirstSignInCreatesOrganization(t *testing.T) {
	e := newEnv(t)
	s := e.signIn("ada", "Ada.Lovelace@example.com")
	if !s.NewUser || s.Role != "admin" || s.Organization.Name != "ada-lovelace" || s.User.Email != "ada.lovelace@example.com" {
		t.Fatalf("first sign-in = %+v", s)
	}
	var me api.Whoami
	e.must(200, "GET", "/v1/whoami", s.Token, nil).decode(t, &me)
	if me.Organization.ID != s.Organization.ID || me.User.Email != "ada.lovelace@example.com" {
		t.Fatalf("whoami with the minted token = %+v", me)
	}

	// Signing in again finds the same user and organization.
	again := e.signInFlow(githubtest.User{ID: 1001, Login: "ada", Email: "Ada.Lovelace@example.com", Verified: true}, "")
	var s2 api.SignedIn
	again.decode(t, &s2)
	if s2.NewUser || s2.User.ID != s.User.ID || s2.Organization.ID != s.Organization.ID {
		t.Fatalf("second sign-in = %+v", s2)
	}
}

// TestJoiningAnOrganizationIsAnExplicitAccept: signing in used to join the
// organization that invited the email as a side effect. Now the invitee
// gets no token but the offer, and joins only by accepting it.
func TestJoiningAnOrganizationIsAnExplicitAccept(t *testing.T) {
	e := newEnv(t)
	admin := e.signIn("alice", "alice@example.com")
	var inv api.Invitation
	e.must(201, "POST", "/v1/invitations", admin.Token, map[string]any{"email": "bob@example.com", "role": "admin"}).decode(t, &inv)

	offer := e.signInChoice("bob", "BOB@example.com")
	if offer.Token != "" || offer.Organization != nil || offer.Choice == nil || len(offer.Choice.Invitations) != 1 {
		t.Fatalf("invited sign-in = %+v, want a choice and no token", offer)
	}
	if o := offer.Choice.Invitations[0]; o.ID != inv.ID || o.Organization != admin.Organization.Name || o.Role != "admin" || o.InvitedBy != "alice@example.com" {
		t.Fatalf("offer = %+v", o)
	}
	var got api.Invitation
	e.must(200, "GET", "/v1/invitations/"+inv.ID, admin.Token, nil).decode(t, &got)
	if got.State != "pending" {
		t.Fatalf("invitation state after a plain sign-in = %s, want pending", got.State)
	}
	var members []api.Member
	e.must(200, "GET", "/v1/members", admin.Token, nil).decode(t, &members)
	if len(members) != 1 {
		t.Fatalf("a plain sign-in joined the organization: %+v", members)
	}
	var listed api.SignedIn
	e.must(200, "POST", "/auth/github/choice", "", map[string]any{"ticket": offer.Choice.Ticket}).decode(t, &listed)
	if listed.Choice == nil || len(listed.Choice.Invitations) != 1 || listed.User.Email != "bob@example.com" {
		t.Fatalf("choice = %+v", listed)
	}
	if p := e.must(401, "POST", "/auth/github/accept-invitation", "", map[string]any{"ticket": "orch_forged", "invitation_id": inv.ID}).problem(t); p.Code != "unauthorized" {
		t.Fatalf("a forged ticket: %+v", p)
	}

	var bob api.SignedIn
	e.must(200, "POST", "/auth/github/accept-invitation", "", map[string]any{"ticket": offer.Choice.Ticket, "invitation_id": inv.ID}).decode(t, &bob)
	if bob.Organization == nil || bob.Organization.ID != admin.Organization.ID || bob.Role != "admin" || bob.Token == "" {
		t.Fatalf("accepted = %+v, want admin of %s", bob, admin.Organization.Name)
	}
	e.must(200, "GET", "/v1/invitations/"+inv.ID, admin.Token, nil).decode(t, &got)
	if got.State != "accepted" {
		t.Fatalf("invitation state = %s, want accepted", got.State)
	}
	e.must(401, "POST", "/auth/github/accept-invitation", "", map[string]any{"ticket": offer.Choice.Ticket, "invitation_id": inv.ID})

	// Declining: an organization of one's own, the invitation still pending.
	e.must(201, "POST", "/v1/invitations", admin.Token, map[string]any{"email": "carol@example.com"}).decode(t, &inv)
	carolOffer := e.signInChoice("carol", "carol@example.com")
	var carol api.SignedIn
	e.must(200, "POST", "/auth/github/create-organization", "", map[string]any{"ticket": carolOffer.Choice.Ticket}).decode(t, &carol)
	if carol.Organization == nil || carol.Organization.ID == admin.Organization.ID || carol.Role != "admin" {
		t.Fatalf("create-organization = %+v", carol)
	}
}

// TestASecondGitHubAccountCannotTakeOverAnEmail: another GitHub account
// with the same verified email used to sign in as the admin (and rebind
// the user's github_id).
func TestASecondGitHubAccountCannotTakeOverAnEmail(t *testing.T) {
	e := newEnv(t)
	admin := e.signIn("alice", "alice@example.com")
	r := e.signInFlow(githubtest.User{ID: 666, Login: "mallory", Email: "alice@example.com", Verified: true}, "")
	if p := r.problem(t); r.status != http.StatusConflict || !strings.Contains(p.Detail, "another GitHub account") {
		t.Fatalf("second account = %d %s", r.status, r.body)
	}
	again := e.signInFlow(githubtest.User{ID: 1001, Login: "alice", Email: "alice@example.com", Verified: true}, "")
	var s api.SignedIn
	again.decode(t, &s)
	if s.User.ID != admin.User.ID || s.Organization == nil || s.Organization.ID != admin.Organization.ID {
		t.Fatalf("the real account afterwards = %+v", s)
	}
}

// TestStateCookieIsSecureOverHTTPS: behind an https public URL the OAuth
// state cookie must never travel in clear.
func TestStateCookieIsSecureOverHTTPS(t *testing.T) {
	for _, c := range []struct {
		public string
		secure bool
	}{{"https://orchestera.example.com", true}, {"", false}} {
		s := apitest.StartWith(t, func(cfg *api.Config) {
			if c.public != "" {
				cfg.PublicURL = c.public
			}
		})
		resp, err := browser().Get(s.URL + "/auth/github/login")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		cookies := resp.Cookies()
		if len(cookies) != 1 || cookies[0].Secure != c.secure || !cookies[0].HttpOnly {
			t.Fatalf("public URL %q: cookies %+v, want one HttpOnly with Secure=%v", c.public, cookies, c.secure)
		}
	}
}

func TestAnEmailBelongsToOneOrganization(t *testing.T) {
	e := newEnv(t)
	a := e.signIn("alice", "alice@example.com")
	b := e.signIn("bob", "bob@example.com")
	var inv api.Invitation
	e.must(201, "POST", "/v1/invitations", b.Token, map[string]any{"email": "alice@example.com"}).decode(t, &inv)

	r := e.signInFlow(githubtest.User{ID: 1001, Login: "alice", Email: "alice@example.com", Verified: true}, query("invitation", inv.ID))
	p := r.problem(t)
	if r.status != http.StatusConflict || !strings.Contains(p.Detail, `already belongs to organization "alice"`) || !strings.Contains(p.Detail, "one organization only") {
		t.Fatalf("accepting a second organization's invitation = %d %+v", r.status, p)
	}
	var me api.Whoami
	e.must(200, "GET", "/v1/whoami", a.Token, nil).decode(t, &me)
	if me.Organization.ID != a.Organization.ID {
		t.Fatal("alice moved organization")
	}
	var still api.Invitation
	e.must(200, "GET", "/v1/invitations/"+inv.ID, b.Token, nil).decode(t, &still)
	if still.State != "pending" {
		t.Fatalf("refused invitation state = %s, want pending", still.State)
	}
}

func TestSignInRefusals(t *testing.T) {
	e := newEnv(t)
	r := e.signInFlow(githubtest.User{ID: 7, Login: "eve", Email: "eve@example.com", Verified: false}, "")
	if r.status != http.StatusForbidden || !strings.Contains(r.problem(t).Detail, "verified primary email") {
		t.Fatalf("unverified email = %d %s", r.status, r.body)
	}

	r = e.call("GET", "/auth/github/login"+query("cli_redirect", "https://evil.example.com/steal"), "", nil)
	if p := r.problem(t); r.status != 400 || p.Errors[0].Field != "cli_redirect" || p.Errors[0].Rule != "loopback_url" {
		t.Fatalf("non-loopback cli_redirect = %d %+v", r.status, p)
	}

	// A callback whose state was not issued to this browser is refused.
	r = e.call("GET", "/auth/github/callback"+query("code", "x", "state", "eyJuIjoiYWJjIn0"), "", nil)
	if p := r.problem(t); r.status != 400 || p.Errors[0].Field != "state" {
		t.Fatalf("forged state = %d %+v", r.status, p)
	}
}

func TestCLISignInHandsTheTokenToLoopback(t *testing.T) {
	e := newEnv(t)
	e.GitHub.SignInAs(githubtest.User{ID: 9, Login: "cli", Email: "cli@example.com", Verified: true})
	c := browser()
	next := e.URL + "/auth/github/login" + query("cli_redirect", "http://127.0.0.1:4567/callback")
	for !strings.HasPrefix(next, "http://127.0.0.1:4567/") {
		resp, err := c.Get(next)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusFound {
			t.Fatalf("GET %s = %d", next, resp.StatusCode)
		}
		next = resp.Header.Get("Location")
	}
	u, _ := url.Parse(next)
	token := u.Query().Get("token")
	var me api.Whoami
	e.must(200, "GET", "/v1/whoami", token, nil).decode(t, &me)
	if me.User.Email != "cli@example.com" {
		t.Fatalf("whoami = %+v", me)
	}
}
