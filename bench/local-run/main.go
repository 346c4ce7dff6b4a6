// Command local-run measures what the control plane adds to a pipeline run
// on the local stack.
//
// It starts one `orchestera server` in local mode on a temporary
// ORCHESTERA_HOME and times the hello-world pipeline two ways, alternating
// them so drift in machine load hits both alike: through `orchestera run`,
// as a user would (the wall time of the whole command: submit, queue,
// launch, streamed log, result), and directly with the same interpreter and
// code, `python -m orchestera.entrypoints.run ...` in the project directory
// with the environment the platform sets for a run. Every run must exit 0
// and print the pipeline's summary line. The last line of output,
// local_run_overhead=<median ours / median direct>, is what scripts compare;
// the goal printed above it is ours: ≤ 1.05.
//
//	go run ./bench/local-run -bin build/bin/orchestera -python build/venv/bin/python
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/orchestera/orchestera/bench/internal/benchkit"
)

// goalOverhead is the goal the summary checks: median ours / median direct.
const goalOverhead = 1.05

// The pipeline both ways run, and the line its output must contain.
const (
	classpath = "example.spark.application.HelloWorld"
	appName   = "hello"
	want      = "hello-world: 2000 trips in 8 cities"
)

type options struct {
	bin, python, project string
	n                    int
	warmup               bool
	readyTimeout         time.Duration
	runTimeout           time.Duration
}

func main() {
	var o options
	flag.StringVar(&o.bin, "bin", "build/bin/orchestera", "orchestera binary to benchmark")
	flag.StringVar(&o.python, "python", "build/venv/bin/python", "Python with the orchestera runtime and pyspark (make python-env)")
	flag.StringVar(&o.project, "project", "examples/hello-world", "the hello-world project directory")
	flag.IntVar(&o.n, "n", 3, "measured runs each way, alternating; the summary shows medians")
	flag.BoolVar(&o.warmup, "warmup", true, "one unmeasured run each way first (cold page cache, first JVM start)")
	flag.DurationVar(&o.readyTimeout, "ready-timeout", 30*time.Second, "how long the server may take to write its client config")
	flag.DurationVar(&o.runTimeout, "run-timeout", 5*time.Minute, "how long one pipeline run may take")
	flag.Parse()
	if flag.NArg() > 0 || o.n < 1 {
		flag.Usage()
		os.Exit(2)
	}

	benchkit.Main("local-run", func(ctx context.Context) error { return run(ctx, o) })
}

func run(ctx context.Context, o options) (err error) {
	// Runs start in the project directory, so every path must be absolute.
	for _, p := range []*string{&o.bin, &o.python, &o.project} {
		if *p, err = filepath.Abs(*p); err != nil {
			return err
		}
	}
	for _, p := range []string{o.bin, o.python} {
		if _, err := os.Stat(p); err != nil {
			return fmt.Errorf("%w (build it first: make build python-env)", err)
		}
	}
	tmp, err := os.MkdirTemp("", "orchestera-bench-local-run-")
	if err != nil {
		return err
	}
	keep := false // a failed benchmark leaves the server's log to read
	defer func() {
		if keep {
			fmt.Fprintf(os.Stderr, "bench/local-run: kept %s for inspection (server log: %s)\n", tmp, filepath.Join(tmp, "home", "server.log"))
			return
		}
		os.RemoveAll(tmp)
	}()

	srv, err := startServer(ctx, o, filepath.Join(tmp, "home"), o.readyTimeout)
	if err != nil {
		keep = true
		return err
	}
	defer func() {
		if serr := srv.stop(); serr != nil && err == nil {
			err = serr
		}
		keep = keep || err != nil
	}()
	fmt.Printf("server ready at %s (local mode, home %s)\n", srv.url, srv.home)
	fmt.Printf("pipeline %s in %s, python %s\n", classpath, o.project, o.python)

	r := runner{o: o, srv: srv, tmp: tmp}
	if o.warmup {
		ours, err := r.ours(ctx)
		if err != nil {
			return err
		}
		direct, err := r.direct(ctx)
		if err != nil {
			return err
		}
		fmt.Printf("warmup   orchestera %7.2fs   direct %7.2fs   (not counted)\n", ours.Seconds(), direct.Seconds())
	}
	var ours, direct []float64
	for i := range o.n {
		d, err := r.ours(ctx)
		if err != nil {
			return err
		}
		ours = append(ours, d.Seconds())
		fmt.Printf("run %d    orchestera %7.2fs\n", i+1, d.Seconds())
		if d, err = r.direct(ctx); err != nil {
			return err
		}
		direct = append(direct, d.Seconds())
		fmt.Printf("run %d    direct     %7.2fs\n", i+1, d.Seconds())
	}

	om, dm := median(ours), median(direct)
	ratio := om / dm
	fmt.Println()
	fmt.Printf("hello-world on the local stack, %d alternating runs each, medians:\n", o.n)
	fmt.Printf("  %-22s %7.2fs\n", "orchestera run", om)
	fmt.Printf("  %-22s %7.2fs\n", "python -m ... directly", dm)
	fmt.Printf("  %-22s %+7.2fs\n", "overhead", om-dm)
	fmt.Println("goals:")
	fmt.Printf("  %-20s %-10s %s\n", fmt.Sprintf("overhead ≤ %.2f", goalOverhead), fmt.Sprintf("%.3f", ratio), verdict(ratio <= goalOverhead))
	fmt.Printf("local_run_overhead=%.3f\n", ratio)
	return nil
}

func median(v []float64) float64 {
	v = slices.Sorted(slices.Values(v))
	n := len(v)
	if n%2 == 1 {
		return v[n/2]
	}
	return (v[n/2-1] + v[n/2]) / 2
}

func verdict(ok bool) string {
	if ok {
		return "ok"
	}
	return "MISSED"
}
