package domain

import (
	"reflect"
	"testing"
	"time"
)

// diamond: a (1m), then b (5m) and c (2m), then d (1m); c has no history,
// so its Estimate counts.
func diamond() (Graph, map[string]time.Duration) {
	g := Graph{
		{Name: "a", Estimate: time.Hour},
		{Name: "b", After: []string{"a"}},
		{Name: "c", After: []string{"a"}, Estimate: 2 * time.Minute},
		{Name: "d", After: []string{"b", "c"}},
	}
	return g, map[string]time.Duration{"a": time.Minute, "b": 5 * time.Minute, "d": time.Minute}
}

func TestCriticalPath(t *testing.T) {
	g, history := diamond()
	tests := []struct {
		name      string
		durations map[string]time.Duration
		want      time.Duration
		path      []string
	}{
		{"through the slow branch", history, 7 * time.Minute, []string{"a", "b", "d"}},
		{"through the other", map[string]time.Duration{"a": time.Minute, "b": time.Second, "c": 3 * time.Minute, "d": 0}, 4 * time.Minute, []string{"a", "c", "d"}},
		{"estimates only", nil, time.Hour + 2*time.Minute, []string{"a", "c", "d"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, path := CriticalPath(g, tt.durations)
			if got != tt.want || !reflect.DeepEqual(path, tt.path) {
				t.Errorf("CriticalPath = %v %v, want %v %v", got, path, tt.want, tt.path)
			}
		})
	}
	if d, path := CriticalPath(nil, nil); d != 0 || path != nil {
		t.Errorf("empty graph: %v %v", d, path)
	}
}

func TestETA(t *testing.T) {
	g, history := diamond()
	now := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		states map[string]StepState
		want   time.Duration
	}{
		{"nothing started", nil, 7 * time.Minute},
		{"a done", map[string]StepState{"a": {Status: StepDone}}, 6 * time.Minute},
		{"b two minutes in", map[string]StepState{
			"a": {Status: StepDone},
			"b": {Status: StepRunning, StartedAt: now.Add(-2 * time.Minute)},
		}, 4 * time.Minute},
		{"b waiting, overdue: c's branch decides", map[string]StepState{
			"a": {Status: StepDone},
			"b": {Status: StepWaiting, StartedAt: now.Add(-10 * time.Minute)},
		}, 3 * time.Minute},
		{"b failed: all of it again", map[string]StepState{
			"a": {Status: StepDone},
			"b": {Status: StepFailed, StartedAt: now.Add(-2 * time.Minute)},
		}, 6 * time.Minute},
		{"all done", map[string]StepState{"a": {Status: StepDone}, "b": {Status: StepDone}, "c": {Status: StepDone}, "d": {Status: StepDone}}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ETA(g, tt.states, history, now); got != tt.want {
				t.Errorf("ETA = %v, want %v", got, tt.want)
			}
		})
	}
}
