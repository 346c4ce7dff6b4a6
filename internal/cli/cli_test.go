package cli_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/orchestera/orchestera/internal/api"
	"github.com/orchestera/orchestera/internal/api/apitest"
	"github.com/orchestera/orchestera/internal/cli"
	"github.com/orchestera/orchestera/internal/cli/clitest"
	"github.com/orchestera/orchestera/internal/config"
	"github.com/orchestera/orchestera/internal/domain"
	"github.com/orchestera/orchestera/internal/githubauth/githubtest"
)

func TestEveryCommandHasHelpWithAnExample(t *testing.T) {
	var walk func(c *cobra.Command)
	n := 0
	walk = func(c *cobra.Command) {
		n++
		if c.Short == "" || c.Example == "" {
			t.Errorf("%q lacks a short description or an example", c.CommandPath())
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(cli.NewRoot())
	if n < 15 {
		t.Fatalf("walked only %d commands", n)
	}
	out, err := clitest.Run(t, t.TempDir(), "completion", "bash")
	if err != nil || !strings.Contains(out, "__start_orchestera") {
		t.Fatalf("bash completion: %v", err)
	}
}

func TestReadCommandsInEveryFormat(t *testing.T) {
	s := clitest.NewServer(t)
	home := clitest.HomeFor(t, s)
	for _, args := range [][]string{{"whoami"}, {"orgs", "get"}, {"members", "list"}, {"invites", "list"}, {"tokens", "list"}, {"version"},
		{"stacks", "list"}, {"stacks", "get", "local"}, {"namespaces", "list"}, {"runs", "list"}, {"connections", "list"},
		{"connections", "external-id"}, {"audit", "list"}} {
		table, err := clitest.Run(t, home, args...)
		if err != nil || table == "" {
			t.Fatalf("%v: %v %q", args, err, table)
		}
		js, err := clitest.Run(t, home, append(args, "-o", "json")...)
		if err != nil || !json.Valid([]byte(js)) {
			t.Fatalf("%v -o json: %v %q", args, err, js)
		}
		yml, err := clitest.Run(t, home, append(args, "-o", "yaml")...)
		if err != nil || strings.HasPrefix(yml, "{") || yml == "" {
			t.Fatalf("%v -o yaml: %v %q", args, err, yml)
		}
	}
	if _, err := clitest.Run(t, home, "whoami", "-o", "xml"); err == nil || !strings.Contains(err.Error(), "table, json or yaml") {
		t.Fatalf("-o xml: %v", err)
	}
	out, _ := clitest.Run(t, home, "whoami", "-o", "json")
	var me api.Whoami
	json.Unmarshal([]byte(out), &me)
	if me.Organization.Name != "personal" || me.Role != "admin" {
		t.Fatalf("whoami = %+v", me)
	}
}

func TestTokensAndInvitesLifecycle(t *testing.T) {
	s := clitest.NewServer(t)
	home := clitest.HomeFor(t, s)
	out, err := clitest.Run(t, home, "tokens", "create", "ci", "-o", "json")
	var tok api.NewToken
	if err != nil || json.Unmarshal([]byte(out), &tok) != nil || !strings.HasPrefix(tok.Secret, "orch_") {
		t.Fatalf("tokens create: %v %s", err, out)
	}
	list, _ := clitest.Run(t, home, "tokens", "list")
	if !strings.Contains(list, tok.ID) || strings.Contains(list, tok.Secret) {
		t.Fatalf("tokens list shows %q", list)
	}
	for i := 0; i < 2; i++ { // revoking twice is fine
		if out, err := clitest.Run(t, home, "tokens", "revoke", tok.ID); err != nil || !strings.Contains(out, tok.ID) {
			t.Fatalf("tokens revoke #%d: %v %s", i, err, out)
		}
	}
	if _, err := clitest.Run(t, home, "invites", "create", "ada@example", "--role", "member"); err == nil ||
		!strings.Contains(err.Error(), "EMAIL: must be a plain email address") || !strings.Contains(err.Error(), "rule: email") {
		t.Fatalf("bad email: %v", err)
	}
	out, err = clitest.Run(t, home, "invites", "create", "ada@example.com", "--role", "admin", "-o", "json")
	var inv api.Invitation
	if err != nil || json.Unmarshal([]byte(out), &inv) != nil || inv.Role != "admin" {
		t.Fatalf("invites create: %v %s", err, out)
	}
	if out, err := clitest.Run(t, home, "invites", "revoke", inv.ID); err != nil || !strings.Contains(out, "revoked") {
		t.Fatalf("invites revoke: %v %s", err, out)
	}
	if _, err := clitest.Run(t, home, "members", "remove", "usr_nobody"); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Fatalf("members remove of a stranger: %v", err)
	}
}

func TestLoginWithToken(t *testing.T) {
	s := clitest.NewServer(t)
	home := t.TempDir()
	if _, err := clitest.Run(t, home, "login", "--server", s.URL, "--token", "orch_bogus"); err == nil {
		t.Fatal("login accepted a bogus token")
	}
	if _, err := os.Stat(filepath.Join(home, config.FileName)); !os.IsNotExist(err) {
		t.Fatal("a failed login wrote the config")
	}
	out, err := clitest.Run(t, home, "login", "--server", s.URL+"/", "--token", s.Token)
	if err != nil || !strings.Contains(out, "Logged in") {
		t.Fatalf("login: %v %s", err, out)
	}
	fi, err := os.Stat(filepath.Join(home, config.FileName))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("config mode = %v, %v; want 0600", fi.Mode(), err)
	}
	if _, err := clitest.Run(t, home, "whoami"); err != nil {
		t.Fatal(err)
	}
	// The saved token is never sent to another server.
	other := clitest.NewServer(t)
	if _, err := clitest.Run(t, home, "--server", other.URL, "whoami"); err == nil || !strings.Contains(err.Error(), "token is missing") {
		t.Fatalf("whoami against another server: %v", err)
	}
}

func TestLoginThroughGitHub(t *testing.T) {
	s := clitest.NewServer(t)
	s.GitHub.SignInAs(githubtest.User{ID: 5, Login: "grace", Name: "Grace", Email: "grace@example.com", Verified: true})
	home := t.TempDir()
	out := &apitest.Buffer{}
	done := make(chan error, 1)
	go func() { done <- clitest.RunTo(out, home, "login", "--server", s.URL, "--timeout", "30s") }()

	// Act as the browser: open the printed URL and follow every redirect,
	// through the fake GitHub, the server's callback, to the CLI's loopback.
	browse(t, printedLink(t, out, s.URL))
	waitDone(t, done)
	if !strings.Contains(out.String(), "Logged in to "+s.URL+" as grace@example.com") {
		t.Fatalf("login output: %s", out.String())
	}
	me, err := clitest.Run(t, home, "whoami", "-o", "json")
	if err != nil || !strings.Contains(me, "grace@example.com") {
		t.Fatalf("whoami after login: %v %s", err, me)
	}
}

func TestConnectionsVerifyExitsNonZeroUnlessVerified(t *testing.T) {
	s := clitest.NewServer(t)
	home := clitest.HomeFor(t, s)
	out, err := clitest.Run(t, home, "connections", "create", "--role-arn", "arn:aws:iam::123456789012:role/OrchesteraAccessRole", "-o", "json")
	var conn api.Connection
	if err != nil || json.Unmarshal([]byte(out), &conn) != nil {
		t.Fatalf("create: %v %s", err, out)
	}
	assumed := domain.Check{Name: "assume_role", Status: domain.CheckPass, Evidence: "assumed as arn:aws:sts::123456789012:assumed-role/OrchesteraAccessRole/x"}
	s.Verifier.Set(assumed, domain.Check{Name: "permissions", Status: domain.CheckFail, Evidence: "1 action missing: sqs:*", Fix: "attach this statement"})
	out, err = clitest.Run(t, home, "connections", "verify", conn.ID)
	var exit *cli.ExitError
	if !errors.As(err, &exit) || exit.Code != 1 || !strings.Contains(out, "NOT VERIFIED") || !strings.Contains(out, "fix:") {
		t.Fatalf("failing verify: %v\n%s", err, out)
	}
	s.Verifier.Set(assumed)
	if out, err = clitest.Run(t, home, "connections", "verify", conn.ID); err != nil || !strings.Contains(out, "ROLE VERIFIED") {
		t.Fatalf("passing verify: %v\n%s", err, out)
	}
	if out, err = clitest.Run(t, home, "connections", "events", conn.ID); err != nil || !strings.Contains(out, "verification_failed") || !strings.Contains(out, "ROLE VERIFIED") {
		t.Fatalf("events: %v %s", err, out)
	}
	if _, err = clitest.Run(t, home, "connections", "create", "--role-arn", "arn:aws:iam::1:role/x"); err == nil || !strings.Contains(err.Error(), "rule: iam_role_arn") {
		t.Fatalf("bad ARN: %v", err)
	}
}
