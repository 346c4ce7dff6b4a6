package web_test

import (
	"net/http"
	"testing"

	"github.com/orchestera/orchestera/internal/api"
)

// TestConsoleIsBehindTheAPIsRateLimits: the console is mounted inside the
// API's handler, so its pages count against the client address's limit.
func TestConsoleIsBehindTheAPIsRateLimits(t *testing.T) {
	e := newEnv(t, false, func(c *api.Config) {
		c.RateLimits = api.RateLimits{PerAddress: api.Rate{PerSecond: 0.01, Burst: 3}}
	})
	b := e.browser()
	for range 3 {
		must(t, b.get("/login"), http.StatusOK, "Sign in")
	}
	p := b.get("/login")
	if p.status != http.StatusTooManyRequests || p.header.Get("Retry-After") == "" {
		t.Fatalf("the 4th page of a burst of 3: %d %v", p.status, p.header)
	}
}
