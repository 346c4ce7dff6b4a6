package web_test

import (
	"context"
	"encoding/json"
	"hash/fnv"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/orchestera/orchestera/internal/domain"
	"github.com/orchestera/orchestera/internal/githubauth/githubtest"
)

func githubUser(login string) githubtest.User {
	// One GitHub account per login, as on GitHub: its id never changes.
	h := fnv.New32a()
	h.Write([]byte(login))
	return githubtest.User{ID: int64(h.Sum32()), Login: login, Name: login, Email: login + "@example.com", Verified: true}
}

func mustURL(t *testing.T, raw string) *url.URL {
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

var passing = domain.Check{Name: "assume_role", Status: domain.CheckPass, Evidence: "assumed the role"}

// onboard gives ada's organization a verified connection, a draft stack
// etl on it and a run on the local stack, and returns the ids.
func onboard(t *testing.T, e *env, b *browser) (connID, runID string) {
	t.Helper()
	p := b.post("/aws", "/aws/connections", url.Values{"role_arn": {"arn:aws:iam::123456789012:role/AdaSecretRole"}, "regions": {"us-east-1"}})
	must(t, p, http.StatusOK, "Verify AWS Role")
	connID = strings.TrimPrefix(mustURL(t, p.url).Path, "/aws/connections/")
	e.Verifier.Set(passing)
	must(t, b.post(p.url[len(e.URL):], "/aws/connections/"+connID+"/verify", nil), http.StatusOK, "ROLE VERIFIED")
	p = b.post("/stacks/new", "/stacks/new", url.Values{"name": {"etl"}, "connection": {connID}, "region": {"us-east-1"}, "namespaces": {"etl, reports"}})
	if !strings.HasSuffix(p.url, "/stacks/etl/plan") {
		t.Fatalf("creating the draft went to %s:\n%s", p.url, p.body)
	}
	orgID := orgOf(t, e, b)
	if err := e.Stacks.EnsureLocal(context.Background(), orgID); err != nil {
		t.Fatal(err)
	}
	p = b.post("/runs/new", "/runs", url.Values{"key": {"k1"}, "namespace": {"default"}, "classpath": {"a.B"}, "application_name": {"ada-secret-app"}, "project": {t.TempDir()}})
	must(t, p, http.StatusOK, "ada-secret-app")
	return connID, strings.TrimPrefix(mustURL(t, p.url).Path, "/runs/")
}

func orgOf(t *testing.T, e *env, b *browser) string {
	t.Helper()
	ck := b.c.Jar.Cookies(mustURL(t, e.URL))[0]
	req, _ := http.NewRequest("GET", e.URL+"/v1/whoami", nil)
	req.Header.Set("Authorization", "Bearer "+ck.Value)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var me struct {
		Organization struct{ ID string } `json:"organization"`
	}
	json.NewDecoder(resp.Body).Decode(&me)
	return me.Organization.ID
}

// TestOrganizationsSeeOnlyTheirOwnPages: every page and form of another
// organization's object answers 404, shows nothing of it and changes
// nothing, as the API does.
func TestOrganizationsSeeOnlyTheirOwnPages(t *testing.T) {
	e := newEnv(t, false)
	ada := e.signIn("ada", "Ada")
	connID, runID := onboard(t, e, ada)
	must(t, ada.post("/org", "/org/invitations", url.Values{"email": {"carol@example.com"}, "role": {"member"}}), http.StatusOK, "Invited carol@example.com")
	invID := regexp.MustCompile(`/invitations/(inv_[a-z0-9]+)`).FindStringSubmatch(ada.get("/org").body)[1]
	before := ada.get("/stacks/etl").body + ada.get("/aws/connections/"+connID).body

	mallory := e.signIn("mallory", "Mallory")
	secrets := []string{"AdaSecretRole", "ada-secret-app", "carol@example.com"}
	for _, path := range []string{"/stacks/etl", "/stacks/etl/plan", "/stacks/etl/destroy", "/stacks/etl/live", "/stacks/local",
		"/runs/" + runID, "/runs/" + runID + "/log", "/aws/connections/" + connID} {
		p := mallory.get(path)
		must(t, p, http.StatusNotFound, "not found")
		for _, s := range secrets {
			if strings.Contains(p.body, s) {
				t.Errorf("%s leaked %q to another organization", path, s)
			}
		}
	}
	for path, form := range map[string]url.Values{
		"/stacks/etl/destroy": {"confirm": {"etl"}}, "/stacks/etl/provision": nil, "/stacks/etl/update": nil, "/stacks/etl/delete": nil,
		"/stacks/etl/namespaces": {"name": {"evil"}}, "/aws/connections/" + connID + "/verify": nil, "/aws/connections/" + connID + "/delete": nil,
		"/runs/" + runID + "/cancel": nil, "/org/invitations/" + invID + "/revoke": nil,
	} {
		must(t, mallory.post("/org", path, form), http.StatusNotFound, "not found")
	}
	for _, list := range []string{"/stacks", "/runs", "/aws", "/audit", "/org"} {
		p := mallory.get(list)
		for _, s := range secrets {
			if strings.Contains(p.body, s) {
				t.Errorf("%s of another organization shows %q", list, s)
			}
		}
	}
	if after := ada.get("/stacks/etl").body + ada.get("/aws/connections/"+connID).body; strings.Count(after, "draft") != strings.Count(before, "draft") ||
		strings.Contains(after, "evil") {
		t.Fatal("another organization's posts changed ada's stack or connection")
	}
}

// TestErrorsAreTheAPIs: the console shows the domain's messages with the
// API's statuses.
func TestErrorsAreTheAPIs(t *testing.T) {
	e := newEnv(t, false)
	b := e.signIn("ada", "Ada")
	apiCall := func(method, path, body string) (int, string) {
		ck := b.c.Jar.Cookies(mustURL(t, e.URL))[0]
		req, _ := http.NewRequest(method, e.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+ck.Value)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		var p struct {
			Errors []struct{ Message string }
		}
		json.Unmarshal(raw, &p)
		if len(p.Errors) == 0 {
			t.Fatalf("%s %s: no field errors: %s", method, path, raw)
		}
		return resp.StatusCode, p.Errors[0].Message
	}
	for _, c := range []struct {
		page, action string
		form         url.Values
		api, body    string
	}{
		{"/org", "/org/tokens", url.Values{"name": {"-bad name!"}}, "/v1/tokens", `{"name":"-bad name!"}`},
		{"/org", "/org/invitations", url.Values{"email": {"not-an-email"}, "role": {"member"}}, "/v1/invitations", `{"email":"not-an-email"}`},
		{"/aws", "/aws/connections", url.Values{"role_arn": {"arn:aws:iam::1:user/x"}}, "/v1/aws-connections", `{"role_arn":"arn:aws:iam::1:user/x"}`},
	} {
		status, msg := apiCall("POST", c.api, c.body)
		must(t, b.post(c.page, c.action, c.form), status, template(msg))
	}
	var check struct {
		OK      bool
		Message string
	}
	json.Unmarshal([]byte(b.get("/stacks/new/check?name=Bad_Name").body), &check)
	if check.OK || !strings.Contains(check.Message, "must be 3-32 lowercase letters") {
		t.Fatalf("live name check = %+v", check)
	}
}

// template is how html/template writes a message.
func template(s string) string {
	return strings.NewReplacer("'", "&#39;", `"`, "&#34;", "<", "&lt;", ">", "&gt;").Replace(s)
}

func TestPagesEscapeWhatPeopleTypedAndNeverShowSecrets(t *testing.T) {
	e := newEnv(t, false)
	e.GitHub.SignInAs(githubtest.User{ID: 77, Login: "eve", Name: `<script>alert("x")</script>`, Email: "eve@example.com", Verified: true})
	b := e.signIn("eve", `<script>alert("x")</script>`)
	if p := b.get("/org"); strings.Contains(p.body, `<script>alert`) || !strings.Contains(p.body, "&lt;script&gt;") {
		t.Fatalf("a GitHub display name was not escaped:\n%s", p.body)
	}
	p := b.post("/org", "/org/tokens", url.Values{"name": {"laptop"}})
	secret := regexp.MustCompile(`orch_[A-Za-z0-9_-]{20,}`).FindString(p.body)
	if secret == "" {
		t.Fatalf("the new token's secret is not shown once:\n%s", p.body)
	}
	for _, path := range []string{"/org", "/stacks", "/aws", "/audit", "/runs"} {
		if strings.Contains(b.get(path).body, secret) {
			t.Fatalf("%s shows a token secret", path)
		}
	}
	if h := b.get("/org").header; !strings.Contains(h.Get("Content-Security-Policy"), "default-src 'self'") || h.Get("Cache-Control") != "no-store" {
		t.Fatalf("page headers: %v", h)
	}
}
