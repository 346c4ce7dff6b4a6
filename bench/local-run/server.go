package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// server is a running `orchestera server` child process in local mode.
type server struct {
	cmd       *exec.Cmd
	home, url string
	log       string     // the file its stderr goes to
	done      chan error // receives cmd.Wait's result once
}

// startServer runs the binary in local mode on a fresh home, as a user
// would, with --listen 127.0.0.1:0, and waits until it has written the
// client config that `orchestera run` reads.
func startServer(ctx context.Context, o options, home string, timeout time.Duration) (*server, error) {
	if err := os.MkdirAll(home, 0o700); err != nil {
		return nil, err
	}
	logPath := filepath.Join(home, "server.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logFile.Close() // the child has its own descriptor
	cmd := exec.Command(o.bin, "server", "--listen", "127.0.0.1:0", "--log-format", "text", "--python", o.python)
	cmd.Env = append(baseEnv(), "ORCHESTERA_HOME="+home)
	cmd.Stderr = logFile
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", o.bin, err)
	}
	s := &server{cmd: cmd, home: home, log: logPath, done: make(chan error, 1)}
	go func() { s.done <- cmd.Wait() }()
	if s.url, err = s.waitConfig(ctx, timeout); err != nil {
		s.stop()
		return nil, fmt.Errorf("%w; server log: %s", err, logPath)
	}
	return s, nil
}

// waitConfig polls for the config.json local mode writes once it listens,
// until it names a server, the process exits, or the deadline passes.
func (s *server) waitConfig(ctx context.Context, timeout time.Duration) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		// config.Save renames a complete file into place: no partial reads.
		if b, err := os.ReadFile(filepath.Join(s.home, "config.json")); err == nil {
			var c struct{ Server string }
			if json.Unmarshal(b, &c) == nil && c.Server != "" {
				return c.Server, nil
			}
		}
		select {
		case err := <-s.done:
			s.done <- err // stop still wants it
			return "", fmt.Errorf("the server exited before it was ready (%v)", err)
		case <-ctx.Done():
			return "", fmt.Errorf("the server wrote no config.json in %s: %w", timeout, ctx.Err())
		case <-tick.C:
		}
	}
}

// stop sends SIGTERM, as a process manager would, and waits for the
// graceful shutdown; after 20s (the server allows itself 15) it kills.
func (s *server) stop() error {
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	select {
	case err := <-s.done:
		s.done <- err // a second stop returns at once
		if err != nil {
			return fmt.Errorf("server exit: %w; server log: %s", err, s.log)
		}
		return nil
	case <-time.After(20 * time.Second):
		s.cmd.Process.Kill()
		s.done <- <-s.done
		return fmt.Errorf("server ignored SIGTERM for 20s; killed it; server log: %s", s.log)
	}
}

// baseEnv is this process's environment without what would point a child
// elsewhere: ORCHESTERA_* (another server or home), ORCH_* (a run's
// contract) and PYTHONPATH. The executor strips the same from the runs it
// launches.
func baseEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "ORCHESTERA_") && !strings.HasPrefix(kv, "ORCH_") && !strings.HasPrefix(kv, "PYTHONPATH=") {
			env = append(env, kv)
		}
	}
	return env
}
