package stacks

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/orchestera/orchestera/internal/domain"
)

// SyncStore is what the syncer uses.
type SyncStore interface {
	domain.StoreClock
	StacksInState(ctx context.Context, states ...domain.StackState) ([]domain.Stack, error)
	GetSyncReport(ctx context.Context, stackID string) (domain.SyncReport, error)
	SaveSyncReport(ctx context.Context, stackID string, r domain.SyncReport) error
	AddStackEvent(ctx context.Context, e domain.StackEvent) error
}

// SyncerConfig is what the Syncer needs.
type SyncerConfig struct {
	Store     SyncStore
	Providers map[domain.StackKind]domain.StackProvider
	Interval  time.Duration // between syncs of every ready stack; default 60s
	Log       *slog.Logger
}

// Syncer keeps ready stacks' clusters in line with their secrets, roles and
// datasources: every Interval, when poked (a datasource changed, an admin
// asked), and after every provision and update. One sync of a stack runs
// at a time.
type Syncer struct {
	SyncerConfig
	poke  chan domain.Stack
	mu    sync.Mutex
	locks map[string]*sync.Mutex
}

// NewSyncer returns a Syncer; call Run to start its periodic syncs.
func NewSyncer(cfg SyncerConfig) *Syncer {
	if cfg.Interval <= 0 {
		cfg.Interval = time.Minute
	}
	return &Syncer{SyncerConfig: cfg, poke: make(chan domain.Stack, 64), locks: map[string]*sync.Mutex{}}
}

// Run syncs every ready stack each Interval, and a poked stack at once,
// until ctx ends.
func (s *Syncer) Run(ctx context.Context) {
	t := time.NewTicker(s.Interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case st := <-s.poke:
			s.syncLogged(ctx, st)
		case <-t.C:
			stacks, err := s.Store.StacksInState(ctx, domain.StackReady)
			if err != nil {
				s.Log.ErrorContext(ctx, "listing ready stacks to sync", "err", err)
			}
			for _, st := range stacks {
				if ctx.Err() != nil {
					return
				}
				if _, ok := s.Providers[st.Kind].(domain.StackSyncer); ok {
					s.syncLogged(ctx, st)
				}
			}
		}
	}
}

// Poke asks for a sync of the stack soon; it never blocks.
func (s *Syncer) Poke(st domain.Stack) {
	select {
	case s.poke <- st:
	default:
	}
}

// syncLogged syncs in the background: a failure is in the stack's events
// and the server's log.
func (s *Syncer) syncLogged(ctx context.Context, st domain.Stack) {
	if _, err := s.Sync(ctx, st); err != nil && ctx.Err() == nil {
		s.Log.WarnContext(ctx, "syncing a stack", "stack_id", st.ID, "err", err)
	}
}

// Sync syncs one stack now and returns the report.
func (s *Syncer) Sync(ctx context.Context, st domain.Stack) (domain.SyncReport, error) {
	syncer, ok := s.Providers[st.Kind].(domain.StackSyncer)
	if !ok {
		return domain.SyncReport{}, domain.Errorf(domain.CodeConflict, "stack %q is a %s stack: it has nothing to sync", st.Name, st.Kind)
	}
	lock := s.lock(st.ID)
	lock.Lock()
	defer lock.Unlock()
	last, err := s.Store.GetSyncReport(ctx, st.ID)
	if err != nil && !domain.IsNotFound(err) {
		return last, err
	}
	r, err := syncer.Sync(ctx, st, last)
	if err != nil {
		s.event(ctx, st, "failed", "sync failed: "+err.Error())
		return r, err
	}
	r.At = s.Store.Now()
	if err := s.Store.SaveSyncReport(ctx, st.ID, r); err != nil {
		return r, err
	}
	s.announce(ctx, st, last, r)
	return r, nil
}

func (s *Syncer) lock(id string) *sync.Mutex {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.locks[id] == nil {
		s.locks[id] = &sync.Mutex{}
	}
	return s.locks[id]
}

// announce records an event for each problem that is new since the last
// sync, and one when the problems are gone, so a periodic sync does not
// repeat itself.
func (s *Syncer) announce(ctx context.Context, st domain.Stack, last, r domain.SyncReport) {
	before := map[domain.SyncItem]bool{}
	for _, it := range last.Problems() {
		before[it] = true
	}
	for _, it := range r.Problems() {
		if !before[it] {
			s.event(ctx, st, "problem", it.Source+": "+it.Problem)
		}
	}
	if n := len(r.Problems()); n != len(last.Problems()) || r.Removed > 0 || last.At.IsZero() {
		s.event(ctx, st, "synced", fmt.Sprintf("%d synced, %d removed, %d with problems", r.Synced(), r.Removed, n))
	}
}

func (s *Syncer) event(ctx context.Context, st domain.Stack, status, msg string) {
	if err := s.Store.AddStackEvent(ctx, domain.StackEvent{ID: domain.NewID("sev"), OrgID: st.OrgID, StackID: st.ID,
		At: s.Store.Now(), Step: "sync", Status: status, Message: msg}); err != nil {
		s.Log.WarnContext(ctx, "recording a sync event", "stack_id", st.ID, "err", err)
	}
}

// Sync syncs a ready stack now (admin) and returns the report.
func (s *Service) Sync(ctx context.Context, p domain.Principal, name string) (domain.SyncReport, error) {
	if err := domain.RequireAdmin(p); err != nil {
		return domain.SyncReport{}, err
	}
	st, err := s.Store.GetStack(ctx, p.OrgID, name)
	if err != nil {
		return domain.SyncReport{}, err
	}
	if _, ok := s.Providers[st.Kind].(domain.StackSyncer); !ok || s.Syncer == nil {
		return domain.SyncReport{}, domain.Errorf(domain.CodeConflict, "stack %q is a %s stack: it has nothing to sync", name, st.Kind)
	}
	if st.State != domain.StackReady {
		return domain.SyncReport{}, domain.Errorf(domain.CodeConflict, "stack %q is %s: it is synced once it is ready", name, st.State)
	}
	r, err := s.Syncer.Sync(ctx, st)
	if err != nil {
		return r, domain.ClusterError("syncing", err)
	}
	return r, nil
}

// SyncReport is a stack's last sync; ok is false until it was synced.
func (s *Service) SyncReport(ctx context.Context, p domain.Principal, st domain.Stack) (domain.SyncReport, bool, error) {
	if st.OrgID != p.OrgID {
		return domain.SyncReport{}, false, domain.NotFound("stack", st.Name)
	}
	r, err := s.Store.GetSyncReport(ctx, st.ID)
	if domain.IsNotFound(err) {
		return r, false, nil
	}
	return r, err == nil, err
}

// Resync asks for a sync of a ready stack whose sources changed.
func (s *Service) Resync(st domain.Stack) {
	if s.Syncer != nil && st.State == domain.StackReady {
		s.Syncer.Poke(st)
	}
}
