package api_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/orchestera/orchestera/internal/api"
	"github.com/orchestera/orchestera/internal/api/apitest"
	"github.com/orchestera/orchestera/internal/fakeclock"
)

func TestHealthReadinessMetricsAndRequestIDs(t *testing.T) {
	e := newEnv(t)
	e.must(200, "GET", "/healthz", "", nil)
	e.must(200, "GET", "/readyz", "", nil)
	admin := e.signIn("alice", "alice@example.com")
	e.must(200, "GET", "/v1/whoami", admin.Token, nil)
	e.must(401, "GET", "/v1/whoami", "", nil)

	metrics := string(e.must(200, "GET", "/metrics", "", nil).body)
	for _, want := range []string{
		`orchestera_http_requests_total{route="GET /v1/whoami",status="200"} 1`,
		`orchestera_http_requests_total{route="GET /v1/whoami",status="401"} 1`,
		`orchestera_http_request_duration_seconds_bucket{route="GET /healthz",status="200",le=`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %s", want)
		}
	}

	r := e.call("GET", "/healthz", "", nil)
	id := r.header.Get("X-Request-Id")
	if !strings.HasPrefix(id, "req_") || !strings.Contains(e.Logs.String(), `"request_id":"`+id+`"`) {
		t.Fatalf("request id %q missing from response or logs", id)
	}

	e.Store.Close()
	if r := e.call("GET", "/readyz", "", nil); r.status != 503 || r.problem(t).Code != "unavailable" {
		t.Fatalf("readyz with a closed store = %d %s", r.status, r.body)
	}
}

// TestTokensNeverReachTheLogs greps every log line of a busy session for
// every token secret that session saw.
func TestTokensNeverReachTheLogs(t *testing.T) {
	e := newEnv(t)
	admin := e.signIn("alice", "alice@example.com")
	secrets := []string{admin.Token}
	for i := 0; i < 3; i++ {
		var tok struct{ Secret string }
		e.must(201, "POST", "/v1/tokens", admin.Token, map[string]any{"name": "t" + string(rune('a'+i))}).decode(t, &tok)
		secrets = append(secrets, tok.Secret)
		e.must(200, "GET", "/v1/whoami", tok.Secret, nil)
	}
	e.call("GET", "/v1/whoami", "orch_wrong-"+admin.Token, nil)
	e.call("GET", "/v1/whoami?token="+admin.Token, "", nil)
	// A sign-in's ticket and the external ID are secrets too.
	e.must(201, "POST", "/v1/invitations", admin.Token, map[string]any{"email": "bob@example.com"})
	bob := e.join("bob", "bob@example.com")
	var ext struct {
		ExternalID string `json:"external_id"`
	}
	e.must(200, "GET", "/v1/aws/external-id", admin.Token, nil).decode(t, &ext)
	secrets = append(secrets, bob.Token, ext.ExternalID)
	logs := e.Logs.String()
	if !strings.Contains(logs, `"route":"POST /v1/tokens"`) {
		t.Fatal("no access log captured; the test would prove nothing")
	}
	for _, s := range secrets {
		if strings.Contains(logs, s) || strings.Contains(logs, s[5:20]) {
			t.Fatalf("a token secret appears in the logs")
		}
	}
}

// TestRateLimits: past its token's or its address's rate a request answers
// 429 with Retry-After; probes and metrics always get through.
func TestRateLimits(t *testing.T) {
	clock := fakeclock.Manual()
	s := apitest.StartWith(t, func(c *api.Config) {
		c.Now = clock.Now
		c.RateLimits = api.RateLimits{PerToken: api.Rate{PerSecond: 0.5, Burst: 3}}
	})
	_, token, err := s.Identity.EnsureLocal(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	e := &env{Server: s, t: t}
	for i := 0; i < 3; i++ {
		e.must(200, "GET", "/v1/whoami", token, nil)
	}
	r := e.must(429, "GET", "/v1/whoami", token, nil)
	if p := r.problem(t); p.Code != "rate_limited" || r.header.Get("Retry-After") != "2" || p.RequestID == "" {
		t.Fatalf("over the token's rate: Retry-After %q, %+v", r.header.Get("Retry-After"), p)
	}
	for _, path := range []string{"/healthz", "/readyz", "/metrics"} {
		e.must(200, "GET", path, token, nil)
	}
	e.must(401, "GET", "/v1/whoami", "orch_another", nil) // another token has its own bucket
	clock.Advance(2 * time.Second)
	e.must(200, "GET", "/v1/whoami", token, nil)

	// An address's bucket counts every request, with a token or without.
	byAddress := &env{t: t, Server: apitest.StartWith(t, func(c *api.Config) {
		c.Now = clock.Now
		c.RateLimits = api.RateLimits{PerAddress: api.Rate{PerSecond: 1, Burst: 5}}
	})}
	for i := 0; i < 5; i++ {
		byAddress.must(401, "GET", "/v1/whoami", fmt.Sprintf("orch_guess%d", i), nil)
	}
	if r := byAddress.call("GET", "/v1/whoami", "orch_guess5", nil); r.status != 429 || r.header.Get("Retry-After") != "1" {
		t.Fatalf("over the address's rate: %d %q", r.status, r.header.Get("Retry-After"))
	}
	byAddress.must(200, "GET", "/healthz", "", nil)
}
