package cli_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/orchestera/orchestera/internal/api"
	"github.com/orchestera/orchestera/internal/api/apitest"
	"github.com/orchestera/orchestera/internal/cli"
	"github.com/orchestera/orchestera/internal/cli/clitest"
	"github.com/orchestera/orchestera/internal/config"
	"github.com/orchestera/orchestera/internal/domain"
	"github.com/orchestera/orchestera/internal/githubauth/githubtest"
	"github.com/orchestera/orchestera/internal/golden"
	"github.com/orchestera/orchestera/internal/poll"
)

// These tests hold the CLI to what a script relies on: exit codes, one
// JSON shape, errors that name what the user typed. Outputs are compared
// with golden files (go test -update rewrites them) after what changes
// from run to run (ids, times, paths, ports) is replaced.

var (
	idPattern     = regexp.MustCompile(`\b(usr|org|tok|inv|run|conn|aud|req|key|evt|ver)_[0-9a-z]{26}\b`)
	timePattern   = regexp.MustCompile(`"\d{4}-\d{2}-\d{2}T[0-9:.]+(Z|[+-]\d{2}:\d{2})"`)
	secretPattern = regexp.MustCompile(`orch_[A-Za-z0-9_-]{43}`)
	portPattern   = regexp.MustCompile(`127\.0\.0\.1:\d+`)
	prefixPattern = regexp.MustCompile(`"prefix": "orch_[^"]*"`)
	cursorPattern = regexp.MustCompile(`"next_cursor": "[^"]*"`)
)

// normalize replaces what differs between runs with placeholders.
func normalize(s string, paths ...string) string {
	for _, p := range paths {
		s = strings.ReplaceAll(s, p, "<dir>")
	}
	s = idPattern.ReplaceAllString(s, "${1}_<id>")
	s = timePattern.ReplaceAllString(s, `"<time>"`)
	s = secretPattern.ReplaceAllString(s, "orch_<secret>")
	s = prefixPattern.ReplaceAllString(s, `"prefix": "orch_<prefix>"`)
	s = cursorPattern.ReplaceAllString(s, `"next_cursor": "<cursor>"`)
	return portPattern.ReplaceAllString(s, "127.0.0.1:<port>")
}

// seeded is a server whose lists all have something in them.
func seeded(t *testing.T) (clitest.Server, string, string) {
	t.Helper()
	s := clitest.NewServer(t)
	home := clitest.HomeFor(t, s)
	project := t.TempDir()
	for _, args := range [][]string{
		{"invites", "create", "ada@example.com"},
		{"connections", "create", "--role-arn", "arn:aws:iam::123456789012:role/OrchesteraAccessRole"},
		{"run", "--detach", "--classpath", "example.spark.application.HelloWorld", "--application-name", "hello", "--project", project},
	} {
		if r := clitest.Execute(t, home, nil, args...); r.Code != 0 {
			t.Fatalf("%v: %d %s", args, r.Code, r.Stderr)
		}
	}
	return s, home, project
}

func connectionID(t *testing.T, home string) string {
	t.Helper()
	var p struct{ Items []api.Connection }
	if err := json.Unmarshal([]byte(clitest.Execute(t, home, nil, "connections", "list", "-o", "json").Stdout), &p); err != nil || len(p.Items) == 0 {
		t.Fatalf("connections: %+v, %v", p, err)
	}
	return p.Items[0].ID
}

// TestEveryListPrintsOneJSONShape: runs list printed {"items": ...} and
// every other list a bare array. Now each prints {"items": [...]} with
// "next_cursor" when there is another page.
func TestEveryListPrintsOneJSONShape(t *testing.T) {
	s, home, project := seeded(t)
	s.Verifier.Set(domain.Check{Name: "assume_role", Status: domain.CheckPass, Evidence: "assumed"})
	conn := connectionID(t, home)
	if r := clitest.Execute(t, home, nil, "connections", "verify", conn); r.Code != 0 {
		t.Fatalf("verify: %s", r.Stderr)
	}
	var b strings.Builder
	for _, args := range [][]string{
		{"members", "list"}, {"invites", "list"}, {"tokens", "list"}, {"stacks", "list"}, {"stacks", "events", "local"},
		{"namespaces", "list"}, {"runs", "list"}, {"connections", "list"}, {"connections", "events", conn}, {"audit", "list", "--limit", "3"},
	} {
		r := clitest.Execute(t, home, nil, append(args, "-o", "json")...)
		var shape map[string]json.RawMessage
		if r.Code != 0 || json.Unmarshal([]byte(r.Stdout), &shape) != nil || len(shape["items"]) == 0 || shape["items"][0] != '[' {
			t.Fatalf("%v -o json: exit %d, not {\"items\": [...]}:\n%s%s", args, r.Code, r.Stdout, r.Stderr)
		}
		for k := range shape {
			if k != "items" && k != "next_cursor" {
				t.Errorf("%v -o json has a key %q besides items and next_cursor", args, k)
			}
		}
		yml := clitest.Execute(t, home, nil, append(args, "-o", "yaml")...)
		if !strings.HasPrefix(yml.Stdout, "items:") {
			t.Errorf("%v -o yaml does not start with items: %q", args, yml.Stdout)
		}
		fmt.Fprintf(&b, "$ orchestera %s -o json\n%s\n", strings.Join(args, " "), r.Stdout)
	}
	golden.Equal(t, filepath.Join("testdata", "list-shapes.golden"), []byte(normalize(b.String(), project)))

	// A page with more after it says where to go on.
	r := clitest.Execute(t, home, nil, "audit", "list", "--limit", "1", "-o", "json")
	var p struct {
		Items      []api.AuditEntry `json:"items"`
		NextCursor string           `json:"next_cursor"`
	}
	if json.Unmarshal([]byte(r.Stdout), &p); len(p.Items) != 1 || p.NextCursor == "" {
		t.Fatalf("first page: %s", r.Stdout)
	}
	next := clitest.Execute(t, home, nil, "audit", "list", "--limit", "1", "--cursor", p.NextCursor, "-o", "json")
	if next.Code != 0 || strings.Contains(next.Stdout, p.Items[0].ID) {
		t.Fatalf("second page repeats the first: %s", next.Stdout)
	}
}

// TestWriteCommandsHonourOutput: every write prints data with -o json;
// members remove, connections delete and namespaces create printed text.
func TestWriteCommandsHonourOutput(t *testing.T) {
	s, home, _ := seeded(t)
	conn := connectionID(t, home)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"namespaces", "create", "etl"}, `"name": "etl"`},
		{[]string{"connections", "delete", conn}, `"kind": "connection"`},
		{[]string{"tokens", "create", "ci"}, `"secret": "orch_`},
		{[]string{"invites", "create", "bob@example.com"}, `"state": "pending"`},
		{[]string{"login", "--server", s.URL, "--token", s.Token}, `"server": "` + s.URL},
	} {
		r := clitest.Execute(t, home, nil, append(c.args, "-o", "json")...)
		if r.Code != 0 || !json.Valid([]byte(r.Stdout)) || !strings.Contains(r.Stdout, c.want) {
			t.Errorf("%v -o json: exit %d, stdout %q, stderr %q", c.args, r.Code, r.Stdout, r.Stderr)
		}
	}
	// A member, removed with -o json.
	ctx := context.Background()
	p, _ := s.Identity.Authenticate(ctx, s.Token)
	u := domain.User{ID: domain.NewID("usr"), Email: "bob@example.com", Name: "Bob", CreatedAt: s.Store.Now()}
	if err := s.Store.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	if err := s.Store.AddMember(ctx, domain.Membership{OrgID: p.OrgID, UserID: u.ID, Role: domain.RoleMember, CreatedAt: u.CreatedAt}); err != nil {
		t.Fatal(err)
	}
	if r := clitest.Execute(t, home, nil, "members", "remove", u.ID, "-o", "json"); r.Code != 0 || !strings.Contains(r.Stdout, `"id": "`+u.ID+`"`) {
		t.Fatalf("members remove -o json: %d %q %q", r.Code, r.Stdout, r.Stderr)
	}
}

// TestErrorsAScriptCanTrust: each mistake exits non-zero, names the flag or
// argument the user typed and the rule, and changes nothing. Today's
// answers are in testdata/errors.golden; before, `runs lsit` and
// `completion tcsh` exited 0, 0 counts and limits became defaults,
// --timeout 1.5s became 1s and server errors named API fields.
func TestErrorsAScriptCanTrust(t *testing.T) {
	s := clitest.NewServer(t)
	home := clitest.HomeFor(t, s)
	project := t.TempDir()
	run := []string{"run", "--detach", "--classpath", "a.B", "--application-name", "x", "--project", project}
	var b strings.Builder
	for _, args := range [][]string{
		{"wohami"},
		{"runs", "lsit"},
		{"stacks", "provison", "etl"},
		{"aws", "polcy"},
		{"completion", "tcsh"},
		{"runs", "get", ""},
		{"runs", "logs", " "},
		{"runs", "list", "--limit", "0"},
		{"runs", "list", "--limit", "-5"},
		{"audit", "list", "--limit", "0"},
		{"runs", "logs", "run_x", "--tail", "-1"},
		{"runs", "logs", "run_x", "--since", "yesterday"},
		append(run, "--executor-instances", "0"),
		append(run, "--executor-cores", "-2"),
		append(run, "--timeout", "1.5s"),
		append(run, "--timeout", "-1m"),
		append(run, "--executor-memory", "lots"),
		append(run, "--pull-secrets-from", "db"),
		{"stacks", "create", "etl", "--connection", "conn_x", "--system-node-count", "0"},
		{"stacks", "create", "etl", "--connection", "conn_x", "--spark-cpu-limit", "-1"},
		{"invites", "create", "not-an-email"},
		{"tokens", "create", "a/b"},
		{"login", "--server", s.URL, "--timeout", "0s"},
		{"--server", "orchestera.example.com:7420", "whoami"},
		{"--server", "ftp://127.0.0.1:1", "whoami"},
	} {
		r := clitest.Execute(t, home, nil, args...)
		if r.Code == 0 {
			t.Errorf("%q exited 0:\n%s%s", args, r.Stdout, r.Stderr)
		}
		fmt.Fprintf(&b, "$ orchestera %s\nexit %d\n%s\n", strings.Join(quoted(args), " "), r.Code, r.Stderr)
	}
	golden.Equal(t, filepath.Join("testdata", "errors.golden"), []byte(normalize(b.String(), project, s.RunsHome)))
	if r := clitest.Execute(t, home, nil, "runs", "list", "-o", "json"); !strings.Contains(r.Stdout, `"items": []`) {
		t.Fatalf("refused commands created runs: %s", r.Stdout)
	}
	if r := clitest.Execute(t, home, nil, "runs"); r.Code != 0 || !strings.Contains(r.Stdout, "Available Commands") {
		t.Fatalf("a group without a subcommand shows its help: %d %s", r.Code, r.Stderr)
	}
}

func quoted(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = a
		if a == "" || strings.ContainsAny(a, " \t") {
			out[i] = fmt.Sprintf("%q", a)
		}
	}
	return out
}

// TestServerURLs: an address without a scheme is local mode's http on
// loopback and explained elsewhere; localhost and 127.0.0.1 are the same
// server, so the saved token is sent to either.
func TestServerURLs(t *testing.T) {
	s := clitest.NewServer(t)
	home := clitest.HomeFor(t, s)
	u, _ := url.Parse(s.URL)
	for _, server := range []string{u.Host, "localhost:" + u.Port(), "http://localhost:" + u.Port() + "/"} {
		if r := clitest.Execute(t, home, nil, "--server", server, "whoami", "-o", "json"); r.Code != 0 || !strings.Contains(r.Stdout, `"personal"`) {
			t.Errorf("--server %s: %d %s", server, r.Code, r.Stderr)
		}
	}
	// The token still never goes to another server.
	if r := clitest.Execute(t, home, nil, "--server", "http://127.0.0.2:"+u.Port(), "whoami"); r.Code == 0 {
		t.Error("the saved token went to another address")
	}
}

// TestLoginRefusesACallbackWithoutItsState: any local process could hand
// a waiting login a token of the attacker's organization by calling its
// loopback port; only the callback with the login's random state counts.
func TestLoginRefusesACallbackWithoutItsState(t *testing.T) {
	s := clitest.NewServer(t)
	s.GitHub.SignInAs(githubtest.User{ID: 5, Login: "grace", Name: "Grace", Email: "grace@example.com", Verified: true})
	home := t.TempDir()
	out := &apitest.Buffer{}
	done := make(chan error, 1)
	go func() { done <- clitest.RunTo(out, home, "login", "--server", s.URL, "--timeout", "30s") }()
	link := printedLink(t, out, s.URL)
	u, _ := url.Parse(link)
	callback, _ := url.Parse(u.Query().Get("cli_redirect"))
	if callback.Query().Get("state") == "" {
		t.Fatalf("the callback URL %s carries no state", callback)
	}
	// The attacker knows the port (it is on the command line of nothing, but
	// ports are few), not the state.
	for _, forged := range []string{"/callback?token=" + s.Token, "/callback?token=" + s.Token + "&state=guess"} {
		resp, err := http.Get("http://" + callback.Host + forged)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("forged callback %s = %d, want 400", forged, resp.StatusCode)
		}
	}
	browse(t, link)
	waitDone(t, done)
	if !strings.Contains(out.String(), "as grace@example.com") {
		t.Fatalf("login took the forged token:\n%s", out.String())
	}
}

// TestLoginAsksBeforeJoiningAnOrganization: a sign-in with a pending
// invitation shows it and joins only on the user's explicit choice.
func TestLoginAsksBeforeJoiningAnOrganization(t *testing.T) {
	s := clitest.NewServer(t)
	adminHome := clitest.HomeFor(t, s)
	if r := clitest.Execute(t, adminHome, nil, "invites", "create", "grace@example.com", "--role", "member"); r.Code != 0 {
		t.Fatal(r.Stderr)
	}
	for i, c := range []struct {
		args  []string
		stdin string
		org   string
	}{
		{nil, "1\n", "personal"},                              // at the prompt
		{[]string{"--create-organization"}, "", "grace"},      // declined by flag
		{[]string{"--accept-invitation", ""}, "", "personal"}, // by flag (the id is filled in below)
	} {
		home := t.TempDir()
		email := fmt.Sprintf("grace%d@example.com", i)
		if r := clitest.Execute(t, adminHome, nil, "invites", "create", email); r.Code != 0 {
			t.Fatal(r.Stderr)
		}
		var invs struct{ Items []api.Invitation }
		json.Unmarshal([]byte(clitest.Execute(t, adminHome, nil, "invites", "list", "-o", "json").Stdout), &invs)
		args := append([]string{"login", "--server", s.URL, "--timeout", "30s"}, c.args...)
		if len(c.args) == 2 && c.args[1] == "" {
			args[len(args)-1] = invs.Items[0].ID
		}
		s.GitHub.SignInAs(githubtest.User{ID: int64(100 + i), Login: "grace", Name: "Grace", Email: email, Verified: true})
		out := &apitest.Buffer{}
		done := make(chan error, 1)
		go func() {
			root := cli.NewRoot()
			root.SetArgs(append([]string{"--home", home}, args...))
			root.SetOut(out)
			root.SetErr(out)
			root.SetIn(strings.NewReader(c.stdin))
			done <- root.ExecuteContext(context.Background())
		}()
		browse(t, printedLink(t, out, s.URL))
		waitDone(t, done)
		if !strings.Contains(out.String(), "is invited to:") || !strings.Contains(out.String(), "personal as member, invited by admin@localhost.localdomain") {
			t.Errorf("case %d: the offer was not shown:\n%s", i, out.String())
		}
		if !strings.Contains(out.String(), "in organization "+c.org) {
			t.Errorf("case %d: want organization %s:\n%s", i, c.org, out.String())
		}
	}
	// No choice, no organization.
	home := t.TempDir()
	s.GitHub.SignInAs(githubtest.User{ID: 99, Login: "grace", Name: "Grace", Email: "grace@example.com", Verified: true})
	out := &apitest.Buffer{}
	done := make(chan error, 1)
	go func() {
		root := cli.NewRoot()
		root.SetArgs([]string{"--home", home, "login", "--server", s.URL, "--timeout", "30s"})
		root.SetOut(out)
		root.SetErr(out)
		root.SetIn(strings.NewReader(""))
		done <- root.ExecuteContext(context.Background())
	}()
	browse(t, printedLink(t, out, s.URL))
	if err := <-done; err == nil || !strings.Contains(err.Error(), "no choice made, nothing joined") {
		t.Fatalf("login without a choice: %v\n%s", err, out.String())
	}
	if _, err := os.Stat(filepath.Join(home, config.FileName)); !os.IsNotExist(err) {
		t.Fatal("a login without a choice saved a config")
	}
}

func printedLink(t *testing.T, out *apitest.Buffer, server string) string {
	t.Helper()
	return poll.For(t, "login to print its URL", 10*time.Second, func() (string, error) {
		for _, f := range strings.Fields(out.String()) {
			if strings.HasPrefix(f, server+"/auth/github/login") {
				return f, nil
			}
		}
		return "", fmt.Errorf("it printed %q", out.String())
	})
}

// browse acts as the browser: open link and follow every redirect.
func browse(t *testing.T, link string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	resp, err := (&http.Client{Jar: jar}).Get(link)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), "Signed in") {
		t.Fatalf("browser landed on %d %s", resp.StatusCode, body)
	}
}

func waitDone(t *testing.T, done chan error) {
	t.Helper()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("login did not finish")
	}
}

// TestCompletionAsksTheServer: stack names, run ids and states complete.
func TestCompletionAsksTheServer(t *testing.T) {
	_, home, _ := seeded(t)
	var runs struct{ Items []api.Run }
	json.Unmarshal([]byte(clitest.Execute(t, home, nil, "runs", "list", "-o", "json").Stdout), &runs)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"__complete", "stacks", "get", ""}, "local\tlocal, ready"},
		{[]string{"__complete", "run", "--stack", ""}, "local\t"},
		{[]string{"__complete", "runs", "logs", ""}, runs.Items[0].ID + "\thello, pending"},
		{[]string{"__complete", "runs", "list", "--state", ""}, "succeeded"},
		{[]string{"__complete", "completion", ""}, "powershell"},
	} {
		if r := clitest.Execute(t, home, nil, c.args...); !strings.Contains(r.Stdout, c.want) {
			t.Errorf("%v completes %q, want %q", c.args, r.Stdout, c.want)
		}
	}
}

// TestAuditListFilters: by actor, connection and time, from the CLI.
func TestAuditListFilters(t *testing.T) {
	s, home, _ := seeded(t)
	p, _ := s.Identity.Authenticate(context.Background(), s.Token)
	conn := connectionID(t, home)
	count := func(args ...string) int {
		r := clitest.Execute(t, home, nil, append([]string{"audit", "list", "-o", "json"}, args...)...)
		var page struct{ Items []api.AuditEntry }
		if r.Code != 0 || json.Unmarshal([]byte(r.Stdout), &page) != nil {
			t.Fatalf("%v: %d %s", args, r.Code, r.Stderr)
		}
		return len(page.Items)
	}
	all := count()
	// The local token's own creation was by its user, with no token yet.
	if all != 3 || count("--actor", p.UserID) != all || count("--actor", p.TokenID) != all-1 || count("--actor", "usr_nobody") != 0 ||
		count("--connection", conn) != 1 || count("--since", "1h") != all || count("--until", "1h") != 0 {
		t.Fatalf("filters: all %d, by token %d, connection %d", all, count("--actor", p.TokenID), count("--connection", conn))
	}
	if r := clitest.Execute(t, home, nil, "audit", "list"); !strings.Contains(r.Stdout, "orchestera:CreateConnection") || !strings.Contains(r.Stdout, p.UserID+" ("+p.TokenID+")") {
		t.Fatalf("audit table lacks the actor:\n%s", r.Stdout)
	}
}
