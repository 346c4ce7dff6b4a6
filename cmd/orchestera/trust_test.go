package main_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/orchestera/orchestera/internal/api/apitest"
	"github.com/orchestera/orchestera/internal/poll"
)

// fixedServer is `orchestera server` on a port that stays the same across
// restarts, as a real server's does.
type fixedServer struct {
	cmd  *exec.Cmd
	logs *apitest.Buffer
	url  string
}

func startFixed(t *testing.T, home, listen string, env []string, args ...string) *fixedServer {
	t.Helper()
	s := &fixedServer{cmd: exec.Command(bin, append([]string{"server", "--listen", listen}, args...)...), logs: &apitest.Buffer{}, url: "http://" + listen}
	s.cmd.Env = append(os.Environ(), append([]string{"ORCHESTERA_HOME=" + home}, env...)...)
	s.cmd.Stderr = s.logs
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.cmd.Process.Kill(); s.cmd.Wait() })
	poll.Until(t, "the server to answer /readyz", 30*time.Second, func() error {
		resp, err := http.Get(s.url + "/readyz")
		if err != nil {
			return fmt.Errorf("%v; logs:\n%s", err, s.logs)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			return fmt.Errorf("readyz %d", resp.StatusCode)
		}
		return nil
	})
	return s
}

func (s *fixedServer) stop(t *testing.T) {
	t.Helper()
	s.cmd.Process.Signal(syscall.SIGTERM)
	if err := s.cmd.Wait(); err != nil {
		t.Fatalf("server stopped with %v; logs:\n%s", err, s.logs)
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// background runs the CLI without waiting; wait returns its result.
type background struct {
	cmd            *exec.Cmd
	stdout, stderr *apitest.Buffer
	done           chan struct{}
	code           int
}

func startCLI(t *testing.T, home string, args ...string) *background {
	t.Helper()
	b := &background{cmd: exec.Command(bin, args...), stdout: &apitest.Buffer{}, stderr: &apitest.Buffer{}, done: make(chan struct{})}
	b.cmd.Env = append(os.Environ(), "ORCHESTERA_HOME="+home, "ORCHESTERA_SERVER=")
	b.cmd.Stdout, b.cmd.Stderr = b.stdout, b.stderr
	if err := b.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.cmd.Process.Kill(); <-b.done })
	go func() {
		err := b.cmd.Wait()
		if ee, ok := err.(*exec.ExitError); ok {
			b.code = ee.ExitCode()
		}
		close(b.done)
	}()
	return b
}

func (b *background) wait(t *testing.T, within time.Duration) result {
	t.Helper()
	select {
	case <-b.done:
	case <-time.After(within):
		t.Fatalf("orchestera %v still runs after %s:\n%s\n%s", b.cmd.Args[1:], within, b.stdout, b.stderr)
	}
	return result{b.stdout.String(), b.stderr.String(), b.code}
}

func (b *background) waitFor(t *testing.T, what string) {
	t.Helper()
	poll.Until(t, fmt.Sprintf("%v to print %q", b.cmd.Args[1:], what), 3*time.Minute, func() error {
		if !strings.Contains(b.stdout.String()+b.stderr.String(), what) {
			return fmt.Errorf("it printed:\n%s\n%s", b.stdout, b.stderr)
		}
		return nil
	})
}

// TestRunFollowsThroughAServerRestart: the server restarts while
// `orchestera run` streams the log. It used to exit 1 with "unexpected EOF"
// while the run went on to succeed; it now reconnects, prints every line
// once and exits with the run's real outcome. A run waiting for a slot
// says how many runs it is queued behind, and `runs logs -f` exits with the
// run's outcome.
func TestRunFollowsThroughAServerRestart(t *testing.T) {
	py := pythonForRuns(t)
	home, listen := t.TempDir(), freeAddr(t)
	env := []string{"ORCHESTERA_PYTHON=" + py}
	s := startFixed(t, home, listen, env, "--local-concurrency", "1")

	run := startCLI(t, home, "run", "--project", examples(t), "--classpath", "example.failing.Sleeper", "--application-name", "restarted",
		"--arg", "seconds=15")
	run.waitFor(t, "sleeper: spark is up")

	queued := startCLI(t, home, "run", "--project", examples(t), "--classpath", "example.failing.NeedsArgs", "--application-name", "queued",
		"--arg", "date=2026-11-29")
	queued.waitFor(t, "queued behind 1 run")

	s.stop(t)
	s = startFixed(t, home, listen, env, "--local-concurrency", "1")
	defer s.stop(t)

	got := run.wait(t, 3*time.Minute)
	if got.code != 0 || strings.Count(got.stdout, "sleeper: spark is up") != 1 || strings.Count(got.stdout, "sleeper: done") != 1 {
		t.Fatalf("run across the restart: exit %d\nstdout:\n%s\nstderr:\n%s", got.code, got.stdout, got.stderr)
	}
	if !strings.Contains(got.stderr, "lost the connection") || !strings.Contains(got.stderr, "reconnected") {
		t.Fatalf("the run did not say it reconnected:\n%s", got.stderr)
	}
	if q := queued.wait(t, 3*time.Minute); q.code != 0 || !strings.Contains(q.stdout, "processing 2026-11-29") {
		t.Fatalf("the queued run: exit %d\n%s\n%s", q.code, q.stdout, q.stderr)
	}

	boom := detach(t, home, "--classpath", "example.failing.Boom", "--application-name", "boom")
	follow := cliResult(t, home, "runs", "logs", boom, "-f")
	if follow.code != 1 || !strings.Contains(follow.stderr, "failed: user_error (exit code 1)") || !strings.Contains(follow.stdout, "Traceback") {
		t.Fatalf("runs logs -f of a failing run: exit %d\n%s\n%s", follow.code, follow.stdout, follow.stderr)
	}
	if tail := cliResult(t, home, "runs", "logs", boom, "--tail", "1"); strings.Count(strings.TrimSpace(tail.stdout), "\n") != 0 || !strings.Contains(tail.stdout, "ValueError") {
		t.Fatalf("--tail 1 printed:\n%s", tail.stdout)
	}
	if future := cliResult(t, home, "runs", "logs", boom, "--since", time.Now().Add(time.Hour).UTC().Format(time.RFC3339)); future.code != 0 || future.stdout != "" {
		t.Fatalf("--since an hour ahead printed %q (exit %d, %s)", future.stdout, future.code, future.stderr)
	}
	if all := cliResult(t, home, "runs", "logs", boom, "--since", "1h"); !strings.Contains(all.stdout, "[orchestera] run "+boom) {
		t.Fatalf("--since 1h lacks the log's start:\n%s", all.stdout)
	}
}

// TestRunFailsFastWhenTheServerIsDown: run used to be silent for 6 s.
func TestRunFailsFastWhenTheServerIsDown(t *testing.T) {
	home := t.TempDir()
	r := cliResult(t, home, "--server", "http://"+freeAddr(t), "run", "--classpath", "a.B", "--application-name", "x", "--project", t.TempDir())
	if r.code != 1 || !strings.Contains(r.stderr, "cannot reach the Orchestera server") {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
}

// TestLocalServerSaysWhenPythonLacksTheRuntime: the first run used to fail
// with a ModuleNotFoundError hint; the server now says so when it starts.
func TestLocalServerSaysWhenPythonLacksTheRuntime(t *testing.T) {
	bare, err := exec.LookPath("python3")
	if err != nil {
		t.Fatal("python3 is needed for this test:", err)
	}
	if exec.Command(bare, "-c", "import orchestera").Run() == nil {
		t.Skipf("%s has the orchestera runtime installed", bare)
	}
	s := startServer(t, t.TempDir(), "ORCHESTERA_PYTHON="+bare)
	poll.Until(t, "the server to warn about the runtime", time.Minute, func() error {
		for _, want := range []string{"local-stack runs will fail", "--python " + bare, "ORCHESTERA_PYTHON", "pip install pyspark==3.5.7 ./python", "No module named"} {
			if !strings.Contains(s.logs.String(), want) {
				return fmt.Errorf("logs lack %q:\n%s", want, s.logs)
			}
		}
		return nil
	})
	s.stop(t)

	py := pythonForRuns(t)
	s = startServer(t, t.TempDir(), "ORCHESTERA_PYTHON="+py)
	poll.Until(t, "the server to find the runtime", time.Minute, func() error {
		if !strings.Contains(s.logs.String(), "local-stack runtime found") {
			return fmt.Errorf("logs:\n%s", s.logs)
		}
		return nil
	})
	if strings.Contains(s.logs.String(), "local-stack runs will fail") {
		t.Fatalf("a good interpreter was warned about:\n%s", s.logs)
	}
	s.stop(t)
}

// TestServerRefusesZeroValues: --local-concurrency 0 used to be accepted
// (and became 2).
func TestServerRefusesZeroValues(t *testing.T) {
	for _, c := range []struct{ flag, value, want string }{
		{"--local-concurrency", "0", "--local-concurrency 0: must be at least 1"},
		{"--run-log-cap", "-1", "--run-log-cap -1: must be at least 1 byte"},
		{"--verify-every", "-1h", "--verify-every -1h0m0s: must not be negative"},
		{"--token-rate-limit", "-1", "--token-rate-limit -1: must not be negative"},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		cmd := exec.CommandContext(ctx, bin, "server", "--listen", "127.0.0.1:0", c.flag, c.value)
		cmd.Env = append(os.Environ(), "ORCHESTERA_HOME="+t.TempDir())
		out, err := cmd.CombinedOutput()
		cancel()
		if err == nil || !strings.Contains(string(out), c.want) {
			t.Errorf("server %s %s: %v\n%s", c.flag, c.value, err, out)
		}
	}
}

var releaseVersion = regexp.MustCompile(`^orchestera\s+\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?\s+commit\s+\S+\n$`)

// TestVersionIsARelease: a plain go build said "dev".
func TestVersionIsARelease(t *testing.T) {
	out := cli(t, t.TempDir(), "version")
	if !releaseVersion.MatchString(out) {
		t.Fatalf("version printed %q, want orchestera <major.minor.patch> commit <commit>", out)
	}
	want, err := os.ReadFile("../../internal/version/VERSION")
	if err != nil || !strings.Contains(out, strings.TrimSpace(string(want))) {
		t.Fatalf("version %q does not say the VERSION file's %q", out, want)
	}
}
