package main_test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/orchestera/orchestera/internal/api/apitest"
	"github.com/orchestera/orchestera/internal/config"
	"github.com/orchestera/orchestera/internal/poll"
)

var bin string

// TestMain builds the real binary once; these tests run it as a user would.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "orchestera-bin")
	if err != nil {
		panic(err)
	}
	bin = filepath.Join(dir, "orchestera")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building orchestera: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// server is a running `orchestera server` process.
type server struct {
	cmd  *exec.Cmd
	logs *apitest.Buffer // written by the process while the test reads it
	home string
	url  string
}

// startServer runs `orchestera server` with no flags: the listen address
// comes from the environment (port 0, a free one) so tests never collide.
func startServer(t *testing.T, home string, env ...string) *server {
	t.Helper()
	before, _ := config.Load(home)
	s := &server{cmd: exec.Command(bin, "server"), logs: &apitest.Buffer{}, home: home}
	s.cmd.Env = append(os.Environ(), append([]string{"ORCHESTERA_HOME=" + home, "ORCHESTERA_LISTEN=127.0.0.1:0"}, env...)...)
	s.cmd.Stderr = s.logs
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.cmd.Process.Kill(); s.cmd.Wait() })
	// Local mode writes the client config once it listens; poll for it.
	s.url = poll.For(t, "the server to write its client config", 20*time.Second, func() (string, error) {
		if c, _ := config.Load(home); c.Server != "" && c.Server != before.Server {
			return c.Server, nil
		}
		return "", fmt.Errorf("none yet; logs:\n%s", s.logs)
	})
	return s
}

func (s *server) stop(t *testing.T) {
	t.Helper()
	s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- s.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("server exited with %v after SIGTERM; logs:\n%s", err, s.logs)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("server did not stop within 20s of SIGTERM")
	}
	if !strings.Contains(s.logs.String(), `"msg":"stopped;`) {
		t.Fatalf("no graceful stop in the logs:\n%s", s.logs)
	}
}

func cli(t *testing.T, home string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "ORCHESTERA_HOME="+home, "ORCHESTERA_SERVER=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("orchestera %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func TestLocalModeWorksWithNoSetup(t *testing.T) {
	home := filepath.Join(t.TempDir(), "home")
	s := startServer(t, home)
	var me struct {
		Organization struct{ Name string } `json:"organization"`
		Role         string                `json:"role"`
	}
	if err := json.Unmarshal([]byte(cli(t, home, "whoami", "-o", "json")), &me); err != nil || me.Organization.Name != "personal" || me.Role != "admin" {
		t.Fatalf("whoami = %+v, %v", me, err)
	}
	fi, err := os.Stat(filepath.Join(home, config.FileName))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("config mode %v, %v", fi.Mode(), err)
	}
	if _, err := os.Stat(filepath.Join(home, "orchestera.db")); err != nil {
		t.Fatal("no SQLite database in the home directory:", err)
	}
	first, _ := config.Load(home)
	s.stop(t)

	// A restart on another port keeps the organization and the token.
	s = startServer(t, home)
	again, _ := config.Load(home)
	if again.Token != first.Token || again.Server == first.Server {
		t.Fatalf("restart: token kept %v, server moved %v", again.Token == first.Token, again.Server != first.Server)
	}
	if !strings.Contains(cli(t, home, "tokens", "list"), "local-cli") {
		t.Fatal("tokens list lacks the local token")
	}
	s.stop(t)
}

func TestServerOnPostgres(t *testing.T) {
	url := os.Getenv("ORCHESTERA_TEST_POSTGRES_URL")
	if url == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("ORCHESTERA_TEST_POSTGRES_URL is not set: run the tests through `make test`")
		}
		t.Skip("ORCHESTERA_TEST_POSTGRES_URL not set")
	}
	// A fresh database of its own, so local mode's first start is real.
	db := fmt.Sprintf("e2e_%d", time.Now().UnixNano())
	if out, err := exec.Command("psql", url, "-c", "CREATE DATABASE "+db).CombinedOutput(); err != nil {
		t.Fatalf("creating database: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("psql", url, "-c", "DROP DATABASE "+db+" WITH (FORCE)").Run() })
	dbURL := strings.Replace(url, "/orchestera_test", "/"+db, 1)

	home := t.TempDir()
	s := startServer(t, home, "ORCHESTERA_DATABASE_URL="+dbURL)
	if !strings.Contains(cli(t, home, "whoami"), "personal") {
		t.Fatal("whoami on PostgreSQL lacks the personal organization")
	}
	if !strings.Contains(s.logs.String(), `"store":"postgres`) {
		t.Fatalf("server did not report PostgreSQL:\n%s", s.logs)
	}
	s.stop(t)
}

func TestVersion(t *testing.T) {
	if out := cli(t, t.TempDir(), "version"); !strings.Contains(out, "orchestera") || !strings.Contains(out, "commit") {
		t.Fatalf("version printed %q", out)
	}
}
