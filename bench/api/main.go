// Command api benchmarks the control plane's authenticated read path.
//
// It seeds a temporary ORCHESTERA_HOME with 1,000 organizations of 10 tokens
// each, starts the real binary on it, and loads GET /v1/whoami (token lookup,
// membership, user and organization reads, JSON encoding, access log) with
// hey. For scale it loads a bare net/http handler in this process that
// returns the same bytes, alternating the two so drift in machine load hits
// both alike. The last line of output, api_read_ratio=<ours/bare requests per
// second>, is what scripts compare; the goals printed above it are ours:
// idle RSS ≤ 40 MB, ratio ≥ 0.5, p99 ≤ 5 ms.
//
//	go run ./bench/api -bin build/bin/orchestera -hey build/bin/hey
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"time"

	"github.com/orchestera/orchestera/bench/internal/benchkit"
)

// The goals the summary checks.
const (
	goalIdleRSS = 40.0 // MB
	goalRatio   = 0.5
	goalP99     = 5.0 // ms
)

type options struct {
	bin, hey            string
	duration, warmup    time.Duration
	concurrency, rounds int
	orgs, tokensPerOrg  int
	readyTimeout        time.Duration
}

func main() {
	var o options
	flag.StringVar(&o.bin, "bin", "build/bin/orchestera", "orchestera binary to benchmark")
	flag.StringVar(&o.hey, "hey", "build/bin/hey", "hey load generator (github.com/rakyll/hey)")
	flag.DurationVar(&o.duration, "duration", 5*time.Second, "length of each measured hey run")
	flag.DurationVar(&o.warmup, "warmup", time.Second, "unmeasured hey run against each server first; 0 skips it")
	flag.IntVar(&o.concurrency, "c", 16, "concurrent connections")
	flag.IntVar(&o.rounds, "rounds", 2, "measured runs per server, alternating; the summary shows medians")
	flag.IntVar(&o.orgs, "orgs", 1000, "organizations to seed, one admin each")
	flag.IntVar(&o.tokensPerOrg, "tokens", 10, "tokens to seed per organization")
	flag.DurationVar(&o.readyTimeout, "ready-timeout", 30*time.Second, "how long the server may take to answer /readyz")
	flag.Parse()
	if flag.NArg() > 0 || o.rounds < 1 || o.concurrency < 1 || o.orgs < 1 || o.tokensPerOrg < 1 {
		flag.Usage()
		os.Exit(2)
	}

	benchkit.Main("api", func(ctx context.Context) error { return run(ctx, o) })
}

func run(ctx context.Context, o options) (err error) {
	for _, p := range []string{o.bin, o.hey} {
		if _, err := exec.LookPath(p); err != nil {
			return fmt.Errorf("%w (build it first: see the Makefile)", err)
		}
	}
	home, err := os.MkdirTemp("", "orchestera-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(home)

	seeded, err := seed(ctx, home, o.orgs, o.tokensPerOrg)
	if err != nil {
		return err
	}
	fmt.Printf("seeded %d organizations × %d tokens (%d tokens) in %.2fs\n",
		o.orgs, o.tokensPerOrg, len(seeded.secrets), seeded.took.Seconds())

	srv, err := startServer(o.bin, home)
	if err != nil {
		return err
	}
	defer func() {
		if serr := srv.Stop(); serr != nil && err == nil {
			err = serr
		}
	}()
	if err := srv.WaitReady(ctx, o.readyTimeout); err != nil {
		return err
	}

	// Any seeded token will do; a random one keeps us honest about not
	// benefiting from the first or last row of the table.
	secret := seeded.secrets[rand.IntN(len(seeded.secrets))]
	auth := "Authorization: Bearer " + secret
	body, err := whoami(ctx, srv.URL, secret)
	if err != nil {
		return err
	}
	// A few requests first so the idle figure includes what serving needs
	// (connection buffers, SQLite page cache, lazily built handlers).
	for range 20 {
		if _, err := whoami(ctx, srv.URL, secret); err != nil {
			return err
		}
	}
	idle, err := srv.Memory()
	if err != nil {
		return err
	}
	fmt.Printf("server ready at %s; idle RSS %.1f MB; GET /v1/whoami answers %d bytes\n", srv.URL, idle.RSS, len(body))

	bareURL, closeBare, err := benchkit.StartBare("application/json", "/v1/whoami", body)
	if err != nil {
		return err
	}
	defer closeBare()

	oursURL := srv.URL + "/v1/whoami"
	if o.warmup > 0 {
		if _, err := benchkit.RunHey(ctx, o.hey, oursURL, o.warmup, o.concurrency, auth); err != nil {
			return err
		}
		if _, err := benchkit.RunHey(ctx, o.hey, bareURL, o.warmup, o.concurrency); err != nil {
			return err
		}
	}
	var ours, bare []benchkit.Hey
	for i := range o.rounds {
		r, err := benchkit.RunHey(ctx, o.hey, oursURL, o.duration, o.concurrency, auth)
		if err != nil {
			return err
		}
		ours = append(ours, r)
		fmt.Printf("round %d  orchestera  %10.1f req/s  p50 %5.2f ms  p99 %5.2f ms\n", i+1, r.RPS, r.P50, r.P99)
		if r, err = benchkit.RunHey(ctx, o.hey, bareURL, o.duration, o.concurrency); err != nil {
			return err
		}
		bare = append(bare, r)
		fmt.Printf("round %d  bare         %10.1f req/s  p50 %5.2f ms  p99 %5.2f ms\n", i+1, r.RPS, r.P50, r.P99)
	}
	load, err := srv.Memory()
	if err != nil {
		return err
	}

	om, bm := benchkit.Medians(ours), benchkit.Medians(bare)
	ratio := om.RPS / bm.RPS
	fmt.Println()
	fmt.Printf("GET /v1/whoami, hey -c %d -z %s, %d alternating rounds each, medians:\n", o.concurrency, o.duration, o.rounds)
	fmt.Printf("  %-12s %10s %8s %8s\n", "", "req/s", "p50 ms", "p99 ms")
	fmt.Printf("  %-12s %10.1f %8.2f %8.2f\n", "orchestera", om.RPS, om.P50, om.P99)
	fmt.Printf("  %-12s %10.1f %8.2f %8.2f\n", "bare", bm.RPS, bm.P50, bm.P99)
	fmt.Printf("seed:   %d orgs, %d tokens in %.2fs\n", o.orgs, len(seeded.secrets), seeded.took.Seconds())
	fmt.Printf("memory: idle RSS %.1f MB (%.1f MB anonymous), after load %.1f MB (%.1f MB anonymous), peak %.1f MB\n",
		idle.RSS, idle.Anon, load.RSS, load.Anon, load.Peak)
	fmt.Println("goals:")
	fmt.Printf("  %-20s %-10s %s\n", fmt.Sprintf("idle RSS ≤ %.0f MB", goalIdleRSS), fmt.Sprintf("%.1f MB", idle.RSS), verdict(idle.RSS <= goalIdleRSS))
	fmt.Printf("  %-20s %-10s %s\n", fmt.Sprintf("ratio ≥ %.1f", goalRatio), fmt.Sprintf("%.3f", ratio), verdict(ratio >= goalRatio))
	fmt.Printf("  %-20s %-10s %s\n", fmt.Sprintf("p99 ≤ %.0f ms", goalP99), fmt.Sprintf("%.2f ms", om.P99), verdict(om.P99 <= goalP99))
	fmt.Printf("api_read_ratio=%.3f\n", ratio)
	return nil
}

// whoami makes one authenticated read and insists on a 200.
func whoami(ctx context.Context, base, secret string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/v1/whoami", nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET /v1/whoami: %s: %s", resp.Status, b)
	}
	return b, nil
}

func verdict(ok bool) string {
	if ok {
		return "ok"
	}
	return "MISSED"
}
