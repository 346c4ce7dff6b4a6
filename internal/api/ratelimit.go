package api

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Rate is a token bucket: PerSecond requests a second on average, up to
// Burst at once. A zero PerSecond sets no limit.
type Rate struct {
	PerSecond float64
	Burst     int
}

// RateLimits bound the requests of each bearer token and of each client
// address (the connection's, not a header a client could forge). Over
// either, a request answers 429 with Retry-After. Health, readiness and
// metrics are never limited: probes and scrapers must always get through.
type RateLimits struct {
	PerToken   Rate
	PerAddress Rate
}

// exempt are the paths no limit applies to.
var exempt = map[string]bool{"/healthz": true, "/readyz": true, "/metrics": true}

type bucket struct {
	tokens float64
	last   time.Time
}

// limiter holds one bucket per key, in memory: each replica limits what
// reaches it.
type limiter struct {
	rate Rate
	now  func() time.Time

	mu      sync.Mutex
	buckets map[string]*bucket
}

// maxBuckets bounds the memory of a limiter; past it, full buckets (clients
// idle long enough to have refilled) are dropped.
const maxBuckets = 10000

func newLimiter(r Rate, now func() time.Time) *limiter {
	if r.PerSecond <= 0 {
		return nil
	}
	if r.Burst < 1 {
		r.Burst = int(math.Ceil(r.PerSecond))
	}
	return &limiter{rate: r, now: now, buckets: map[string]*bucket{}}
}

// wait is how long key must wait for its next request; 0 takes a token.
func (l *limiter) wait(key string) time.Duration {
	if l == nil {
		return 0
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[key]
	if !ok {
		if len(l.buckets) >= maxBuckets {
			l.sweep(now)
		}
		b = &bucket{tokens: float64(l.rate.Burst), last: now}
		l.buckets[key] = b
	}
	if elapsed := now.Sub(b.last).Seconds(); elapsed > 0 {
		b.tokens = math.Min(float64(l.rate.Burst), b.tokens+elapsed*l.rate.PerSecond)
		b.last = now
	}
	if b.tokens >= 1 {
		b.tokens--
		return 0
	}
	return time.Duration((1 - b.tokens) / l.rate.PerSecond * float64(time.Second))
}

func (l *limiter) sweep(now time.Time) {
	for k, b := range l.buckets {
		if b.tokens+now.Sub(b.last).Seconds()*l.rate.PerSecond >= float64(l.rate.Burst) {
			delete(l.buckets, k)
		}
	}
}

// limit answers 429 to a request over its token's or its address's rate.
// The token is keyed by its hash: the limiter never holds a secret.
func (s *server) limit(next http.Handler) http.Handler {
	now := s.Now
	if now == nil {
		now = time.Now
	}
	byToken, byAddress := newLimiter(s.RateLimits.PerToken, now), newLimiter(s.RateLimits.PerAddress, now)
	if byToken == nil && byAddress == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if exempt[r.URL.Path] {
			next.ServeHTTP(w, r)
			return
		}
		wait := byAddress.wait(clientAddress(r))
		if secret, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok && wait == 0 {
			sum := sha256.Sum256([]byte(strings.TrimSpace(secret)))
			wait = byToken.wait(hex.EncodeToString(sum[:16]))
		}
		if wait > 0 {
			secs := int(math.Ceil(wait.Seconds()))
			w.Header().Set("Retry-After", fmt.Sprint(secs))
			p := newProblem(http.StatusTooManyRequests, fmt.Sprintf("too many requests; retry in %ds", secs))
			p.RequestID = requestInfoFrom(r.Context()).ID
			writeProblem(w, p)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func clientAddress(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
