// Package localrun runs pipelines on the local stack: each run is a
// sandboxed process tree on this machine running the Python runtime's
// entrypoint. It is a level-triggered reconciler: the store holds every
// run's state, so a restarted server picks up pending runs and reattaches
// to live ones.
//
// A run is untrusted code. It starts under a small init process (this
// binary again, see InitMain) that, when the server is root, gives it its
// own PID, mount and IPC namespaces, a fresh /proc, a read-only view of the
// machine in which the data directory holds only its own run directory,
// and an unprivileged user of its own (orchestera-run-N for slot N); every
// descendant ends with it. Where the kernel or the server's privileges do
// not allow that, the server logs a WARNING and runs fall back to what is
// possible (docs/sandbox.md).
package localrun

import (
	"context"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"time"

	"github.com/orchestera/orchestera/internal/domain"
)

// Config is the executor's setup.
type Config struct {
	Home        string // the data directory; runs live in Home/runs/<org id>/<run id>
	Python      string // an interpreter with the orchestera runtime and pyspark
	Java        string // the java command Spark will use; default "java"
	Concurrency int    // runs at once; more wait in pending
	LogCap      int64  // bytes of log kept per run
	KillGrace   time.Duration
	Resync      time.Duration // how often to look at the store without a wake-up
	Store       domain.RunStore
	Log         *slog.Logger

	// Self is the binary that serves as a run's init (InitCommand); default
	// this process's own executable.
	Self string
	// RunUserPrefix names the per-slot users runs run as when the server is
	// root: <prefix>1 ... <prefix>N; default "orchestera-run-".
	RunUserPrefix string
	// NoNamespaces behaves as if the kernel refused namespaces (tests of the
	// fallback).
	NoNamespaces bool
}

// Executor implements domain.Executor and domain.SecretKeeper for local
// stacks.
type Executor struct {
	cfg  Config
	wake chan struct{}
	box  sandbox

	mu    sync.Mutex
	live  map[string]*proc // run id -> process we supervise
	users map[int]slotUser // slot -> its user, once looked up or created
}

// New returns an executor; call Run to start it.
func New(cfg Config) *Executor {
	if cfg.Concurrency < 1 {
		cfg.Concurrency = 2
	}
	if cfg.LogCap <= 0 {
		cfg.LogCap = 64 << 20
	}
	if cfg.KillGrace <= 0 {
		cfg.KillGrace = 10 * time.Second
	}
	if cfg.Java == "" {
		cfg.Java = "java"
	}
	if cfg.Resync <= 0 {
		cfg.Resync = 2 * time.Second
	}
	if cfg.RunUserPrefix == "" {
		cfg.RunUserPrefix = "orchestera-run-"
	}
	if cfg.Self == "" {
		cfg.Self, _ = os.Executable()
	}
	if abs, err := filepath.Abs(cfg.Home); err == nil {
		cfg.Home = abs
	}
	// Runs start in their project directory: a relative interpreter path
	// must not be resolved from there.
	if path, err := exec.LookPath(cfg.Python); err == nil {
		if abs, err := filepath.Abs(path); err == nil {
			cfg.Python = abs
		}
	}
	return &Executor{cfg: cfg, wake: make(chan struct{}, 1), live: map[string]*proc{}, users: map[int]slotUser{}}
}

// Run finds out how runs can be isolated on this machine, reattaches to the
// runs that were live when the server last stopped, then starts pending
// runs as slots free up, until ctx ends. Processes keep running when the
// server stops; the next start reattaches to them.
func (e *Executor) Run(ctx context.Context) {
	e.box = e.probe(ctx)
	e.recover(ctx)
	tick := time.NewTicker(e.cfg.Resync)
	defer tick.Stop()
	for {
		e.startPending(ctx)
		select {
		case <-ctx.Done():
			return
		case <-e.wake:
		case <-tick.C:
		}
	}
}

// Wake asks for a look at pending runs now.
func (e *Executor) Wake() {
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

func (e *Executor) startPending(ctx context.Context) {
	pending, err := e.cfg.Store.RunsInState(ctx, domain.StackLocal, domain.RunPending)
	if err != nil {
		e.cfg.Log.ErrorContext(ctx, "listing pending runs", "err", err)
		return
	}
	for _, r := range pending {
		if e.running() >= e.cfg.Concurrency || ctx.Err() != nil {
			return
		}
		e.start(ctx, r)
	}
}

func (e *Executor) running() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.live)
}

func (e *Executor) now() time.Time { return e.cfg.Store.Now() }

// runDir is a run's directory, Home/runs/<org id>/<run id>; a run started
// by a version without organizations in the path keeps Home/runs/<run id>.
func (e *Executor) runDir(r domain.Run) string {
	dir := filepath.Join(e.cfg.Home, "runs", r.OrgID, r.ID)
	if _, err := os.Lstat(dir); err == nil {
		return dir
	}
	legacy := filepath.Join(e.cfg.Home, "runs", r.ID)
	if fi, err := os.Lstat(legacy); err == nil && fi.IsDir() {
		return legacy
	}
	return dir
}

// tmpDir is a run's own /tmp while it runs, Home/tmp/<run id>; it is
// removed when the run ends.
func (e *Executor) tmpDir(r domain.Run) string { return filepath.Join(e.cfg.Home, "tmp", r.ID) }
