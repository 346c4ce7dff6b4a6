package provision

import (
	"maps"
	"sync"
	"time"

	"github.com/orchestera/orchestera/internal/domain"
)

// Event is one line of a stack's progress, for logs and the stack's event
// list.
type Event struct {
	Stack   string
	Step    string
	Status  domain.StepStatus
	Attempt int
	Message string // why it waits or failed, or what a step reported
	At      time.Time
	Elapsed time.Duration // since the step's current try began
}

// run is what a step sees while it runs (a domain.StepRun). The outputs
// behind it are shared by the whole graph and safe for concurrent use.
type run struct {
	step string
	out  *outputs
}

// Output returns an output of a step, usually one this step depends on. A
// step reads its own outputs too: a resumed step finds what it recorded in
// an earlier try.
func (r run) Output(step, key string) (string, bool) { return r.out.lookup(step, key) }

// SetOutput records an output of the current step, for the steps after it.
// The engine stores it with the step's outcome.
func (r run) SetOutput(key, value string) { r.out.set(r.step, key, value) }

// outputs holds every step's outputs for one Provision or Destroy call.
type outputs struct {
	mu sync.RWMutex
	m  map[string]map[string]string
}

func newOutputs(states map[string]domain.StepState) *outputs {
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
