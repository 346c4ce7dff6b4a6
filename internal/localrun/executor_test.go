package localrun

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/orchestera/orchestera/internal/domain"
	"github.com/orchestera/orchestera/internal/poll"
	"github.com/orchestera/orchestera/internal/store/sqlstore"
)

// TestMain lets this test binary serve as the runs' init, as the real
// binary does (cmd/orchestera's main).
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == InitCommand {
		os.Exit(InitMain())
	}
	os.Exit(m.Run())
}

// env is an executor on a real SQLite store whose "python" is
// testdata/fakepython.
type env struct {
	t     *testing.T
	store domain.Store
	exec  *Executor
	home  string
	org   string
	user  string
	stack domain.Stack
	stop  context.CancelFunc
	logs  *syncBuffer // the executor's log
	cfg   Config
}

func newEnv(t *testing.T, mod func(*Config)) *env {
	t.Helper()
	home := t.TempDir()
	// Projects are made below the test's temporary directory: runs that run
	// as another user must be able to reach them by name.
	must(t, os.Chmod(filepath.Dir(home), 0o711))
	st, err := sqlstore.OpenSQLite(context.Background(), filepath.Join(home, "orchestera.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	now := time.Now().UTC().Truncate(time.Millisecond)
	e := &env{t: t, store: st, home: home, org: domain.NewID("org"), user: domain.NewID("usr"), logs: &syncBuffer{}}
	must(t, st.CreateOrganization(context.Background(), domain.Organization{ID: e.org, Name: "personal", CreatedAt: now}))
	must(t, st.CreateUser(context.Background(), domain.User{ID: e.user, Email: "a@example.com", CreatedAt: now}))
	e.stack = domain.Stack{ID: domain.NewID("stk"), OrgID: e.org, Name: "local", Kind: domain.StackLocal, State: domain.StackReady, CreatedAt: now}
	must(t, st.CreateStack(context.Background(), e.stack))
	python, _ := filepath.Abs("testdata/fakepython")
	cfg := Config{Home: home, Python: python, Store: st, Log: slog.New(slog.NewTextHandler(e.logs, nil)),
		KillGrace: 2 * time.Second, Resync: 50 * time.Millisecond}
	if mod != nil {
		mod(&cfg)
	}
	e.cfg = cfg
	e.exec = New(cfg)
	return e
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// start runs the executor until the test ends.
func (e *env) start() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { e.exec.Run(ctx); close(done) }()
	e.stop = cancel
	e.t.Cleanup(func() {
		cancel()
		<-done
		e.exec.mu.Lock()
		for _, p := range e.exec.live {
			syscall.Kill(-p.pid, syscall.SIGKILL)
		}
		e.exec.mu.Unlock()
	})
}

func (e *env) submit(classpath string, mod func(*domain.RunSpec)) domain.Run {
	e.t.Helper()
	spec := domain.RunSpec{Classpath: classpath, ApplicationName: "app", Project: e.t.TempDir()}
	if mod != nil {
		mod(&spec)
	}
	must(e.t, spec.Normalize())
	r := domain.Run{ID: domain.NewID("run"), OrgID: e.org, StackID: e.stack.ID, StackName: "local", StackKind: domain.StackLocal,
		Namespace: "default", IdempotencyKey: domain.NewID("k"), Spec: spec, State: domain.RunPending, CreatedBy: e.user,
		CreatedAt: time.Now().UTC().Truncate(time.Millisecond)}
	must(e.t, e.store.CreateRun(context.Background(), r))
	e.exec.Wake()
	return r
}

func (e *env) get(id string) domain.Run {
	r, err := e.store.GetRun(context.Background(), e.org, id)
	must(e.t, err)
	return r
}

// waitState polls the store until the run reaches state; no sleeps as sync.
func (e *env) waitState(id string, state domain.RunState) domain.Run {
	e.t.Helper()
	return poll.For(e.t, fmt.Sprintf("run %s to be %s", id, state), 20*time.Second, func() (domain.Run, error) {
		r := e.get(id)
		if r.State != state {
			return r, fmt.Errorf("it is %s (%s: %s); log:\n%s", r.State, r.Reason, r.Hint, e.log(id))
		}
		return r, nil
	})
}

// waitLog polls the run's log until it contains want.
func (e *env) waitLog(id, want string) {
	e.t.Helper()
	poll.Until(e.t, fmt.Sprintf("the log of %s to contain %q", id, want), 20*time.Second, func() error {
		if !strings.Contains(e.log(id), want) {
			return fmt.Errorf("it is:\n%s", e.log(id))
		}
		return nil
	})
}

func (e *env) log(id string) string {
	b, _ := os.ReadFile(filepath.Join(e.runDir(id), "log"))
	return string(b)
}

func (e *env) runDir(id string) string { return filepath.Join(e.home, "runs", e.org, id) }

func TestSuccessAndTheEnvironmentContract(t *testing.T) {
	// What the server's environment holds must not reach a run.
	canary := domain.NewID("canary")
	t.Setenv("ORCHESTERA_CANARY_SECRET", canary)
	t.Setenv("AWS_SECRET_ACCESS_KEY", canary+"-aws")
	t.Setenv("SOME_SERVER_SETTING", canary+"-setting")
	t.Setenv("PYTHONSTARTUP", "/evil.py")
	t.Setenv("LD_PRELOAD", "/evil.so")
	e := newEnv(t, nil)
	must(t, e.exec.PutSecret(context.Background(), domain.Stack{OrgID: e.org}, "default", "db", map[string]string{"DB_PASSWORD": "hunter2"}))
	e.start()
	r := e.submit("job.Env", func(s *domain.RunSpec) { s.PullSecretsFrom = []string{"db"}; s.ExecutorCores = 3 })
	got := e.waitState(r.ID, domain.RunSucceeded)
	if got.ExitCode == nil || *got.ExitCode != 0 || got.StartedAt == nil || got.EndedAt == nil || got.PID == 0 {
		t.Fatalf("succeeded run = %+v", got)
	}
	log := e.log(r.ID)
	dir := e.runDir(r.ID)
	for _, want := range []string{
		"ORCH_STACK_KIND=local", "ORCH_NAMESPACE=default", "ORCH_RUN_ID=" + r.ID, "ORCH_SECRETS=db", "ORCH_EXECUTOR_CORES=3",
		"DB_PASSWORD=hunter2", "PYTHONPATH=" + r.Spec.Project, "ORCH_RUN_DIR=" + filepath.Join(dir, "work"),
		"ORCH_RESULT_FILE=" + filepath.Join(dir, "result"), "HOME=" + filepath.Join(dir, "home"), "PATH=",
		"[orchestera] run " + r.ID, "pwd=" + r.Spec.Project + "\n",
	} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
	if strings.Contains(log, canary) || strings.Contains(log, "/evil") {
		t.Errorf("the server's environment reached the run:\n%s", log)
	}
	// Every variable is one the platform gives.
	allowed := regexp.MustCompile(`^(ORCH_[A-Z_]+|PATH|HOME|TMPDIR|JAVA_HOME|LANG|LC_[A-Z]+|TZ|PYTHONPATH|PYSPARK_PYTHON|DB_PASSWORD|PWD|SHLVL|_)=`)
	for _, line := range strings.Split(log, "\n")[1:] {
		if line == "" || strings.HasPrefix(line, "pwd=") {
			continue
		}
		if !allowed.MatchString(line) {
			t.Errorf("a run got %q, which the platform does not give", line)
		}
	}
}

func TestFailuresAreClassifiedByWhatHappened(t *testing.T) {
	e := newEnv(t, nil)
	e.start()
	cases := []struct {
		job    string
		reason domain.FailureReason
		code   int
		hint   string
	}{
		{"job.Fail", domain.ReasonUserError, 3, "ValueError: nope"},
		{"job.BadArgs", domain.ReasonInvalidArguments, 64, "missing required argument --date"},
		// The pipeline's own 64 is its error, with a hint of its own.
		{"job.Exit64", domain.ReasonUserError, 64, "the pipeline gives up with its own 64"},
		// sys.exit(256) would be 0 to the kernel: the runtime fails it.
		{"job.Exit256", domain.ReasonUserError, 1, "exited with code 256, outside 1-255"},
		// No outcome from the runtime: the number alone never means invalid arguments.
		{"job.NoResult64", domain.ReasonUserError, 64, "died before the runtime could say why"},
		{"job.KillSelf", domain.ReasonPlatformError, -1, "killed by signal 9"},
	}
	ids := map[string]string{}
	for _, c := range cases {
		ids[c.job] = e.submit(c.job, nil).ID
	}
	for _, c := range cases {
		got := e.waitState(ids[c.job], domain.RunFailed)
		code := -1
		if got.ExitCode != nil {
			code = *got.ExitCode
		}
		if got.Reason != c.reason || code != c.code || !strings.Contains(got.Hint, c.hint) {
			t.Errorf("%s: %s, exit code %d, hint %q; want %s, %d, %q", c.job, got.Reason, code, got.Hint, c.reason, c.code, c.hint)
		}
	}
}

func TestCancelStopsTheProcessGroup(t *testing.T) {
	e := newEnv(t, nil)
	e.start()
	r := e.submit("job.Sleep", nil)
	e.waitLog(r.ID, "sleeping")
	running := e.waitState(r.ID, domain.RunRunning)
	must(t, e.exec.Cancel(context.Background(), running))
	got := e.get(r.ID)
	if got.State != domain.RunCancelled || got.Reason != domain.ReasonCancelled {
		t.Fatalf("after Cancel: %s %s", got.State, got.Reason)
	}
	if groupAlive(running.PID) {
		t.Fatalf("process group %d still has live processes after cancel", running.PID)
	}
}

func TestTimeoutStopsTheRun(t *testing.T) {
	e := newEnv(t, nil)
	e.start()
	r := e.submit("job.Sleep", func(s *domain.RunSpec) { s.TimeoutSeconds = 1 })
	got := e.waitState(r.ID, domain.RunFailed)
	if got.Reason != domain.ReasonTimeout || !strings.Contains(got.Hint, "timeout of 1s") {
		t.Fatalf("timed out run: %s %q", got.Reason, got.Hint)
	}
}

func TestConcurrencyLimitQueuesRuns(t *testing.T) {
	var passes *passCount
	e := newEnv(t, func(c *Config) {
		c.Concurrency = 1
		passes = &passCount{RunStore: c.Store}
		c.Store = passes
	})
	e.start()
	first := e.submit("job.Sleep", nil)
	e.waitLog(first.ID, "sleeping")
	second := e.submit("job.Succeed", nil)
	// While the first holds the only slot, the second stays pending through
	// several executor passes.
	start := passes.n.Load()
	poll.Until(t, "5 more executor passes", 10*time.Second, func() error {
		e.exec.Wake()
		if st := e.get(second.ID).State; st != domain.RunPending {
			t.Fatalf("second run is %s while the slot is taken", st)
		}
		if n := passes.n.Load() - start; n < 5 {
			return fmt.Errorf("%d passes", n)
		}
		return nil
	})
	must(t, e.exec.Cancel(context.Background(), e.get(first.ID)))
	e.waitState(second.ID, domain.RunSucceeded)
}

func TestLogIsCapped(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.LogCap = 1000 })
	e.start()
	r := e.waitState(e.submit("job.Spam", nil).ID, domain.RunSucceeded)
	log := e.log(r.ID)
	if len(log) > 1300 || !strings.Contains(log, "[orchestera: log truncated at 1000 bytes]") {
		t.Fatalf("log of %d bytes, tail %q", len(log), log[max(0, len(log)-80):])
	}
}

func TestMissingJavaAndPythonArePlatformErrors(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Java = "no-such-java-for-tests" })
	t.Setenv("JAVA_HOME", "")
	e.start()
	r := e.waitState(e.submit("job.Succeed", nil).ID, domain.RunFailed)
	if r.Reason != domain.ReasonPlatformError || !strings.Contains(r.Hint, "openjdk-17-jre-headless") {
		t.Fatalf("missing java: %s %q", r.Reason, r.Hint)
	}
	e2 := newEnv(t, func(c *Config) { c.Python = "/nonexistent/python3" })
	e2.start()
	r = e2.waitState(e2.submit("job.Succeed", nil).ID, domain.RunFailed)
	if r.Reason != domain.ReasonPlatformError || !strings.Contains(r.Hint, "--python") {
		t.Fatalf("missing python: %s %q", r.Reason, r.Hint)
	}
}

func TestCheckRefusesMissingProjectsAndSecrets(t *testing.T) {
	e := newEnv(t, nil)
	err := e.exec.Check(context.Background(), e.org, "default", domain.RunSpec{Project: "/nonexistent/project"})
	if de, ok := err.(*domain.Error); !ok || de.Fields[0].Field != "project" {
		t.Fatalf("missing project: %v", err)
	}
	err = e.exec.Check(context.Background(), e.org, "default", domain.RunSpec{Project: t.TempDir(), PullSecretsFrom: []string{"db"}})
	if de, ok := err.(*domain.Error); !ok || de.Fields[0].Field != "pull_secrets_from" || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("missing secret: %v", err)
	}
}

// The recovery tests put the store in the state a dead server leaves.
func TestRecoveryAfterAServerDied(t *testing.T) {
	e := newEnv(t, nil)
	mark := func(r domain.Run, pid int, start int64) {
		r.State, r.PID, r.PIDStart = domain.RunRunning, pid, start
		now := time.Now()
		r.StartedAt = &now
		must(t, e.store.UpdateRun(context.Background(), r, domain.RunPending))
	}
	// 1. Its process is gone and left no exit code.
	gone := e.submit("job.Succeed", nil)
	mark(gone, 999999, 1)
	// 2. It finished while the server was down: the wrapper wrote the code.
	finished := e.submit("job.Succeed", nil)
	mark(finished, 999998, 1)
	// (started by a version that kept runs in Home/runs/<run id>)
	must(t, os.MkdirAll(filepath.Join(e.home, "runs", finished.ID), 0o700))
	must(t, os.WriteFile(filepath.Join(e.home, "runs", finished.ID, "exit"), []byte("0\n"), 0o600))
	// 3. It still runs: a process group the "old server" started.
	live := e.submit("job.Sleep", nil)
	cmd := exec.Command("sleep", "600")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	must(t, cmd.Start())
	go cmd.Wait() // reap it; in production the process is not our child
	start, err := startTime(cmd.Process.Pid)
	must(t, err)
	mark(live, cmd.Process.Pid, start)

	e.start()
	if r := e.waitState(gone.ID, domain.RunFailed); r.Reason != domain.ReasonPlatformError || !strings.Contains(r.Hint, "gone when the server restarted") {
		t.Fatalf("gone: %s %q", r.Reason, r.Hint)
	}
	e.waitState(finished.ID, domain.RunSucceeded)
	if r := e.get(live.ID); r.State != domain.RunRunning {
		t.Fatalf("live run was not reattached: %s %q", r.State, r.Hint)
	}
	must(t, e.exec.Cancel(context.Background(), e.get(live.ID)))
	if r := e.get(live.ID); r.State != domain.RunCancelled {
		t.Fatalf("reattached run after cancel: %s", r.State)
	}
}

// passCount counts the executor's looks for pending runs.
type passCount struct {
	domain.RunStore
	n atomic.Int32
}

func (p *passCount) RunsInState(ctx context.Context, kind domain.StackKind, states ...domain.RunState) ([]domain.Run, error) {
	if len(states) == 1 && states[0] == domain.RunPending {
		p.n.Add(1)
	}
	return p.RunStore.RunsInState(ctx, kind, states...)
}

// syncBuffer is a log sink a test reads while the executor writes.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
