package localrun

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/orchestera/orchestera/internal/domain"
	"github.com/orchestera/orchestera/internal/runenv"
)

// wrapper runs the entrypoint with its output capped into the log file and
// writes the exit code to a file. The process group outlives the server, so
// the code must not travel through a pipe to us: a restarted server reads
// the file instead. pipefail makes PIPESTATUS[0] the entrypoint's code.
// The cap is a bash read loop because head -c and mawk hold output back
// until their buffers fill, and a followed log must show lines as they come.
const wrapper = `set -o pipefail
cap() {
	local n=0 line
	while IFS= read -r line || [[ -n $line ]]; do
		n=$((n + ${#line} + 1))
		if ((n > ORCH_LOG_CAP)); then
			printf '[orchestera: log truncated at %s bytes]\n' "$ORCH_LOG_CAP"
			cat >/dev/null
			return
		fi
		printf '%s\n' "$line"
	done
}
"$@" 2>&1 | LC_ALL=C cap >>"$ORCH_LOG_FILE"
code=${PIPESTATUS[0]}
echo "$code" >"$ORCH_EXIT_FILE.tmp" && mv "$ORCH_EXIT_FILE.tmp" "$ORCH_EXIT_FILE"
`

// start moves a pending run to starting, launches it and supervises it.
func (e *Executor) start(ctx context.Context, r domain.Run) {
	r.State = domain.RunStarting
	if err := e.cfg.Store.UpdateRun(ctx, r, domain.RunPending); err != nil {
		return // cancelled or taken meanwhile
	}
	p, err := e.launch(r)
	if err != nil {
		e.fail(ctx, r, domain.ReasonPlatformError, err.Error())
		return
	}
	now := e.now()
	r.State, r.StartedAt, r.PID = domain.RunRunning, &now, p.pid
	r.PIDStart, _ = startTime(p.pid)
	if err := e.cfg.Store.UpdateRun(ctx, r, domain.RunStarting); err != nil {
		// Cancelled while it was starting: stop what we just launched.
		p.stop(domain.ReasonCancelled)
	}
	e.cfg.Log.InfoContext(ctx, "run started", "run_id", r.ID, "org_id", r.OrgID, "pid", p.pid)
	e.supervise(r, p)
}

// launch checks the machine and starts the run's process group.
func (e *Executor) launch(r domain.Run) (*proc, error) {
	if err := javaInstalled(e.cfg.Java); err != nil {
		return nil, err
	}
	if _, err := exec.LookPath(e.cfg.Python); err != nil {
		return nil, fmt.Errorf("the Python interpreter %q was not found; start the server with --python pointing at one with the orchestera runtime and pyspark (make demo builds build/venv)", e.cfg.Python)
	}
	if fi, err := os.Stat(r.Spec.Project); err != nil || !fi.IsDir() {
		return nil, fmt.Errorf("the project directory %s is gone", r.Spec.Project)
	}
	secretEnv, err := e.secretEnv(r.Namespace, r.Spec.PullSecretsFrom)
	if err != nil {
		return nil, err
	}
	dir := e.runDir(r.ID)
	work := filepath.Join(dir, "work")
	if err := os.MkdirAll(work, 0o700); err != nil {
		return nil, fmt.Errorf("creating the run directory: %w", err)
	}
	args := []string{"-c", wrapper, "orchestera-run", e.cfg.Python, "-m", "orchestera.entrypoints.run", r.Spec.Classpath, "--application-name", r.Spec.ApplicationName}
	for _, a := range r.Spec.Args {
		args = append(args, "--"+a.Key, a.Value)
	}
	if err := writeHeader(filepath.Join(dir, "log"), r, args[3:]); err != nil {
		return nil, err
	}
	cmd := exec.Command("bash", args...)
	cmd.Dir = r.Spec.Project
	cmd.Env = append(e.runEnv(r, work), secretEnv...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting the run: %w", err)
	}
	p := &proc{pid: cmd.Process.Pid, done: make(chan struct{}), settled: make(chan struct{})}
	go func() { cmd.Wait(); close(p.done) }()
	return p, nil
}

// runEnv is the runtime's environment contract (package runenv) on top of
// the server's environment minus its own settings, and what the wrapper
// needs.
func (e *Executor) runEnv(r domain.Run, work string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "ORCHESTERA_") && !strings.HasPrefix(kv, runenv.Prefix) && !strings.HasPrefix(kv, "PYTHONPATH=") {
			env = append(env, kv)
		}
	}
	dir := e.runDir(r.ID)
	env = append(env, runenv.Vars{StackKind: "local", Namespace: r.Namespace, RunID: r.ID, RunDir: work, Secrets: r.Spec.PullSecretsFrom,
		ExecutorInstances: r.Spec.ExecutorInstances, ExecutorCores: r.Spec.ExecutorCores, ExecutorMemory: r.Spec.ExecutorMemory}.Environ()...)
	return append(env,
		"PYTHONPATH="+r.Spec.Project,
		"PYSPARK_PYTHON="+e.cfg.Python,
		// The wrapper's own settings (see wrapper above).
		"ORCH_LOG_FILE="+filepath.Join(dir, "log"),
		"ORCH_EXIT_FILE="+filepath.Join(dir, "exit"),
		"ORCH_LOG_CAP="+strconv.FormatInt(e.cfg.LogCap, 10),
	)
}

func writeHeader(path string, r domain.Run, argv []string) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("creating the log: %w", err)
	}
	defer f.Close()
	_, err = fmt.Fprintf(f, "[orchestera] run %s on stack %s, namespace %s: %s\n", r.ID, r.StackName, r.Namespace, strings.Join(argv, " "))
	return err
}

// javaInstalled: Spark needs a Java runtime; say exactly what to install.
func javaInstalled(java string) error {
	if home := os.Getenv("JAVA_HOME"); home != "" {
		if _, err := os.Stat(filepath.Join(home, "bin", "java")); err == nil {
			return nil
		}
	}
	if _, err := exec.LookPath(java); err == nil {
		return nil
	}
	return fmt.Errorf("Java was not found, and Spark needs it: install a Java 17 runtime (Debian/Ubuntu: apt-get install openjdk-17-jre-headless) or set JAVA_HOME")
}
