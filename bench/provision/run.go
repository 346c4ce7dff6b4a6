package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/orchestera/orchestera/internal/domain"
	"github.com/orchestera/orchestera/internal/provision"
)

// span is when a step ran, as offsets from the start of Provision.
type span struct{ start, end time.Duration }

func run(ctx context.Context, o options) error {
	g := graph(o.scale)
	if err := g.Validate(); err != nil {
		return err
	}
	unscaled := map[string]time.Duration{}
	scaled := map[string]time.Duration{}
	for _, m := range model {
		unscaled[m.name], scaled[m.name] = m.took, scale(m.took, o.scale)
	}
	cpReal, path := domain.CriticalPath(g, unscaled)
	cpScaled, _ := domain.CriticalPath(g, scaled)
	fmt.Printf("model: %d steps, EKS control plane %s, scale 1/%g (%s takes %s)\n",
		len(model), unscaled[eksStep], o.scale, unscaled[eksStep], scaled[eksStep])

	store := &provision.MemoryStore{}
	var walls []time.Duration
	var spans map[string]span
	for i := range o.rounds {
		wall, sp, err := provisionOnce(ctx, store, fmt.Sprintf("bench-%d", i+1), g, o.parallel)
		if err != nil {
			return err
		}
		walls = append(walls, wall)
		spans = sp
		fmt.Printf("round %d  wall %.3fs  ratio %.3f\n", i+1, wall.Seconds(), float64(wall)/float64(cpScaled))
	}
	wall := median(walls)
	ratio := float64(wall) / float64(cpScaled)
	projected := time.Duration(float64(wall) * o.scale)
	eks := unscaled[eksStep]

	fmt.Println()
	fmt.Printf("steps of the last round (seconds from the start of Provision, scaled):\n")
	fmt.Printf("  %-18s %-28s %8s %8s %8s\n", "step", "after", "model", "start", "end")
	for _, m := range model {
		s := spans[m.name]
		after := strings.Join(m.after, ",")
		if after == "" {
			after = "-"
		}
		fmt.Printf("  %-18s %-28s %8s %8.3f %8.3f\n", m.name, after, m.took, s.start.Seconds(), s.end.Seconds())
	}
	fmt.Printf("critical path: %s = %s model, %.3fs scaled\n", strings.Join(path, " -> "), cpReal, cpScaled.Seconds())
	fmt.Printf("wall (median of %d): %.3fs\n", o.rounds, wall.Seconds())
	fmt.Printf("projected real-world: %s (wall × %g); the model's critical path alone: %s\n",
		projected.Round(time.Second), o.scale, cpReal)
	fmt.Printf("EKS control plane: %s; projected is %s more\n", eks, (projected - eks).Round(time.Second))
	fmt.Println("goals:")
	fmt.Printf("  %-28s %-10s %s\n", fmt.Sprintf("projected ≤ EKS + %s", goalOverCP), projected.Round(time.Second), verdict(projected <= eks+goalOverCP))
	fmt.Printf("  %-28s %-10s %s\n", fmt.Sprintf("ratio ≤ %.2f", goalRatio), fmt.Sprintf("%.3f", ratio), verdict(ratio <= goalRatio))
	fmt.Printf("provision_critical_path_ratio=%.3f\n", ratio)
	return nil
}

// graph turns the model into steps that sleep for their scaled duration and
// pass an id along, as real steps pass resource ids.
func graph(factor float64) domain.Graph {
	var g domain.Graph
	for _, m := range model {
		d := scale(m.took, factor)
		g = append(g, domain.Step{
			Name: m.name, After: m.after, Resources: m.resources, Estimate: m.took,
			Ensure: func(ctx context.Context, r domain.StepRun) error {
				for _, dep := range m.after {
					if _, ok := r.Output(dep, "id"); !ok {
						return fmt.Errorf("output id of %s missing", dep)
					}
				}
				// A real sleep: this is the cloud's time, not synchronisation.
				t := time.NewTimer(d)
				defer t.Stop()
				select {
				case <-t.C:
				case <-ctx.Done():
					return ctx.Err()
				}
				r.SetOutput("id", "fake-"+m.name)
				return nil
			},
		})
	}
	return g
}

// provisionOnce provisions one stack and times it, and each step from its
// first call to its completion.
func provisionOnce(ctx context.Context, store domain.StepStore, stack string, g domain.Graph, parallel int) (time.Duration, map[string]span, error) {
	var mu sync.Mutex
	spans := map[string]span{}
	var t0 time.Time
	e := provision.Engine{Store: store, MaxParallel: parallel, Progress: func(ev provision.Event) {
		mu.Lock()
		defer mu.Unlock()
		s := spans[ev.Step]
		switch ev.Status {
		case domain.StepRunning:
			if ev.Attempt == 1 && ev.Message == "" {
				s.start = ev.At.Sub(t0)
			}
		case domain.StepDone:
			s.end = ev.At.Sub(t0)
		}
		spans[ev.Step] = s
	}}
	t0 = time.Now()
	err := e.Provision(ctx, stack, g)
	wall := time.Since(t0)
	mu.Lock()
	defer mu.Unlock()
	return wall, spans, err
}

func scale(d time.Duration, factor float64) time.Duration {
	return time.Duration(float64(d) / factor)
}

func median(ds []time.Duration) time.Duration {
	s := slices.Sorted(slices.Values(ds))
	if n := len(s); n%2 == 0 {
		return (s[n/2-1] + s[n/2]) / 2
	}
	return s[len(s)/2]
}

func verdict(ok bool) string {
	if ok {
		return "ok"
	}
	return "MISSED"
}
