package provision

import (
	"context"
	"maps"
	"sync"
	"time"
)

// Event is one line of a stack's progress, for logs and the stack's event
// list.
type Event struct {
	Stack   string
	Step    string
	Status  StepStatus
	Attempt int
	Message string // why it waits or failed, or what a step reported
	At      time.Time
	Elapsed time.Duration // since the step's current try began
}

// Run is what a step sees while it runs: the stack, the outputs of the steps
// before it, and a way to publish its own. Each call of a step gets its own
// Run; the outputs behind it are shared by the whole graph and safe for
// concurrent use.
type Run struct {
	StackID string
	Step    string // the step being run
	Attempt int    // 1 on the first call of the current try

	// Progress publishes an event (Report is the short way). The engine
	// calls its own hook from one goroutine at a time.
	Progress func(Event)

	status     StepStatus
	startedAt  time.Time
	clock      Clock
	out        *outputs
	checkpoint func(context.Context) error
}

// Output returns an output of a step, usually one this step depends on. A
// step reads its own outputs too: a resumed step finds the ids it recorded
// before a crash or failure there.
func (r *Run) Output(step, key string) (string, bool) { return r.out.lookup(step, key) }

// SetOutput records an output of the current step, for the steps after it.
// The engine stores it with the step's outcome; Checkpoint stores it now.
func (r *Run) SetOutput(key, value string) { r.out.set(r.Step, key, value) }

// Checkpoint saves the current step's outputs at once. Call it right after a
// create call returns an id, so a crash before the step ends still leaves
// the id to look the resource up by.
func (r *Run) Checkpoint(ctx context.Context) error { return r.checkpoint(ctx) }

// Report publishes a progress message for the current step.
func (r *Run) Report(msg string) {
	now := r.clock.Now()
	r.Progress(Event{Step: r.Step, Status: r.status, Attempt: r.Attempt, Message: msg, At: now, Elapsed: now.Sub(r.startedAt)})
}

// outputs holds every step's outputs for one Provision or Destroy call.
type outputs struct {
	mu sync.RWMutex
	m  map[string]map[string]string
}

func newOutputs(states map[string]StepState) *outputs {
	o := &outputs{m: map[string]map[string]string{}}
	for name, st := range states {
		if len(st.Outputs) > 0 {
			o.m[name] = maps.Clone(st.Outputs)
		}
	}
	return o
}

func (o *outputs) lookup(step, key string) (string, bool) {
	o.mu.RLock()
	defer o.mu.RUnlock()
	v, ok := o.m[step][key]
	return v, ok
}

func (o *outputs) set(step, key, value string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.m[step] == nil {
		o.m[step] = map[string]string{}
	}
	o.m[step][key] = value
}

// of returns a copy of a step's outputs, nil when it has none.
func (o *outputs) of(step string) map[string]string {
	o.mu.RLock()
	defer o.mu.RUnlock()
	return maps.Clone(o.m[step])
}

func (o *outputs) drop(step string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	delete(o.m, step)
}
