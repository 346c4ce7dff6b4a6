package kuberun

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/orchestera/orchestera/internal/domain"
)

// Cluster reaches a stack's cluster as the platform.
type Cluster interface {
	Client(ctx context.Context, st domain.Stack) (kubernetes.Interface, *rest.Config, error)
}

// Store is what the executor reads and writes.
type Store interface {
	domain.RunStore
	GetStack(ctx context.Context, orgID, name string) (domain.Stack, error)
	StacksInState(ctx context.Context, states ...domain.StackState) ([]domain.Stack, error)
}

// Config is the executor's setup.
type Config struct {
	// Home keeps the logs: Home/runs/<org id>/<run id>/log, the same
	// place as the local stack's.
	Home     string
	Store    Store
	Clusters map[domain.StackKind]Cluster
	// PerStack is how many runs a stack runs at once; more wait in
	// pending. Default 20.
	PerStack int
	// TTL is how long an ended run's pods stay (for kubectl); default 1h.
	TTL time.Duration
	// Unschedulable is how long a driver may wait for a node; default 10m.
	Unschedulable time.Duration
	// LoopbackNode: the clusters are one node on 127.0.0.1 with no pod
	// network (the test cluster).
	LoopbackNode bool
	Python       string // the interpreter in images; default python3
	LogCap       int64  // bytes of log kept per run; default 64 MiB
	Resync       time.Duration
	Log          *slog.Logger
}

// Executor implements domain.Executor for Kubernetes stacks.
type Executor struct {
	cfg  Config
	ps   podSettings
	wake chan struct{}

	startSlots chan struct{} // bounds the starts under way

	mu       sync.Mutex
	watches  map[string]*stackWatch // by stack id
	runs     map[string]*liveRun    // by run id: what this server does for it
	starting map[string]string      // run id -> stack id, while this server starts it
}

// liveRun is this server's work on one live run.
type liveRun struct {
	log      *logFile
	follow   context.CancelFunc // the driver log's follower, once started
	finished bool               // its outcome is being, or was, recorded
}

var _ domain.Executor = (*Executor)(nil)

// New returns an executor; call Run to start it.
func New(cfg Config) *Executor {
	if cfg.PerStack < 1 {
		cfg.PerStack = 20
	}
	if cfg.TTL <= 0 {
		cfg.TTL = time.Hour
	}
	if cfg.Unschedulable <= 0 {
		cfg.Unschedulable = 10 * time.Minute
	}
	if cfg.Python == "" {
		cfg.Python = "python3"
	}
	if cfg.LogCap <= 0 {
		cfg.LogCap = 64 << 20
	}
	if cfg.Resync <= 0 {
		cfg.Resync = 2 * time.Second
	}
	return &Executor{cfg: cfg, ps: podSettings{python: cfg.Python, loopback: cfg.LoopbackNode}, wake: make(chan struct{}, 1),
		startSlots: make(chan struct{}, startParallel), watches: map[string]*stackWatch{}, runs: map[string]*liveRun{}, starting: map[string]string{}}
}

// Run follows every cluster stack's drivers, picks up the runs that were
// live when the server stopped, starts pending runs as their stacks have
// room, and deletes ended runs' pods after their time to live, until ctx
// ends. Drivers keep running when the server stops.
func (e *Executor) Run(ctx context.Context) {
	e.recover(ctx)
	tick := time.NewTicker(e.cfg.Resync)
	defer tick.Stop()
	sweep := time.NewTicker(min(e.cfg.TTL/4, time.Minute))
	defer sweep.Stop()
	for {
		e.startPending(ctx)
		select {
		case <-ctx.Done():
			return
		case <-e.wake:
		case <-tick.C:
		case <-sweep.C:
			e.sweep(ctx)
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

// Check refuses what a Kubernetes run cannot do without: an image.
func (e *Executor) Check(_ context.Context, _, _ string, spec domain.RunSpec) error {
	if spec.Image == "" {
		return domain.Invalid("image", "required", "a Kubernetes stack runs the driver and executors from an image: give --image, one with the orchestera runtime and your dependencies")
	}
	return nil
}

// OpenLog opens the run's kept log, empty until the driver writes: a
// follower of a pending run reads on as it grows.
func (e *Executor) OpenLog(r domain.Run) (io.ReadCloser, error) {
	path := e.logPath(r)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	return os.OpenFile(path, os.O_RDONLY|os.O_CREATE, 0o600)
}

func (e *Executor) logPath(r domain.Run) string {
	return filepath.Join(e.cfg.Home, "runs", r.OrgID, r.ID, "log")
}

// live is this server's record of a live run, made on first use.
func (e *Executor) live(r domain.Run) *liveRun {
	e.mu.Lock()
	defer e.mu.Unlock()
	lr := e.runs[r.ID]
	if lr == nil {
		lr = &liveRun{log: &logFile{path: e.logPath(r), cap: e.cfg.LogCap}}
		e.runs[r.ID] = lr
	}
	return lr
}

// finishOnce claims the recording of a run's outcome: only one of the
// watch, a cancel and a timeout records it.
func (e *Executor) finishOnce(r domain.Run) (*liveRun, bool) {
	lr := e.live(r)
	e.mu.Lock()
	defer e.mu.Unlock()
	if lr.finished {
		return lr, false
	}
	lr.finished = true
	if lr.follow != nil {
		lr.follow()
	}
	return lr, true
}

// forget drops a run's record once its outcome is kept.
func (e *Executor) forget(r domain.Run) {
	e.mu.Lock()
	delete(e.runs, r.ID)
	e.mu.Unlock()
}

// client reaches the run's stack's cluster.
func (e *Executor) client(ctx context.Context, st domain.Stack) (kubernetes.Interface, error) {
	c, ok := e.cfg.Clusters[st.Kind]
	if !ok {
		return nil, fmt.Errorf("no cluster access for %s stacks", st.Kind)
	}
	cs, _, err := c.Client(ctx, st)
	return cs, err
}

func (e *Executor) now() time.Time { return e.cfg.Store.Now() }
