package main_test

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/orchestera/orchestera/internal/api/apitest"
	"github.com/orchestera/orchestera/internal/poll"
)

// These tests run real pipelines with real Spark (pyspark from PyPI, in the
// venv `make test` builds) through the real binary, as a user would.

func pythonForRuns(t *testing.T) string {
	t.Helper()
	py := os.Getenv("ORCHESTERA_TEST_PYTHON")
	if py == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("ORCHESTERA_TEST_PYTHON is not set: run the tests through `make test`, which builds build/venv with pyspark")
		}
		t.Skip("ORCHESTERA_TEST_PYTHON not set; `make test` sets it")
	}
	return py
}

func examples(t *testing.T) string {
	dir, err := filepath.Abs("../../examples/hello-world")
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// result is what a CLI invocation left: output and exit code.
type result struct {
	stdout, stderr string
	code           int
}

func cliResult(t *testing.T, home string, args ...string) result {
	t.Helper()
	return cliEnv(t, home, nil, args...)
}

// cliEnv runs the CLI with extra environment variables.
func cliEnv(t *testing.T, home string, env []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(append(os.Environ(), "ORCHESTERA_HOME="+home, "ORCHESTERA_SERVER="), env...)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{out.String(), errb.String(), code}
}

type runJSON struct {
	ID       string `json:"id"`
	State    string `json:"state"`
	Reason   string `json:"reason"`
	ExitCode *int   `json:"exit_code"`
	Hint     string `json:"hint"`
}

func getRun(t *testing.T, home, id string) runJSON {
	t.Helper()
	var r runJSON
	if err := json.Unmarshal([]byte(cli(t, home, "runs", "get", id, "-o", "json")), &r); err != nil {
		t.Fatal(err)
	}
	return r
}

func waitRun(t *testing.T, home, id string, ok func(runJSON) bool) runJSON {
	t.Helper()
	return poll.For(t, "run "+id, 3*time.Minute, func() (runJSON, error) {
		r := getRun(t, home, id)
		if !ok(r) {
			return r, fmt.Errorf("stuck in %+v; log:\n%s", r, cli(t, home, "runs", "logs", id))
		}
		return r, nil
	})
}

func waitLogLine(t *testing.T, home, id, want string) {
	t.Helper()
	poll.Until(t, fmt.Sprintf("the log of %s to show %q", id, want), 3*time.Minute, func() error {
		if log := cli(t, home, "runs", "logs", id); !strings.Contains(log, want) {
			return fmt.Errorf("it is:\n%s", log)
		}
		return nil
	})
}

func detach(t *testing.T, home string, args ...string) string {
	t.Helper()
	r := cliResult(t, home, append([]string{"run", "--detach", "--project", examples(t)}, args...)...)
	if r.code != 0 {
		t.Fatalf("run --detach: %d %s", r.code, r.stderr)
	}
	return strings.TrimSpace(r.stdout)
}

func TestPipelinesOnTheLocalStack(t *testing.T) {
	py := pythonForRuns(t)
	home := t.TempDir()
	s := startServer(t, home, "ORCHESTERA_PYTHON="+py)
	defer s.stop(t)

	t.Run("hello-world succeeds and writes its outputs", func(t *testing.T) {
		r := cliResult(t, home, "run", "--classpath", "example.spark.application.HelloWorld", "--application-name", "hello",
			"--project", examples(t), "--arg", "top=2")
		if r.code != 0 || !strings.Contains(r.stdout, "hello-world: 2000 trips in 8 cities") {
			t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
		}
		id := strings.Fields(r.stderr)[1] // "run <id> submitted ..."
		out := filepath.Join(runDirOf(t, home, id), "work", "output")
		parts, _ := filepath.Glob(filepath.Join(out, "by_city_csv", "part-*.csv"))
		if len(parts) != 1 {
			t.Fatalf("CSV parts: %v", parts)
		}
		f, _ := os.Open(parts[0])
		rows, err := csv.NewReader(f).ReadAll()
		f.Close()
		if err != nil || len(rows) != 9 || rows[0][0] != "city" {
			t.Fatalf("CSV output: %v %v", rows, err)
		}
		if pq, _ := filepath.Glob(filepath.Join(out, "by_city_parquet", "*.parquet")); len(pq) == 0 {
			t.Fatal("no Parquet output")
		}
		// The log stays readable after the run ended.
		if log := cli(t, home, "runs", "logs", id); !strings.Contains(log, "hello-world: 2000 trips") || !strings.Contains(log, "[orchestera] run "+id) {
			t.Fatalf("logs after completion:\n%s", log)
		}
		if got := getRun(t, home, id); got.State != "succeeded" || got.ExitCode == nil || *got.ExitCode != 0 {
			t.Fatalf("run = %+v", got)
		}
	})

	t.Run("a user exception fails with user_error and its exit code", func(t *testing.T) {
		r := cliResult(t, home, "run", "--classpath", "example.failing.Boom", "--application-name", "boom", "--project", examples(t))
		if r.code != 1 || !strings.Contains(r.stderr, "failed: user_error (exit code 1)") ||
			!strings.Contains(r.stderr, "hint: ValueError: boom: the input had no rows for 2026-11-29") {
			t.Fatalf("exit %d, stderr:\n%s", r.code, r.stderr)
		}
		if !strings.Contains(r.stdout, "Traceback (most recent call last)") {
			t.Fatalf("the streamed log lacks the traceback:\n%s", r.stdout)
		}
	})

	t.Run("a missing argument fails before Spark starts", func(t *testing.T) {
		r := cliResult(t, home, "run", "--classpath", "example.failing.NeedsArgs", "--application-name", "needs", "--project", examples(t))
		if r.code != 64 || !strings.Contains(r.stderr, "invalid_arguments") || !strings.Contains(r.stderr, "missing required argument --date") {
			t.Fatalf("exit %d, stderr:\n%s", r.code, r.stderr)
		}
		if strings.Contains(r.stdout, "SparkContext") || strings.Contains(r.stdout, "WARN") {
			t.Fatalf("Spark started for invalid arguments:\n%s", r.stdout)
		}
		ok := cliResult(t, home, "run", "--classpath", "example.failing.NeedsArgs", "--application-name", "needs", "--project", examples(t),
			"--arg", "date=2026-11-29", "--arg", "limit=3")
		if ok.code != 0 || !strings.Contains(ok.stdout, "processing 2026-11-29, limit 3") {
			t.Fatalf("with the argument: exit %d %s %s", ok.code, ok.stdout, ok.stderr)
		}
	})

	t.Run("cancel stops the run and its Spark JVM", func(t *testing.T) {
		id := detach(t, home, "--classpath", "example.failing.Sleeper", "--application-name", "sleeper")
		waitLogLine(t, home, id, "sleeper: spark is up")
		pid := runPGID(t, id)
		got := cliResult(t, home, "runs", "cancel", id, "-o", "json")
		if got.code != 0 || !strings.Contains(got.stdout, `"state": "cancelled"`) {
			t.Fatalf("cancel: %d %s %s", got.code, got.stdout, got.stderr)
		}
		if groupHasLive(pid) {
			t.Fatalf("process group %d (with Spark's JVM) still runs after cancel", pid)
		}
		again := cliResult(t, home, "runs", "cancel", id)
		if again.code != 0 {
			t.Fatalf("cancelling twice: %s", again.stderr)
		}
	})

	t.Run("a timeout stops the run", func(t *testing.T) {
		r := cliResult(t, home, "run", "--classpath", "example.failing.Sleeper", "--application-name", "slow", "--project", examples(t), "--timeout", "3s")
		if r.code != 124 || !strings.Contains(r.stderr, "failed: timeout") || !strings.Contains(r.stderr, "timeout of 3s") {
			t.Fatalf("exit %d, stderr:\n%s", r.code, r.stderr)
		}
	})

	t.Run("a resubmission with the same key returns the same run", func(t *testing.T) {
		args := []string{"--classpath", "example.failing.NeedsArgs", "--application-name", "idem", "--arg", "date=d", "--idempotency-key", "retry-1"}
		first, second := detach(t, home, args...), detach(t, home, args...)
		if first == "" || first != second {
			t.Fatalf("resubmission: %q then %q", first, second)
		}
		changed := cliResult(t, home, "run", "--detach", "--project", examples(t), "--classpath", "example.failing.NeedsArgs",
			"--application-name", "other", "--idempotency-key", "retry-1")
		if changed.code == 0 || !strings.Contains(changed.stderr, "already used for a different run") {
			t.Fatalf("same key, other spec: %d %s", changed.code, changed.stderr)
		}
		list := cli(t, home, "runs", "list", "-o", "json")
		if strings.Count(list, first) != 1 {
			t.Fatalf("the run is listed %d times", strings.Count(list, first))
		}
	})
}

// TestRunsSurviveAServerRestart kills the server (SIGKILL, no goodbye) while
// a pipeline runs: the new server reattaches and records the outcome; a run
// whose process died with the machine is failed with a hint.
func TestRunsSurviveAServerRestart(t *testing.T) {
	py := pythonForRuns(t)
	home := t.TempDir()
	s := startServer(t, home, "ORCHESTERA_PYTHON="+py)
	survivor := detach(t, home, "--classpath", "example.failing.Sleeper", "--application-name", "survivor", "--arg", "seconds=15")
	victim := detach(t, home, "--classpath", "example.failing.Sleeper", "--application-name", "victim", "--arg", "seconds=600")
	waitLogLine(t, home, survivor, "sleeper: spark is up")
	waitLogLine(t, home, victim, "sleeper: spark is up")
	victimPID := runPGID(t, victim)

	s.cmd.Process.Kill()
	s.cmd.Wait()
	syscall.Kill(-victimPID, syscall.SIGKILL) // as if the machine lost it
	poll.Until(t, "the victim's process group to die", 30*time.Second, func() error {
		if groupHasLive(victimPID) {
			return errors.New("a process of it is alive")
		}
		return nil
	})

	s = startServer(t, home, "ORCHESTERA_PYTHON="+py)
	defer s.stop(t)
	got := waitRun(t, home, victim, func(r runJSON) bool { return r.State == "failed" })
	if got.Reason != "platform_error" || !strings.Contains(got.Hint, "gone when the server restarted") {
		t.Fatalf("victim = %+v", got)
	}
	if r := getRun(t, home, survivor); r.State != "running" {
		t.Fatalf("survivor after restart = %+v, want running (reattached)", r)
	}
	done := waitRun(t, home, survivor, func(r runJSON) bool { return r.State != "running" })
	if done.State != "succeeded" {
		t.Fatalf("survivor = %+v; log:\n%s", done, cli(t, home, "runs", "logs", survivor))
	}
	if log := cli(t, home, "runs", "logs", survivor); !strings.Contains(log, "sleeper: done") {
		t.Fatalf("survivor's log lacks its end:\n%s", log)
	}
}

// runPGID finds the process group of a run: its processes carry
// ORCH_RUN_ID in their environment.
func runPGID(t *testing.T, id string) int {
	t.Helper()
	for _, pid := range pids() {
		env, err := os.ReadFile(filepath.Join("/proc", pid, "environ"))
		if err == nil && strings.Contains(string(env), "ORCH_RUN_ID="+id+"\x00") {
			if _, pgrp, ok := procStat(pid); ok {
				return pgrp
			}
		}
	}
	t.Fatalf("no process of run %s found", id)
	return 0
}

// groupHasLive reports whether a process group has a non-zombie member.
func groupHasLive(pgid int) bool {
	for _, pid := range pids() {
		if state, pgrp, ok := procStat(pid); ok && pgrp == pgid && state != "Z" {
			return true
		}
	}
	return false
}

func pids() []string {
	entries, _ := os.ReadDir("/proc")
	var out []string
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err == nil {
			out = append(out, e.Name())
		}
	}
	return out
}

func procStat(pid string) (state string, pgrp int, ok bool) {
	b, err := os.ReadFile(filepath.Join("/proc", pid, "stat"))
	if err != nil {
		return "", 0, false
	}
	f := strings.Fields(string(b)[strings.LastIndexByte(string(b), ')')+1:])
	if len(f) < 3 {
		return "", 0, false
	}
	pgrp, err = strconv.Atoi(f[2])
	return f[0], pgrp, err == nil
}

// TestStopWithAFollowerOpen: SIGTERM while `runs logs -f` streams a live
// run ends the stream at once and stops cleanly, instead of holding the
// shutdown until its timeout (which fails the stop and exits non-zero). The
// follower notices and waits to reconnect.
func TestStopWithAFollowerOpen(t *testing.T) {
	py := pythonForRuns(t)
	home := t.TempDir()
	s := startServer(t, home, "ORCHESTERA_PYTHON="+py)
	id := detach(t, home, "--classpath", "example.failing.Sleeper", "--application-name", "followed", "--arg", "seconds=600")
	t.Cleanup(func() { syscall.Kill(-runPGID(t, id), syscall.SIGKILL) }) // the run outlives the server by design
	waitLogLine(t, home, id, "sleeper: spark is up")

	follower := exec.Command(bin, "runs", "logs", "-f", id)
	follower.Env = append(os.Environ(), "ORCHESTERA_HOME="+home, "ORCHESTERA_SERVER=")
	out := &apitest.Buffer{}
	follower.Stdout, follower.Stderr = out, out
	if err := follower.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{}) // closed when the follower exits
	go func() { follower.Wait(); close(exited) }()
	t.Cleanup(func() { follower.Process.Kill() })
	poll.Until(t, "the follower to stream the log", time.Minute, func() error {
		if !strings.Contains(out.String(), "sleeper: spark is up") {
			return fmt.Errorf("it printed %q", out.String())
		}
		return nil
	})

	s.stop(t) // exit code 0 and a graceful stop, checked there
	// The server ended the stream: the follower, which follows through
	// restarts, says so and waits for the server to come back.
	poll.Until(t, "the follower to see its stream end", 30*time.Second, func() error {
		select {
		case <-exited:
			return fmt.Errorf("the follower exited instead of waiting for the server:\n%s", out)
		default:
		}
		if !strings.Contains(out.String(), "lost the connection") {
			return fmt.Errorf("the follower still streams after the server stopped:\n%s", out)
		}
		return nil
	})
}
