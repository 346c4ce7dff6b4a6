package kuberun

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/orchestera/orchestera/internal/domain"
)

// startParallel is how many runs are started at once: each start is a few
// API calls, and a burst of submissions should not wait in line for them.
const startParallel = 16

// startPending starts pending runs, oldest first, as their stacks have
// room: at most PerStack live runs each. Starts go on in the background,
// so runs submitted meanwhile are picked up at the next wake, not after
// the whole batch. A stack not ready yet keeps its runs pending; a stack
// gone fails them.
func (e *Executor) startPending(ctx context.Context) {
	for kind := range e.cfg.Clusters {
		pending, err := e.cfg.Store.RunsInState(ctx, kind, domain.RunPending)
		if err != nil || len(pending) == 0 {
			if err != nil && ctx.Err() == nil {
				e.cfg.Log.ErrorContext(ctx, "listing pending runs", "err", err)
			}
			continue
		}
		live, err := e.cfg.Store.LiveRunsPerStack(ctx, kind)
		if err != nil {
			continue
		}
		room := map[string]int{}
		for id, n := range live {
			room[id] = -n
		}
		e.mu.Lock()
		for _, stackID := range e.starting {
			room[stackID]--
		}
		e.mu.Unlock()
		stacks := map[string]*domain.Stack{}
		for _, r := range pending {
			st, ok := stacks[r.StackID]
			if !ok {
				s, err := e.cfg.Store.GetStack(ctx, r.OrgID, r.StackName)
				if err != nil {
					continue
				}
				st, stacks[r.StackID] = &s, &s
			}
			switch st.State {
			case domain.StackReady, domain.StackUpdating:
			case domain.StackDestroying, domain.StackDestroyed:
				e.record(ctx, r, verdict{ended: true, state: domain.RunFailed, reason: domain.ReasonPlatformError,
					hint: fmt.Sprintf("stack %s is %s: it runs nothing any more", st.Name, st.State)}, domain.RunPending)
				continue
			default:
				continue // provisioning, or failed and to be fixed: the run waits
			}
			if room[r.StackID]+e.cfg.PerStack <= 0 || ctx.Err() != nil || !e.claimStart(r) {
				continue
			}
			room[r.StackID]--
			go func() {
				defer e.doneStart(r)
				e.startSlots <- struct{}{}
				defer func() { <-e.startSlots }()
				e.start(ctx, *st, r)
			}()
		}
	}
}

// claimStart notes that this server is starting the run, unless it is.
func (e *Executor) claimStart(r domain.Run) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, ok := e.starting[r.ID]; ok {
		return false
	}
	e.starting[r.ID] = r.StackID
	return true
}

func (e *Executor) doneStart(r domain.Run) {
	e.mu.Lock()
	delete(e.starting, r.ID)
	e.mu.Unlock()
}

// start claims a pending run (compare-and-set, so two servers never both
// start it) and creates its driver.
func (e *Executor) start(ctx context.Context, st domain.Stack, r domain.Run) {
	r.State = domain.RunStarting
	if err := e.cfg.Store.UpdateRun(ctx, r, domain.RunPending); err != nil {
		return // cancelled meanwhile, or another server took it
	}
	e.watch(ctx, st)
	if err := e.create(ctx, st, r); err != nil {
		e.record(ctx, r, verdict{ended: true, state: domain.RunFailed, reason: domain.ReasonPlatformError,
			hint: "creating the driver: " + err.Error()}, domain.RunStarting)
	}
}

// create makes the run's driver pod, then its ConfigMap and service owned
// by it. Each already there is kept: a server that stopped half-way
// resumes by creating the rest.
func (e *Executor) create(ctx context.Context, st domain.Stack, r domain.Run) error {
	cs, err := e.client(ctx, st)
	if err != nil {
		return err
	}
	var archive []byte
	if r.Spec.ProjectDigest != "" {
		if archive, err = e.cfg.Store.GetRunArchive(ctx, r.ID); err != nil {
			return fmt.Errorf("reading the run's project: %w", err)
		}
	}
	template, err := executorTemplate(st, r, e.ps)
	if err != nil {
		return err
	}
	pods := cs.CoreV1().Pods(r.Namespace)
	driver, err := pods.Create(ctx, driverPod(st, r, e.ps), metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		driver, err = pods.Get(ctx, objectName(r), metav1.GetOptions{})
	}
	if err != nil {
		return err
	}
	cm, svc := companions(st, r, driver, template, archive)
	if _, err := cs.CoreV1().ConfigMaps(r.Namespace).Create(ctx, cm, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return err
	}
	if _, err := cs.CoreV1().Services(r.Namespace).Create(ctx, svc, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return err
	}
	return nil
}

// recover follows every ready cluster stack, so drivers that ran on while
// the server was down are found by their labels, and finishes creating the
// runs a stopped server had claimed.
func (e *Executor) recover(ctx context.Context) {
	stacks, err := e.cfg.Store.StacksInState(ctx, domain.StackReady, domain.StackUpdating)
	if err != nil {
		e.cfg.Log.ErrorContext(ctx, "listing stacks to follow", "err", err)
	}
	for _, st := range stacks {
		if _, ok := e.cfg.Clusters[st.Kind]; ok {
			e.watch(ctx, st)
		}
	}
	for kind := range e.cfg.Clusters {
		starting, _ := e.cfg.Store.RunsInState(ctx, kind, domain.RunStarting)
		for _, r := range starting {
			st, err := e.cfg.Store.GetStack(ctx, r.OrgID, r.StackName)
			if err != nil {
				continue
			}
			if err := e.create(ctx, st, r); err != nil {
				e.cfg.Log.WarnContext(ctx, "resuming a run's start", "run_id", r.ID, "err", err)
			}
		}
	}
}
