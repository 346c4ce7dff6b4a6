// Command submit benchmarks run submission on a Kubernetes stack: how fast
// the platform turns accepted runs into driver pods.
//
// It starts the real binary in local mode, attaches the loopback test
// cluster (scripts/test-kube.sh start, no node needed: only the driver
// pods' creation is measured) as a stack, submits N runs through the API
// and watches for their driver pods. Then, in the same run, it has raw
// client-go create N copies of such a driver pod and watches for them
// alike. Latency is from the submission's answer (ours) or the create
// call (raw) to the pod's ADD event in a watch, with both sides offered
// the same load (-rate a second) in alternating rounds; throughput is N runs submitted at once,
// to the last driver pod. It prints submit_throughput=<runs/s> and, last,
// submit_overhead_ratio=<median latency ours / raw>. Goals: ratio ≤ 1.5,
// throughput ≥ 100 runs/s.
//
//	go run ./bench/submit -bin build/bin/orchestera -kubeconfig build/kube/kubeconfig
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/orchestera/orchestera/bench/internal/benchkit"
)

// The goals the summary checks.
const (
	goalRatio      = 1.5
	goalThroughput = 100.0 // runs/s
	rounds         = 4     // paced rounds a side
)

type options struct {
	bin, kubeconfig string
	runs, c         int
	rate            float64
	timeout         time.Duration
	keep            bool
}

func main() {
	var o options
	flag.StringVar(&o.bin, "bin", "build/bin/orchestera", "orchestera binary to benchmark")
	flag.StringVar(&o.kubeconfig, "kubeconfig", "build/kube/kubeconfig", "the test cluster's kubeconfig (scripts/test-kube.sh start)")
	flag.IntVar(&o.runs, "runs", 500, "runs to submit, and raw pods to create")
	flag.IntVar(&o.c, "c", 16, "concurrent submissions (and raw creates)")
	flag.Float64Var(&o.rate, "rate", 50, "runs (and raw pods) a second offered when measuring latency")
	flag.DurationVar(&o.timeout, "timeout", 5*time.Minute, "how long all of it may take")
	flag.BoolVar(&o.keep, "keep", false, "keep the server's home (its log and database) to look into")
	flag.Parse()
	if flag.NArg() > 0 || o.runs < 1 || o.c < 1 {
		flag.Usage()
		os.Exit(2)
	}
	benchkit.Main("submit", func(ctx context.Context) error {
		ctx, cancel := context.WithTimeout(ctx, o.timeout)
		defer cancel()
		return run(ctx, o)
	})
}

func run(ctx context.Context, o options) error {
	b, err := setup(ctx, o)
	if err != nil {
		return err
	}
	defer b.close()
	// Throughput: every run at once. Latency: both sides offered the same
	// load, o.rate a second, below what either can take, so what is
	// measured is the work of one run, not a queue.
	burst, err := b.ours(ctx, o.runs, 0, "burst-")
	if err != nil {
		return err
	}
	// The paced runs in alternating rounds, so neither side always comes
	// after the other on a cluster that grows busier with each pod.
	var ours, raw result
	per := max(o.runs/rounds, 1)
	for i := range rounds {
		round := fmt.Sprintf("paced%d-", i)
		o1, err := b.ours(ctx, per, o.rate, round)
		if err != nil {
			return err
		}
		r1, err := b.raw(ctx, per, o.rate, round)
		if err != nil {
			return err
		}
		ours.latencies = append(ours.latencies, o1.latencies...)
		raw.latencies = append(raw.latencies, r1.latencies...)
	}
	report(o, burst, ours, raw)
	return nil
}

// result is one side's measurements.
type result struct {
	latencies []time.Duration
	elapsed   time.Duration // first submission to last pod seen
}

func report(o options, burst, ours, raw result) {
	om, rm := median(ours.latencies), median(raw.latencies)
	throughput := float64(o.runs) / burst.elapsed.Seconds()
	fmt.Printf("%d runs, %d submissions at a time, on the loopback API server\n", o.runs, o.c)
	fmt.Printf("burst: %d runs submitted at once, driver pods created in %s (%.0f runs/s)\n", o.runs, burst.elapsed.Round(time.Millisecond), throughput)
	fmt.Printf("at %.0f a second, ours: submission answered to driver pod seen: median %s, p99 %s\n",
		o.rate, om.Round(time.Microsecond), p99(ours.latencies).Round(time.Microsecond))
	fmt.Printf("at %.0f a second, raw client-go: create called to pod seen: median %s, p99 %s\n",
		o.rate, rm.Round(time.Microsecond), p99(raw.latencies).Round(time.Microsecond))
	ratio := om.Seconds() / rm.Seconds()
	fmt.Printf("goals: ratio <= %.1f: %s; throughput >= %.0f runs/s: %s\n", goalRatio, met(ratio <= goalRatio), goalThroughput, met(throughput >= goalThroughput))
	fmt.Printf("submit_throughput=%.1f\n", throughput)
	fmt.Printf("submit_overhead_ratio=%.2f\n", ratio)
}

func met(ok bool) string {
	if ok {
		return "met"
	}
	return "MISSED"
}
