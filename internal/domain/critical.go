package domain

import "time"

// CriticalPath returns the longest chain of dependent steps, by the sum of
// their durations, and its steps first to last: no schedule can finish the
// graph sooner. A step missing from durations counts its Estimate. It
// returns 0, nil for an empty graph or one that does not Validate.
func CriticalPath(g Graph, durations map[string]time.Duration) (time.Duration, []string) {
	steps := g.byName()
	finish := map[string]time.Duration{}
	prev := map[string]string{}
	var last string
	var total time.Duration
	for _, level := range g.Order() {
		for _, name := range level {
			var start time.Duration
			for _, d := range steps[name].After {
				if _, seen := prev[name]; !seen || finish[d] > start {
					start, prev[name] = finish[d], d
				}
			}
			dur, ok := durations[name]
			if !ok {
				dur = steps[name].Estimate
			}
			finish[name] = start + dur
			// >= so that zero-length steps at the end still show.
			if last == "" || finish[name] >= total {
				last, total = name, finish[name]
			}
		}
	}
	var path []string
	for name := last; name != ""; name = prev[name] {
		path = append([]string{name}, path...)
	}
	return total, path
}

// ETA is how long the graph still needs at best: the critical path of what
// remains, where done steps take nothing, running and waiting ones what is
// left of their duration, and others all of it. Durations come from history
// (typically the median of past runs), falling back to each Step's Estimate.
func ETA(g Graph, states map[string]StepState, history map[string]time.Duration, now time.Time) time.Duration {
	left := make(map[string]time.Duration, len(g))
	for _, s := range g {
		d, ok := history[s.Name]
		if !ok {
			d = s.Estimate
		}
		switch st := states[s.Name]; st.Status {
		case StepDone:
			d = 0
		case StepRunning, StepWaiting:
			if !st.StartedAt.IsZero() {
				d = max(0, d-now.Sub(st.StartedAt))
			}
		}
		left[s.Name] = d
	}
	total, _ := CriticalPath(g, left)
	return total
}
