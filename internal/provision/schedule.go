package provision

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/orchestera/orchestera/internal/domain"
)

// direction is what differs between Provision and Destroy.
type direction struct {
	verb    string            // for errors: "provisioning" or "destroying"
	active  domain.StepStatus // saved before each call
	waiting domain.StepStatus // saved when requeued
	done    domain.StepStatus
	fn      func(domain.Step) domain.StepFunc
	forget  bool // a finished step's outputs describe nothing any more
}

var (
	provisioning = direction{verb: "provisioning", active: domain.StepRunning, waiting: domain.StepWaiting, done: domain.StepDone,
		fn: func(s domain.Step) domain.StepFunc { return s.Ensure }}
	destroying = direction{verb: "destroying", active: domain.StepDestroying, waiting: domain.StepDestroying, done: domain.StepDestroyed,
		fn: func(s domain.Step) domain.StepFunc { return s.Destroy }, forget: true}
)

// node is a step's place in one call. Only the scheduler's loop touches it;
// attempts work on copies and send back what changed.
type node struct {
	step     domain.Step
	state    domain.StepState
	blockers int      // dependencies not yet done
	next     []string // the steps waiting for this one
	failures int      // consecutive transient failures in this call
}

type outcome int

const (
	finished outcome = iota
	requeued
	failed
	interrupted // ctx ended: nothing was saved, as in a crash
)

// report is what an attempt, or the wait of a requeued step, sends back.
type report struct {
	step     string
	woke     bool // a requeued step's wait is over; err says if it was cut short
	outcome  outcome
	state    domain.StepState
	failures int
	after    time.Duration
	err      error
}

type scheduler struct {
	stackID  string
	dir      direction
	clock    domain.Clock
	store    domain.StepStore
	retry    RetryPolicy
	classify func(error) bool
	poll     time.Duration
	parallel int
	graph    domain.Graph
	nodes    map[string]*node
	out      *outputs
	reports  chan report

	progressMu sync.Mutex
	progress   func(Event)
}

func newScheduler(e *Engine, stackID string, g domain.Graph, d direction, states map[string]domain.StepState) *scheduler {
	s := &scheduler{
		stackID: stackID, dir: d, clock: e.Clock, store: e.Store, retry: e.Retry.withDefaults(),
		classify: e.Classify, poll: e.Poll, parallel: e.MaxParallel, graph: g, nodes: make(map[string]*node, len(g)),
		out: newOutputs(states), reports: make(chan report), progress: e.Progress,
	}
	if s.clock == nil {
		s.clock = domain.RealClock
	}
	if s.parallel <= 0 {
		s.parallel = len(g)
	}
	for _, st := range g {
		s.nodes[st.Name] = &node{step: st, state: states[st.Name]}
	}
	for _, st := range g {
		for _, dep := range st.After {
			if !s.nodes[dep].done(d) {
				s.nodes[st.Name].blockers++
			}
			s.nodes[dep].next = append(s.nodes[dep].next, st.Name)
		}
	}
	return s
}

func (n *node) done(d direction) bool { return n.state.Status == d.done }

// run starts ready steps as slots allow and reacts to what they report,
// until nothing runs or waits any more.
func (s *scheduler) run(ctx context.Context) error {
	// Waits end early when a step fails; running steps are left to finish.
	waitCtx, stopWaits := context.WithCancel(ctx)
	defer stopWaits()
	var ready []string
	left := 0
	for _, st := range s.graph {
		if n := s.nodes[st.Name]; !n.done(s.dir) {
			left++
			if n.blockers == 0 {
				ready = append(ready, st.Name)
			}
		}
	}
	var stepErr *domain.StepError
	running, waiting := 0, 0
	for {
		for stepErr == nil && ctx.Err() == nil && len(ready) > 0 && running < s.parallel {
			n := s.nodes[ready[0]]
			ready = ready[1:]
			running++
			go func() { s.reports <- s.attempt(ctx, n.step, n.state, n.failures) }()
		}
		if running == 0 && waiting == 0 {
			break
		}
		r := <-s.reports
		n := s.nodes[r.step]
		if r.woke {
			waiting--
			if r.err == nil {
				ready = append(ready, r.step)
			}
			continue
		}
		running--
		n.state, n.failures = r.state, r.failures
		switch r.outcome {
		case finished:
			left--
			for _, name := range n.next {
				m := s.nodes[name]
				m.blockers--
				if m.blockers == 0 && !m.done(s.dir) {
					ready = append(ready, name)
				}
			}
		case requeued:
			if stepErr != nil || ctx.Err() != nil {
				continue // stays waiting in the store; the next call picks it up
			}
			waiting++
			go func() {
				err := s.clock.Sleep(waitCtx, r.after)
				s.reports <- report{step: r.step, woke: true, err: err}
			}()
		case failed:
			if stepErr == nil {
				stepErr = &domain.StepError{Step: r.step, Err: r.err}
				stopWaits()
			}
		}
	}
	switch {
	case stepErr != nil:
		return stepErr
	case ctx.Err() != nil:
		return fmt.Errorf("%s stack %s: %w", s.dir.verb, s.stackID, context.Cause(ctx))
	case left > 0: // cannot happen with a graph that validates
		return fmt.Errorf("%s stack %s: %d steps never became ready", s.dir.verb, s.stackID, left)
	}
	return nil
}

// emit fills in what every event has and calls the hook, one at a time.
func (s *scheduler) emit(ev Event) {
	if s.progress == nil {
		return
	}
	ev.Stack = s.stackID
	if ev.At.IsZero() {
		ev.At = s.clock.Now()
	}
	s.progressMu.Lock()
	defer s.progressMu.Unlock()
	s.progress(ev)
}
