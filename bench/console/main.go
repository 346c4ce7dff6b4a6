// Command console benchmarks the console's busiest pages.
//
// It seeds a local-mode home with 1,000 finished runs and ten stacks,
// starts the real binary on it, signs in as the local browser does, and
// loads GET /stacks and GET /runs (the first page: 50 runs, filters,
// durations) with hey. Each is measured side by side with a bare net/http
// handler in this process serving the same bytes as a static page,
// alternating the two so drift in machine load hits both alike. It prints
// p50/p99 for each and, last, console_<page>_ratio=<ours/bare requests per
// second>.
//
//	go run ./bench/console -bin build/bin/orchestera -hey build/bin/hey
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"time"

	"github.com/orchestera/orchestera/bench/internal/benchkit"
)

type options struct {
	bin, hey            string
	duration, warmup    time.Duration
	concurrency, rounds int
	runs, stacks        int
}

func main() {
	var o options
	flag.StringVar(&o.bin, "bin", "build/bin/orchestera", "orchestera binary to benchmark")
	flag.StringVar(&o.hey, "hey", "build/bin/hey", "hey load generator (github.com/rakyll/hey)")
	flag.DurationVar(&o.duration, "duration", 5*time.Second, "length of each measured hey run")
	flag.DurationVar(&o.warmup, "warmup", time.Second, "unmeasured hey run against each server first; 0 skips it")
	flag.IntVar(&o.concurrency, "c", 8, "concurrent connections")
	flag.IntVar(&o.rounds, "rounds", 2, "measured runs per server and page, alternating; the summary shows medians")
	flag.IntVar(&o.runs, "runs", 1000, "finished runs to seed")
	flag.IntVar(&o.stacks, "stacks", 9, "AWS stacks to seed, besides the local one")
	flag.Parse()
	if flag.NArg() > 0 || o.rounds < 1 || o.concurrency < 1 {
		flag.Usage()
		os.Exit(2)
	}
	benchkit.Main("console", func(ctx context.Context) error { return run(ctx, o) })
}

func run(ctx context.Context, o options) (err error) {
	for _, p := range []string{o.bin, o.hey} {
		if _, err := exec.LookPath(p); err != nil {
			return fmt.Errorf("%w (build it first: see the Makefile)", err)
		}
	}
	home, err := os.MkdirTemp("", "orchestera-bench-console-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(home)
	took, err := seed(ctx, home, o.runs, o.stacks)
	if err != nil {
		return err
	}
	fmt.Printf("seeded %d runs and %d stacks in %.2fs\n", o.runs, o.stacks+1, took.Seconds())
	srv, err := startServer(o.bin, home)
	if err != nil {
		return err
	}
	defer func() {
		if serr := srv.Stop(); serr != nil && err == nil {
			err = serr
		}
	}()
	if err := srv.WaitReady(ctx, 30*time.Second); err != nil {
		return err
	}
	cookie, err := session(srv.URL)
	if err != nil {
		return err
	}
	type summary struct {
		page       string
		bytes      int
		ours, bare benchkit.Hey
	}
	var sums []summary
	for _, path := range []string{"/stacks", "/runs"} {
		body, err := fetch(srv.URL+path, cookie)
		if err != nil {
			return err
		}
		bareURL, closeBare, err := benchkit.StartBare("text/html; charset=utf-8", "/", body)
		if err != nil {
			return err
		}
		ours, bare, err := alternate(ctx, o, srv.URL+path, bareURL, cookie)
		closeBare()
		if err != nil {
			return err
		}
		sums = append(sums, summary{path, len(body), ours, bare})
	}
	fmt.Printf("\nhey -c %d -z %s, %d alternating rounds each, medians:\n", o.concurrency, o.duration, o.rounds)
	fmt.Printf("  %-8s %7s  %-10s %9s %8s %8s\n", "page", "bytes", "server", "req/s", "p50 ms", "p99 ms")
	for _, s := range sums {
		fmt.Printf("  %-8s %7d  %-10s %9.1f %8.2f %8.2f\n", s.page, s.bytes, "orchestera", s.ours.RPS, s.ours.P50, s.ours.P99)
		fmt.Printf("  %-8s %7s  %-10s %9.1f %8.2f %8.2f\n", "", "", "bare", s.bare.RPS, s.bare.P50, s.bare.P99)
	}
	for _, s := range sums {
		fmt.Printf("console%s_ratio=%.3f\n", slashToUnderscore(s.page), s.ours.RPS/s.bare.RPS)
	}
	return nil
}

// alternate measures ours and the bare page in turns.
func alternate(ctx context.Context, o options, oursURL, bareURL, cookie string) (benchkit.Hey, benchkit.Hey, error) {
	if o.warmup > 0 {
		if _, err := benchkit.RunHey(ctx, o.hey, oursURL, o.warmup, o.concurrency, cookie); err != nil {
			return benchkit.Hey{}, benchkit.Hey{}, err
		}
		if _, err := benchkit.RunHey(ctx, o.hey, bareURL, o.warmup, o.concurrency); err != nil {
			return benchkit.Hey{}, benchkit.Hey{}, err
		}
	}
	var ours, bare []benchkit.Hey
	for i := range o.rounds {
		r, err := benchkit.RunHey(ctx, o.hey, oursURL, o.duration, o.concurrency, cookie)
		if err != nil {
			return benchkit.Hey{}, benchkit.Hey{}, err
		}
		ours = append(ours, r)
		fmt.Printf("round %d  %-40s %9.1f req/s  p50 %6.2f ms  p99 %6.2f ms\n", i+1, oursURL, r.RPS, r.P50, r.P99)
		if r, err = benchkit.RunHey(ctx, o.hey, bareURL, o.duration, o.concurrency); err != nil {
			return benchkit.Hey{}, benchkit.Hey{}, err
		}
		bare = append(bare, r)
		fmt.Printf("round %d  %-40s %9.1f req/s  p50 %6.2f ms  p99 %6.2f ms\n", i+1, "bare", r.RPS, r.P50, r.P99)
	}
	return benchkit.Medians(ours), benchkit.Medians(bare), nil
}

func slashToUnderscore(p string) string {
	out := []byte(p)
	for i, c := range out {
		if c == '/' {
			out[i] = '_'
		}
	}
	return string(out)
}
