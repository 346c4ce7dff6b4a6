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
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"slices"
	"syscall"
	"time"
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
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, o)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench/console:", err)
		os.Exit(1)
	}
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
		if serr := srv.stop(); serr != nil && err == nil {
			err = serr
		}
	}()
	if err := srv.waitReady(ctx, 30*time.Second); err != nil {
		return err
	}
	cookie, err := session(srv.url)
	if err != nil {
		return err
	}
	type summary struct {
		page       string
		bytes      int
		ours, bare heyResult
	}
	var sums []summary
	for _, path := range []string{"/stacks", "/runs"} {
		body, err := fetch(srv.url+path, cookie)
		if err != nil {
			return err
		}
		bareURL, closeBare, err := startBare(body)
		if err != nil {
			return err
		}
		ours, bare, err := alternate(ctx, o, srv.url+path, bareURL, cookie)
		closeBare()
		if err != nil {
			return err
		}
		sums = append(sums, summary{path, len(body), ours, bare})
	}
	fmt.Printf("\nhey -c %d -z %s, %d alternating rounds each, medians:\n", o.concurrency, o.duration, o.rounds)
	fmt.Printf("  %-8s %7s  %-10s %9s %8s %8s\n", "page", "bytes", "server", "req/s", "p50 ms", "p99 ms")
	for _, s := range sums {
		fmt.Printf("  %-8s %7d  %-10s %9.1f %8.2f %8.2f\n", s.page, s.bytes, "orchestera", s.ours.rps, s.ours.p50, s.ours.p99)
		fmt.Printf("  %-8s %7s  %-10s %9.1f %8.2f %8.2f\n", "", "", "bare", s.bare.rps, s.bare.p50, s.bare.p99)
	}
	for _, s := range sums {
		fmt.Printf("console%s_ratio=%.3f\n", slashToUnderscore(s.page), s.ours.rps/s.bare.rps)
	}
	return nil
}

// alternate measures ours and the bare page in turns.
func alternate(ctx context.Context, o options, oursURL, bareURL, cookie string) (heyResult, heyResult, error) {
	if o.warmup > 0 {
		if _, err := runHey(ctx, o.hey, oursURL, o.warmup, o.concurrency, cookie); err != nil {
			return heyResult{}, heyResult{}, err
		}
		if _, err := runHey(ctx, o.hey, bareURL, o.warmup, o.concurrency); err != nil {
			return heyResult{}, heyResult{}, err
		}
	}
	var ours, bare []heyResult
	for i := range o.rounds {
		r, err := runHey(ctx, o.hey, oursURL, o.duration, o.concurrency, cookie)
		if err != nil {
			return heyResult{}, heyResult{}, err
		}
		ours = append(ours, r)
		fmt.Printf("round %d  %-40s %9.1f req/s  p50 %6.2f ms  p99 %6.2f ms\n", i+1, oursURL, r.rps, r.p50, r.p99)
		if r, err = runHey(ctx, o.hey, bareURL, o.duration, o.concurrency); err != nil {
			return heyResult{}, heyResult{}, err
		}
		bare = append(bare, r)
		fmt.Printf("round %d  %-40s %9.1f req/s  p50 %6.2f ms  p99 %6.2f ms\n", i+1, "bare", r.rps, r.p50, r.p99)
	}
	return medians(ours), medians(bare), nil
}

// startBare serves body as a static HTML page from this process: the floor
// the console is measured against.
func startBare(body []byte) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	s := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(body)
	}), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := s.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			fmt.Fprintln(os.Stderr, "bench/console: bare server:", err)
		}
	}()
	return "http://" + ln.Addr().String() + "/", func() { s.Close() }, nil
}

func medians(rs []heyResult) heyResult {
	pick := func(f func(heyResult) float64) float64 {
		v := make([]float64, len(rs))
		for i, r := range rs {
			v[i] = f(r)
		}
		slices.Sort(v)
		if n := len(v); n%2 == 0 {
			return (v[n/2-1] + v[n/2]) / 2
		}
		return v[len(v)/2]
	}
	return heyResult{rps: pick(func(r heyResult) float64 { return r.rps }), p50: pick(func(r heyResult) float64 { return r.p50 }), p99: pick(func(r heyResult) float64 { return r.p99 })}
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
