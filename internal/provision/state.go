package provision

import (
	"context"
	"maps"
	"sync"
	"time"
)

// StepStatus is where a step is. A step with no stored state is pending.
type StepStatus string

// The step statuses. Provision moves a step through running (intent
// recorded, the cloud call may have happened), waiting (requeued: not ready
// yet, or backing off after a transient error) to done or failed. Destroy
// moves it through destroying to destroyed or failed.
const (
	StatusPending    StepStatus = "pending"
	StatusRunning    StepStatus = "running"
	StatusWaiting    StepStatus = "waiting"
	StatusDone       StepStatus = "done"
	StatusFailed     StepStatus = "failed"
	StatusDestroying StepStatus = "destroying"
	StatusDestroyed  StepStatus = "destroyed"
)

// StepState is the stored progress of one step of one stack.
type StepState struct {
	Step     string
	Status   StepStatus
	Outputs  map[string]string // what the step set with Run.SetOutput
	Attempts int               // calls in the current try; a crash resumes the count
	Error    string            // why it failed, or the transient error it is retrying
	// StartedAt is when the current try began; it survives requeues and
	// crashes so elapsed times (and ETAs) count the cloud's real work.
	StartedAt, EndedAt time.Time
}

// StateStore keeps step states. The engine calls Save with a running (or
// destroying) status before each call of a step, and again with the
// outcome; Load must return what the last Save of each step wrote.
type StateStore interface {
	Load(ctx context.Context, stackID string) (map[string]StepState, error)
	Save(ctx context.Context, stackID string, st StepState) error
}

// MemoryStore is a StateStore in memory, for tests and benchmarks. The zero
// value is ready to use; it is safe for concurrent use.
type MemoryStore struct {
	mu     sync.Mutex
	stacks map[string]map[string]StepState
}

// Load returns copies of the stack's step states.
func (m *MemoryStore) Load(ctx context.Context, stackID string) (map[string]StepState, error) {
	if err := ctx.Err(); err != nil {
		return nil, err // as a database would
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make(map[string]StepState, len(m.stacks[stackID]))
	for name, st := range m.stacks[stackID] {
		st.Outputs = maps.Clone(st.Outputs)
		out[name] = st
	}
	return out, nil
}

// Save stores a copy of st.
func (m *MemoryStore) Save(ctx context.Context, stackID string, st StepState) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.stacks == nil {
		m.stacks = map[string]map[string]StepState{}
	}
	if m.stacks[stackID] == nil {
		m.stacks[stackID] = map[string]StepState{}
	}
	st.Outputs = maps.Clone(st.Outputs)
	m.stacks[stackID][st.Step] = st
	return nil
}
