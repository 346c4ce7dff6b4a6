package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// runner times the pipeline both ways against one server.
type runner struct {
	o   options
	srv *server
	tmp string
}

// ours runs the pipeline through the CLI, exactly as a user would; the
// client finds the server through ORCHESTERA_HOME's config.
func (r *runner) ours(ctx context.Context) (time.Duration, error) {
	cmd := exec.Command(r.o.bin, "run", "--classpath", classpath, "--application-name", appName, "--project", r.o.project)
	cmd.Env = append(baseEnv(), "ORCHESTERA_HOME="+r.srv.home)
	return r.time(ctx, "orchestera run", cmd, "; server log: "+r.srv.log)
}

// direct runs the same entrypoint with the same interpreter in the project
// directory, with the environment internal/localrun sets for a run (the
// executor's defaults for what `orchestera run` leaves unset) and a fresh
// run directory, as the platform gives each run.
func (r *runner) direct(ctx context.Context) (time.Duration, error) {
	work, err := os.MkdirTemp(r.tmp, "direct-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(work)
	cmd := exec.Command(r.o.python, "-m", "orchestera.entrypoints.run", classpath, "--application-name", appName)
	cmd.Dir = r.o.project
	cmd.Env = append(baseEnv(),
		"PYTHONPATH="+r.o.project,
		"PYSPARK_PYTHON="+r.o.python,
		"ORCH_STACK_KIND=local",
		"ORCH_NAMESPACE=default",
		"ORCH_RUN_ID=bench-direct",
		"ORCH_RUN_DIR="+work,
		"ORCH_SECRETS=",
		"ORCH_EXECUTOR_INSTANCES=1",
		"ORCH_EXECUTOR_CORES=1",
		"ORCH_EXECUTOR_MEMORY=1g",
	)
	return r.time(ctx, "direct python run", cmd, "")
}

// time runs cmd in its own process group (so a timeout or ^C stops Spark's
// JVM too) and returns its wall time from fork to exit; it fails unless the
// command exits 0 and printed the pipeline's summary line. Killing
// `orchestera run` stops watching, not the run: after a ^C there, the
// pipeline finishes on its own in the removed home.
func (r *runner) time(ctx context.Context, what string, cmd *exec.Cmd, hint string) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, r.o.runTimeout)
	defer cancel()
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, fmt.Errorf("%s: %w", what, err)
	}
	stop := context.AfterFunc(ctx, func() { syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) })
	err := cmd.Wait()
	took := time.Since(start)
	stop()
	switch {
	case ctx.Err() != nil:
		err = fmt.Errorf("stopped after %s: %w", took.Round(time.Millisecond), ctx.Err())
	case err == nil && !strings.Contains(out.String(), want):
		err = fmt.Errorf("exited 0 but did not print %q", want)
	}
	if err != nil {
		return 0, fmt.Errorf("%s failed: %v%s\n$ %s\n%s", what, err, hint, strings.Join(cmd.Args, " "), tail(out.String(), 40))
	}
	return took, nil
}

// tail is the last n lines of s, enough to show a traceback.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = append([]string{fmt.Sprintf("[... %d lines before]", len(lines)-n)}, lines[len(lines)-n:]...)
	}
	return strings.Join(lines, "\n")
}
