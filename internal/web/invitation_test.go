package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// TestInvitationIsAcceptedExplicitly: signing in from an invitation's link
// lands back on the invitation, which joins nothing until the invitee
// accepts; a browser signed in to an organization is told why it cannot.
func TestInvitationIsAcceptedExplicitly(t *testing.T) {
	e := newEnv(t, false)
	ada := e.signIn("ada", "Ada")
	must(t, ada.post("/org", "/org/invitations", url.Values{"email": {"bob@example.com"}, "role": {"member"}}), http.StatusOK, "Invited bob@example.com")
	link := regexp.MustCompile(`/invitations/inv_[a-z0-9]+`).FindString(ada.get("/org").body)
	must(t, ada.get(link), http.StatusOK, "This browser is signed in as <strong>ada@example.com</strong>", "An email belongs to one organization only")

	e.GitHub.SignInAs(githubUser("bob"))
	bob := e.browser()
	p := bob.get(link)
	must(t, p, http.StatusOK, "Sign in with GitHub to accept")
	start := regexp.MustCompile(`href="(/auth/github/console[^"]*)"`).FindStringSubmatch(p.body)[1]
	p = bob.get(strings.ReplaceAll(start, "&amp;", "&"))
	must(t, p, http.StatusOK, "Accept your invitation", "<strong>ada</strong> invites you to join as <strong>member</strong>", "Nothing is joined until you accept", `class="primary" autofocus`)
	if strings.Contains(p.body, "Sign out") {
		t.Fatal("signing in alone started a session")
	}
	ticket := regexp.MustCompile(`name="ticket" value="([^"]+)"`).FindStringSubmatch(p.body)[1]
	inv := strings.TrimPrefix(link, "/invitations/")
	p = bob.do(http.MethodPost, "/signin/accept", url.Values{"ticket": {ticket}, "invitation_id": {inv}, "next": {"/org"}})
	must(t, p, http.StatusOK, "Signed in to ada as member.", "Organization ada")
}

func TestTheSignInChoiceRefusesAnotherSitesForm(t *testing.T) {
	e := newEnv(t, false)
	b := e.browser()
	b.header.Set("Sec-Fetch-Site", "cross-site")
	b.header.Set("Origin", "http://evil.example")
	must(t, b.do(http.MethodPost, "/signin/create-organization", url.Values{"ticket": {"guess"}}), http.StatusForbidden, "cross-origin request refused")
}
