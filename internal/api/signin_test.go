package api_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/orchestera/orchestera/internal/api"
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

func TestInvitedEmailJoinsTheInvitingOrganization(t *testing.T) {
	e := newEnv(t)
	admin := e.signIn("alice", "alice@example.com")
	var inv api.Invitation
	e.must(201, "POST", "/v1/invitations", admin.Token, map[string]any{"email": "bob@example.com", "role": "admin"}).decode(t, &inv)

	bob := e.signIn("bob", "BOB@example.com")
	if bob.Organization.ID != admin.Organization.ID || bob.Role != "admin" {
		t.Fatalf("invited sign-in = %+v, want admin of %s", bob, admin.Organization.Name)
	}
	var got api.Invitation
	e.must(200, "GET", "/v1/invitations/"+inv.ID, admin.Token, nil).decode(t, &got)
	if got.State != "accepted" {
		t.Fatalf("invitation state = %s, want accepted", got.State)
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
