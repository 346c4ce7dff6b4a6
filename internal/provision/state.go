package provision

import (
	"context"
	"maps"
	"sync"

	"github.com/orchestera/orchestera/internal/domain"
)

// MemoryStore keeps step states in memory, for tests and benchmarks. The
// zero value is ready to use; it is safe for concurrent use.
type MemoryStore struct {
	mu     sync.Mutex
	stacks map[string]map[string]domain.StepState
}

var _ domain.StepStore = (*MemoryStore)(nil)

// LoadStackSteps returns copies of the stack's step states.
func (m *MemoryStore) LoadStackSteps(ctx context.Context, stackID string) (map[string]domain.StepState, error) {
	if err := ctx.Err(); err != nil {
		return nil, err // as a database would
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make(map[string]domain.StepState, len(m.stacks[stackID]))
	for name, st := range m.stacks[stackID] {
		st.Outputs = maps.Clone(st.Outputs)
		out[name] = st
	}
	return out, nil
}

// SaveStackStep stores a copy of st.
func (m *MemoryStore) SaveStackStep(ctx context.Context, stackID string, st domain.StepState) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.stacks == nil {
		m.stacks = map[string]map[string]domain.StepState{}
	}
	if m.stacks[stackID] == nil {
		m.stacks[stackID] = map[string]domain.StepState{}
	}
	st.Outputs = maps.Clone(st.Outputs)
	m.stacks[stackID][st.Step] = st
	return nil
}
