// Package localrun runs pipelines on the local stack: each run is a
// process group on this machine running the Python runtime's entrypoint.
// It is a level-triggered reconciler: the store holds every run's state, so
// a restarted server picks up pending runs and reattaches to live ones.
package localrun

import (
	"context"
	"log/slog"
	"os/exec"
	"path/filepath"
	"sync"
	"time"

	"github.com/orchestera/orchestera/internal/domain"
)

// Config is the executor's setup.
type Config struct {
	Home        string // the data directory; runs live in Home/runs/<id>
	Python      string // an interpreter with the orchestera runtime and pyspark
	Java        string // the java command Spark will use; default "java"
	Concurrency int    // runs at once; more wait in pending
	LogCap      int64  // bytes of log kept per run
	KillGrace   time.Duration
	Resync      time.Duration // how often to look at the store without a wake-up
	Store       domain.RunStore
	Log         *slog.Logger
}

// Executor implements domain.Executor for local stacks.
type Executor struct {
	cfg  Config
	wake chan struct{}

	mu   sync.Mutex
	live map[string]*proc // run id -> process we supervise
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
	// Runs start in their project directory: a relative interpreter path
	// must not be resolved from there.
	if path, err := exec.LookPath(cfg.Python); err == nil {
		if abs, err := filepath.Abs(path); err == nil {
			cfg.Python = abs
		}
	}
	return &Executor{cfg: cfg, wake: make(chan struct{}, 1), live: map[string]*proc{}}
}

// Run reattaches to the runs that were live when the server last stopped,
// then starts pending runs as slots free up, until ctx ends. Processes keep
// running when the server stops; the next start reattaches to them.
func (e *Executor) Run(ctx context.Context) {
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

func (e *Executor) runDir(id string) string { return filepath.Join(e.cfg.Home, "runs", id) }
