package runcmd

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orchestera/orchestera/internal/api"
	"github.com/orchestera/orchestera/internal/client"
	"github.com/orchestera/orchestera/internal/domain"
)

// countPauses replaces pause for a test: waits are counted, not spent.
func countPauses(t *testing.T) *[]time.Duration {
	t.Helper()
	var mu sync.Mutex
	var got []time.Duration
	old := pause
	pause = func(ctx context.Context, d time.Duration) error {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, d)
		return ctx.Err()
	}
	t.Cleanup(func() { pause = old })
	return &got
}

// TestSubmitFailsFastWhenNothingListens: with the server down, run used to
// retry for 6 s in silence before saying so.
func TestSubmitFailsFastWhenNothingListens(t *testing.T) {
	paused := countPauses(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	_, err = submit(context.Background(), client.New("http://"+addr, ""), "local", "default", "k", domain.RunSpec{})
	if err == nil || !strings.Contains(err.Error(), "cannot reach the Orchestera server") || len(*paused) != 0 {
		t.Fatalf("submit to a closed port: %v after %d pauses; want the error at once", err, len(*paused))
	}

	// A server that took the request and gave no answer may have recorded
	// the run: that is retried, with the same idempotency key.
	var keys []string
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		keys = append(keys, r.Header.Get("Idempotency-Key"))
		mu.Unlock()
		conn, _, _ := w.(http.Hijacker).Hijack()
		conn.Close()
	}))
	defer srv.Close()
	_, err = submit(context.Background(), client.New(srv.URL, ""), "local", "default", "k", domain.RunSpec{})
	mu.Lock()
	defer mu.Unlock()
	if err == nil || len(*paused) != 2 || fmt.Sprint(keys) != "[k k k]" {
		t.Fatalf("submit without an answer: %v, %d pauses, keys %v; want 3 tries with the same key", err, len(*paused), keys)
	}
}

// scriptedServer answers GET /v1/runs/{id} and its logs from a script, one
// step per request, and records the log requests' queries.
type scriptedServer struct {
	mu      sync.Mutex
	runs    []func(w http.ResponseWriter)
	logs    []func(w http.ResponseWriter, r *http.Request)
	queries []string
}

func (s *scriptedServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if strings.HasSuffix(r.URL.Path, "/logs") {
		s.queries = append(s.queries, r.URL.RawQuery)
		next := s.logs[0]
		s.logs = s.logs[1:]
		next(w, r)
		return
	}
	next := s.runs[0]
	if len(s.runs) > 1 {
		s.runs = s.runs[1:]
	}
	next(w)
}

func runIs(state domain.RunState, queued *int) func(w http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		json.NewEncoder(w).Encode(api.Run{ID: "run_1", State: state, QueuedBehind: queued})
	}
}

func down(w http.ResponseWriter) {
	conn, _, _ := w.(http.Hijacker).Hijack()
	conn.Close()
}

// TestFollowReconnectsAndResumesTheLog: the server restarts mid-stream. The
// follower used to end with "unexpected EOF" and exit 1 while the run went
// on to succeed; it now waits for the server, resumes the log at the byte
// where it broke, and returns the run's real outcome.
func TestFollowReconnectsAndResumesTheLog(t *testing.T) {
	paused := countPauses(t)
	two, one := 2, 1
	s := &scriptedServer{
		runs: []func(http.ResponseWriter){
			runIs(domain.RunPending, &two), runIs(domain.RunPending, &one), runIs(domain.RunRunning, nil),
			func(w http.ResponseWriter) { down(w) }, func(w http.ResponseWriter) { w.WriteHeader(503) }, // restarting
			runIs(domain.RunRunning, nil), runIs(domain.RunSucceeded, nil),
		},
		logs: []func(http.ResponseWriter, *http.Request){
			func(w http.ResponseWriter, r *http.Request) { // the first stream breaks after a line and a half
				w.Header().Set("X-Log-Offset", "0")
				w.Write([]byte("first line\nsec"))
				w.(http.Flusher).Flush()
				down(w)
			},
			func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("X-Log-Offset", r.URL.Query().Get("offset"))
				w.Write([]byte("ond line\ndone\n"))
			},
		},
	}
	srv := httptest.NewServer(s)
	defer srv.Close()
	var log, status bytes.Buffer
	f := &follower{c: client.New(srv.URL, ""), id: "run_1", log: &log, status: &status}
	r, err := f.follow(context.Background())
	if err != nil || r.State != domain.RunSucceeded {
		t.Fatalf("follow = %+v, %v\nstatus:\n%s", r, err, status.String())
	}
	if log.String() != "first line\nsecond line\ndone\n" {
		t.Fatalf("the log printed %q; want every byte once", log.String())
	}
	if len(s.queries) != 2 || !strings.Contains(s.queries[1], "offset=14") {
		t.Fatalf("log requests %v; want the second to resume at offset 14", s.queries)
	}
	for _, want := range []string{"queued behind 2 runs", "queued behind 1 run\n", "lost the connection", "reconnected"} {
		if !strings.Contains(status.String(), want) {
			t.Errorf("status lacks %q:\n%s", want, status.String())
		}
	}
	if len(*paused) == 0 {
		t.Fatal("the follower never waited")
	}
}
