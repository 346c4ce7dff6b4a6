package benchkit

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Hey is one hey run. hey prints latencies in seconds with 4 decimals, so
// P50 and P99 have a 0.1 ms resolution.
type Hey struct {
	RPS      float64
	P50, P99 float64 // milliseconds
}

var (
	rpsLine    = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
	pctLine    = regexp.MustCompile(`(?m)^\s*(50|99)%+ in ([0-9.]+) secs`)
	statusLine = regexp.MustCompile(`(?m)^\s*\[(\d+)\]\s+(\d+) responses`)
)

// RunHey loads url for d with c connections and parses hey's summary. Any
// status but 200, or any transport error, fails the run: a fast error page
// must never pass for a fast read.
func RunHey(ctx context.Context, hey, url string, d time.Duration, c int, headers ...string) (Hey, error) {
	args := []string{"-z", d.String(), "-c", strconv.Itoa(c)}
	for _, h := range headers {
		args = append(args, "-H", h)
	}
	cmd := exec.CommandContext(ctx, hey, append(args, url)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return Hey{}, fmt.Errorf("hey %s: %w: %s", url, err, strings.TrimSpace(stderr.String()))
	}
	out := stdout.String()
	fail := func(format string, a ...any) (Hey, error) {
		return Hey{}, fmt.Errorf("hey %s: %s; its output:\n%s", url, fmt.Sprintf(format, a...), out)
	}

	if strings.Contains(out, "Error distribution:") {
		return fail("transport errors")
	}
	codes := statusLine.FindAllStringSubmatch(out, -1)
	if len(codes) == 0 {
		return fail("no status code distribution")
	}
	for _, m := range codes {
		if m[1] != "200" {
			return fail("%s responses with status %s", m[2], m[1])
		}
	}

	var r Hey
	m := rpsLine.FindStringSubmatch(out)
	if m == nil {
		return fail("no Requests/sec line")
	}
	r.RPS, _ = strconv.ParseFloat(m[1], 64)
	pcts := pctLine.FindAllStringSubmatch(out, -1)
	if len(pcts) != 2 {
		return fail("no 50%% and 99%% latency lines")
	}
	for _, p := range pcts {
		secs, _ := strconv.ParseFloat(p[2], 64)
		if p[1] == "50" {
			r.P50 = secs * 1000
		} else {
			r.P99 = secs * 1000
		}
	}
	return r, nil
}

// Medians takes each metric's median separately: with few rounds one noisy
// run should not decide the result.
func Medians(rs []Hey) Hey {
	pick := func(f func(Hey) float64) float64 {
		v := make([]float64, len(rs))
		for i, r := range rs {
			v[i] = f(r)
		}
		slices.Sort(v)
		n := len(v)
		if n%2 == 1 {
			return v[n/2]
		}
		return (v[n/2-1] + v[n/2]) / 2
	}
	return Hey{
		RPS: pick(func(r Hey) float64 { return r.RPS }),
		P50: pick(func(r Hey) float64 { return r.P50 }),
		P99: pick(func(r Hey) float64 { return r.P99 }),
	}
}
