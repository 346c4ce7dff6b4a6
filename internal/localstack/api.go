package localstack

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/orchestera/orchestera/internal/domain"
)

// Check refuses what would fail at launch anyway: a missing project
// directory or secret alias.
func (e *Executor) Check(_ context.Context, namespace string, spec domain.RunSpec) error {
	if fi, err := os.Stat(spec.Project); err != nil || !fi.IsDir() {
		return domain.Invalid("project", "directory_exists", fmt.Sprintf("%s is not a directory on the server's machine", spec.Project))
	}
	_, err := e.secretEnv(namespace, spec.PullSecretsFrom)
	return err
}

// Cancel stops a live run we supervise. A run in starting that has no
// process yet is marked cancelled directly.
func (e *Executor) Cancel(ctx context.Context, r domain.Run) error {
	e.mu.Lock()
	p := e.live[r.ID]
	e.mu.Unlock()
	if p != nil {
		p.stop(domain.ReasonCancelled)
		select { // wait until the outcome is recorded so the caller sees it
		case <-p.settled:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	now := e.now()
	r.State, r.Reason, r.EndedAt, r.Hint = domain.RunCancelled, domain.ReasonCancelled, &now, "cancelled before its process started"
	if err := e.cfg.Store.UpdateRun(ctx, r, domain.RunStarting, domain.RunRunning); err != nil && domain.ErrorCode(err) != domain.CodeConflict {
		return err
	}
	return nil
}

// OpenLog opens a run's log file. A pending run has none yet: its reader
// reads nothing until the file appears, so a follower sees it from the start.
func (e *Executor) OpenLog(r domain.Run) (io.ReadCloser, error) {
	return &lazyLog{path: filepath.Join(e.runDir(r.ID), "log")}, nil
}

type lazyLog struct {
	path string
	f    *os.File
}

func (l *lazyLog) Read(p []byte) (int, error) {
	if l.f == nil {
		f, err := os.Open(l.path)
		if os.IsNotExist(err) {
			return 0, io.EOF
		}
		if err != nil {
			return 0, err
		}
		l.f = f
	}
	return l.f.Read(p)
}

func (l *lazyLog) Close() error {
	if l.f == nil {
		return nil
	}
	return l.f.Close()
}

// secretEnv reads the local secrets of a namespace: Home/secrets/<namespace>/
// <alias>.json, each a flat JSON object of strings, as KEY=value pairs.
// Values never reach logs, the store or errors.
func (e *Executor) secretEnv(namespace string, aliases []string) ([]string, error) {
	var env []string
	for _, alias := range aliases {
		path := filepath.Join(e.cfg.Home, "secrets", namespace, alias+".json")
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, domain.Invalid("pull_secrets_from", "secret_exists",
				fmt.Sprintf("no secret %q in namespace %q (expected %s)", alias, namespace, path))
		}
		var kv map[string]string
		if err := json.Unmarshal(b, &kv); err != nil {
			return nil, domain.Invalid("pull_secrets_from", "secret_format",
				fmt.Sprintf("secret %q in %s must be a flat JSON object of strings", alias, path))
		}
		for k, v := range kv {
			env = append(env, k+"="+v)
		}
	}
	return env, nil
}
