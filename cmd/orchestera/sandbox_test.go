package main_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/orchestera/orchestera/internal/api/apitest"
	"github.com/orchestera/orchestera/internal/domain"
	"github.com/orchestera/orchestera/internal/poll"
)

// These tests run pipelines of testdata/sandbox (no Spark) through the
// real binary to probe the sandbox from inside a run.

func sandboxProject(t *testing.T) string {
	dir, err := filepath.Abs("testdata/sandbox")
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// runIn submits a run of the sandbox project and waits for its end.
func runIn(t *testing.T, home, classpath string, args ...string) (result, string) {
	t.Helper()
	argv := []string{"run", "--classpath", classpath, "--application-name", "probe", "--project", sandboxProject(t)}
	for _, a := range args {
		argv = append(argv, "--arg", a)
	}
	r := cliResult(t, home, argv...)
	id := ""
	if f := strings.Fields(r.stderr); len(f) > 1 && f[0] == "run" {
		id = f[1]
	}
	return r, id
}

// TestPipelinesAreSandboxed plants a canary in the server's environment,
// its store, another run's directory and another organization's secret,
// then runs a pipeline that searches for it everywhere it can read.
func TestPipelinesAreSandboxed(t *testing.T) {
	py := pythonForRuns(t)
	home := t.TempDir()
	canary := "orchcanary-" + domain.NewID("c")
	s := startServer(t, home, "ORCHESTERA_PYTHON="+py,
		"ORCHESTERA_CANARY_SECRET="+canary, "AWS_SECRET_ACCESS_KEY="+canary+"-platform-aws-key", "AWS_ACCESS_KEY_ID=AKIAORCHCANARY",
		"ORCHESTERA_GITHUB_CLIENT_SECRET="+canary+"-github")
	defer s.stop(t)

	// The store and another run's log hold the canary (an argument), and
	// so does a file in that run's work directory.
	other := cliResult(t, home, "run", "--classpath", "example.failing.NeedsArgs", "--application-name", "other",
		"--project", examples(t), "--arg", "date="+canary+"-store")
	if other.code != 0 {
		t.Fatalf("the other run: %d %s", other.code, other.stderr)
	}
	otherID := strings.Fields(other.stderr)[1]
	otherDir := runDirOf(t, home, otherID)
	if err := os.WriteFile(filepath.Join(otherDir, "work", "output.txt"), []byte(canary+"-output"), 0o600); err != nil {
		t.Fatal(err)
	}
	// A secret of this organization the run does not pull, and one of
	// another organization.
	secretFile := filepath.Join(t.TempDir(), "s.json")
	os.WriteFile(secretFile, []byte(`{"UNPULLED": "`+canary+`-unpulled"}`), 0o600)
	cli(t, home, "secrets", "put", "--alias", "unpulled", "--from-file", secretFile)
	foreign := filepath.Join(home, "secrets", domain.NewID("org"), "default")
	os.MkdirAll(foreign, 0o700)
	os.WriteFile(filepath.Join(foreign, "db.json"), []byte(`{"DB_PASSWORD": "`+canary+`-foreign"}`), 0o600)

	r, id := runIn(t, home, "sandboxcheck.probes.Snoop", "home="+home, "other-run="+otherDir)
	if r.code != 0 {
		t.Fatalf("the probe: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	log := cli(t, home, "runs", "logs", id)
	if strings.Contains(log, canary) {
		t.Errorf("the canary reached the run:\n%s", log)
	}
	found := regexp.MustCompile(`(?m)^FOUND (.*)$`).FindAllStringSubmatch(log, -1)
	if len(found) != 1 || !strings.HasSuffix(found[0][1], "/control.txt") {
		t.Errorf("the probe found the mark in %v; want only its own control file:\n%s", found, log)
	}
	if n := atoiMatch(t, log, `read=(\d+)`); n < 3 {
		t.Errorf("the probe read only %d files: it searched nothing", n)
	}
	if os.Geteuid() != 0 {
		if !strings.Contains(s.logs.String(), "WARNING: the server does not run as root") {
			t.Errorf("no warning that runs are not sandboxed without root:\n%s", s.logs)
		}
		return
	}
	if uid := atoiMatch(t, log, `uid=(\d+)`); uid == 0 {
		t.Errorf("the pipeline ran as root:\n%s", log)
	}
	serverNS, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/pid", s.cmd.Process.Pid))
	if err != nil {
		t.Fatal(err)
	}
	if ns := regexp.MustCompile(`pidns=(\S+)`).FindStringSubmatch(log); ns == nil || ns[1] == serverNS {
		t.Errorf("the pipeline shares the server's PID namespace %s:\n%s", serverNS, log)
	}
	if regexp.MustCompile(`(?m)^CMDLINE \d+ \S*orchestera server`).MatchString(log) {
		t.Errorf("the pipeline sees the server's command line:\n%s", log)
	}
	if n := atoiMatch(t, log, `procs=(\d+)`); n > 10 {
		t.Errorf("the pipeline sees %d processes, more than its own:\n%s", n, log)
	}
}

func atoiMatch(t *testing.T, s, pattern string) int {
	t.Helper()
	m := regexp.MustCompile(pattern).FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("no %s in:\n%s", pattern, s)
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// runDirOf is where a run's directory is: Home/runs/<org id>/<run id>.
func runDirOf(t *testing.T, home, id string) string {
	t.Helper()
	dirs, _ := filepath.Glob(filepath.Join(home, "runs", "org_*", id))
	if len(dirs) != 1 {
		t.Fatalf("run directories of %s: %v", id, dirs)
	}
	return dirs[0]
}

// TestEveryDescendantEndsWithTheRun: a pipeline that leaves a setsid child
// and a double-forked grandchild behind and exits 0 leaves nothing running
// once it is succeeded.
func TestEveryDescendantEndsWithTheRun(t *testing.T) {
	py := pythonForRuns(t)
	home := t.TempDir()
	s := startServer(t, home, "ORCHESTERA_PYTHON="+py)
	defer s.stop(t)
	r, id := runIn(t, home, "sandboxcheck.probes.Daemon")
	if r.code != 0 || !strings.Contains(r.stdout, "daemons started") {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if got := getRun(t, home, id); got.State != "succeeded" {
		t.Fatalf("run = %+v", got)
	}
	for _, pid := range pids() {
		b, _ := os.ReadFile(filepath.Join("/proc", pid, "cmdline"))
		if state, _, ok := procStat(pid); ok && state != "Z" && strings.Contains(string(b), "orchestera-e2e-daemon-"+id) {
			t.Errorf("process %s (%s) outlived the succeeded run", pid, strings.ReplaceAll(string(b), "\x00", " "))
			if p, err := strconv.Atoi(pid); err == nil {
				if proc, err := os.FindProcess(p); err == nil {
					proc.Kill()
				}
			}
		}
	}
}

// TestOutcomesAndLimits: the reason of a failure comes from what happened,
// and what cannot run is refused with the field before it becomes a run.
func TestOutcomesAndLimits(t *testing.T) {
	py := pythonForRuns(t)
	home := t.TempDir()
	s := startServer(t, home, "ORCHESTERA_PYTHON="+py)
	defer s.stop(t)

	for _, c := range []struct {
		code         int
		exit, reason string
		hint         string
	}{
		{64, "64", "user_error", "exiting with 64"},
		{256, "1", "user_error", "exited with code 256, outside 1-255"},
		{3, "3", "user_error", "exiting with 3"},
	} {
		r, id := runIn(t, home, "sandboxcheck.probes.Exit", "code="+strconv.Itoa(c.code))
		want, _ := strconv.Atoi(c.exit)
		if r.code != want || !strings.Contains(r.stderr, "failed: "+c.reason+" (exit code "+c.exit+")") || !strings.Contains(r.stderr, c.hint) {
			t.Errorf("sys.exit(%d): exit %d\n%s", c.code, r.code, r.stderr)
		}
		if got := getRun(t, home, id); got.Reason != c.reason {
			t.Errorf("sys.exit(%d): run %+v", c.code, got)
		}
	}
	r, _ := runIn(t, home, "sandboxcheck.probes.Nope")
	if r.code != 64 || !strings.Contains(r.stderr, "invalid_arguments") || !strings.Contains(r.stderr, "class Nope not found in module sandboxcheck.probes") {
		t.Errorf("a missing class: exit %d\n%s", r.code, r.stderr)
	}
	r, _ = runIn(t, home, "json.decoder.JSONDecoder")
	if r.code != 64 || !strings.Contains(r.stderr, "module json.decoder not found in the project") {
		t.Errorf("a standard library class: exit %d\n%s", r.code, r.stderr)
	}

	// Refused before they become runs: the command names the field.
	before := cli(t, home, "runs", "list", "-o", "json")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--arg", "big=" + strings.Repeat("x", 100<<10)}, "max_length"},
		{[]string{"--timeout", "200000h"}, "7 days"},
	} {
		argv := append([]string{"run", "--classpath", "sandboxcheck.probes.Exit", "--application-name", "limits", "--project", sandboxProject(t)}, c.args...)
		r := cliResult(t, home, argv...)
		if r.code != 1 || !strings.Contains(r.stderr, c.want) {
			t.Errorf("%s: exit %d\n%s", c.want, r.code, r.stderr)
		}
	}
	if after := cli(t, home, "runs", "list", "-o", "json"); after != before {
		t.Errorf("a refused submission became a run:\n%s", after)
	}
}

// TestSecretsFromTheCLI: put, list and delete through the CLI; a run gets
// the keys it pulls; reserved keys are refused naming the key.
func TestSecretsFromTheCLI(t *testing.T) {
	py := pythonForRuns(t)
	home := t.TempDir()
	s := startServer(t, home, "ORCHESTERA_PYTHON="+py)
	defer s.stop(t)
	file := filepath.Join(t.TempDir(), "warehouse.json")
	os.WriteFile(file, []byte(`{"WAREHOUSE_PASSWORD": "hunter2-secret", "WAREHOUSE_USER": "etl"}`), 0o600)

	var put struct {
		Alias string   `json:"alias"`
		Keys  []string `json:"keys"`
	}
	out := cli(t, home, "secrets", "put", "--alias", "warehouse", "--from-file", file, "-o", "json")
	if err := json.Unmarshal([]byte(out), &put); err != nil || put.Alias != "warehouse" || strings.Join(put.Keys, ",") != "WAREHOUSE_PASSWORD,WAREHOUSE_USER" || strings.Contains(out, "hunter2") {
		t.Fatalf("secrets put -o json: %v\n%s", err, out)
	}
	if list := cli(t, home, "secrets", "list"); !strings.Contains(list, "warehouse") || !strings.Contains(list, "WAREHOUSE_PASSWORD,WAREHOUSE_USER") || strings.Contains(list, "hunter2") {
		t.Fatalf("secrets list:\n%s", list)
	}
	files, _ := filepath.Glob(filepath.Join(home, "secrets", "org_*", "default", "warehouse.json"))
	if len(files) != 1 {
		t.Fatalf("secret files: %v", files)
	}
	if fi, _ := os.Stat(files[0]); fi.Mode().Perm() != 0o600 {
		t.Fatalf("secret file mode %v", fi.Mode())
	}
	r := cliResult(t, home, "run", "--classpath", "sandboxcheck.probes.UsesSecret", "--application-name", "secret", "--project", sandboxProject(t),
		"--arg", "key=WAREHOUSE_PASSWORD", "--pull-secrets-from", "warehouse")
	if r.code != 0 || !strings.Contains(r.stdout, "secret WAREHOUSE_PASSWORD: 14 characters") {
		t.Fatalf("a run pulling it: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}

	os.WriteFile(file, []byte(`{"OK": "1", "PYTHONPATH": "/tmp/evil"}`), 0o600)
	r = cliResult(t, home, "secrets", "put", "--alias", "evil", "--from-file", file)
	if r.code != 1 || !strings.Contains(r.stderr, "PYTHONPATH is reserved") || !strings.Contains(r.stderr, "reserved_env") || strings.Contains(r.stderr, "/tmp/evil") {
		t.Fatalf("a reserved key: exit %d\n%s", r.code, r.stderr)
	}
	cli(t, home, "secrets", "delete", "--alias", "warehouse")
	if list := cli(t, home, "secrets", "list", "-o", "json"); !strings.Contains(list, `"items": []`) {
		t.Fatalf("after delete: %s", list)
	}
	if r := cliResult(t, home, "secrets", "delete", "--alias", "warehouse"); r.code != 1 || !strings.Contains(r.stderr, "not found") {
		t.Fatalf("deleting it again: %d %s", r.code, r.stderr)
	}
}

// TestHostedModeRunsNoLocalStacks: hosted mode starts no local executor,
// and refuses a store that local mode used.
func TestHostedModeRunsNoLocalStacks(t *testing.T) {
	home := t.TempDir()
	local := startServer(t, home)
	local.stop(t)
	if !executorStarted(local.logs.String()) {
		t.Fatalf("local mode: no sign of the local executor:\n%s", local.logs)
	}

	hosted := []string{"ORCHESTERA_GITHUB_CLIENT_SECRET=any", "ORCHESTERA_LISTEN=127.0.0.1:0"}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "server", "--mode", "hosted", "--github-client-id", "any", "--home", home)
	cmd.Env = append(os.Environ(), hosted...)
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "hosted mode refuses this store") || !strings.Contains(string(out), "fresh store") ||
		!strings.Contains(string(out), "--database-url") {
		t.Fatalf("hosted mode on a local-mode home: %v\n%s", err, out)
	}

	fresh := t.TempDir()
	srv := &server{cmd: exec.Command(bin, "server", "--mode", "hosted", "--github-client-id", "any", "--home", fresh), logs: &apitest.Buffer{}, home: fresh}
	srv.cmd.Env = append(os.Environ(), hosted...)
	srv.cmd.Stderr = srv.logs
	if err := srv.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.cmd.Process.Kill(); srv.cmd.Wait() })
	poll.Until(t, "the hosted server to serve", 20*time.Second, func() error {
		if !strings.Contains(srv.logs.String(), `"msg":"serving"`) {
			return fmt.Errorf("logs:\n%s", srv.logs)
		}
		return nil
	})
	srv.stop(t)
	if executorStarted(srv.logs.String()) {
		t.Fatalf("hosted mode started the local executor:\n%s", srv.logs)
	}
}

// executorStarted: the local executor logs how it sandboxes runs when it
// starts.
func executorStarted(logs string) bool {
	return strings.Contains(logs, "runs are sandboxed") || strings.Contains(logs, "WARNING: ")
}
