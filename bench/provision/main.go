// Command provision benchmarks the provisioning engine's scheduling against
// the best any scheduler could do.
//
// It runs the engine with a MemoryStore on fake steps that only sleep, for
// the durations of a latency model of a real AWS stack (the table below)
// divided by -scale, so that EKS's nine minutes take three seconds. The
// critical path of the scaled model (its longest dependency chain) is a
// lower bound on wall time; the ratio of the two is the engine's overhead
// and lost parallelism. It also projects the real-world time (wall × scale)
// and compares it with the EKS control plane's time alone. The last line,
// provision_critical_path_ratio=<wall / critical path>, is what scripts
// compare; the goals are printed above it.
//
//	go run ./bench/provision
package main

import (
	"github.com/orchestera/orchestera/bench/internal/benchkit"
	"github.com/orchestera/orchestera/internal/aws/awsstack"
	"github.com/orchestera/orchestera/internal/domain"

	"context"
	"flag"
	"os"
	"time"
)

// The goals the summary checks.
const (
	goalRatio  = 1.05
	goalOverCP = 3 * time.Minute // projected time at most the control plane's plus this
)

// modelStep is one step of the stack with its typical real duration.
type modelStep struct {
	name      string
	after     []string
	took      time.Duration // unscaled
	resources []string
}

// model is the real stack's step graph (awsstack.Model) with each step's
// typical duration in us-east-1 as its latency; the durations and what
// dominates them are documented with the steps.
var model = func() []modelStep {
	var m []modelStep
	for _, s := range awsstack.Model(domain.Stack{}) {
		m = append(m, modelStep{s.Name, s.After, s.Estimate, s.Resources})
	}
	return m
}()

const eksStep = "cluster"

type options struct {
	scale    float64
	parallel int
	rounds   int
}

func main() {
	var o options
	flag.Float64Var(&o.scale, "scale", 180, "divide the model's durations by this (180: EKS's 9m takes 3s)")
	flag.IntVar(&o.parallel, "parallel", 0, "the engine's MaxParallel; 0 means no cap")
	flag.IntVar(&o.rounds, "rounds", 1, "provisions to measure; the summary shows the median")
	flag.Parse()
	if flag.NArg() > 0 || o.scale <= 0 || o.rounds < 1 || o.parallel < 0 {
		flag.Usage()
		os.Exit(2)
	}
	benchkit.Main("provision", func(ctx context.Context) error { return run(ctx, o) })
}
