package api_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/orchestera/orchestera/internal/api"
)

// The executor in these tests never starts, so runs stay pending: this is
// about the API's rules; real runs are tested end to end in cmd/orchestera.
func TestRunSubmissionRules(t *testing.T) {
	e := newEnv(t)
	admin := e.signIn("alice", "alice@example.com")
	if err := e.Stacks.EnsureLocal(context.Background(), admin.Organization.ID); err != nil {
		t.Fatal(err)
	}
	project := t.TempDir()
	path := "/v1/stacks/local/namespaces/default/runs"
	cases := []struct {
		name        string
		body        map[string]any
		field, rule string
	}{
		{"classpath without a class", map[string]any{"classpath": "hello", "application_name": "a", "project": project}, "classpath", "python_classpath"},
		{"application name with capitals", map[string]any{"classpath": "a.B", "application_name": "Hello", "project": project}, "application_name", "dns1123_label"},
		{"relative project", map[string]any{"classpath": "a.B", "application_name": "a", "project": "examples/x"}, "project", "absolute_path"},
		{"missing project", map[string]any{"classpath": "a.B", "application_name": "a", "project": "/nonexistent/x"}, "project", "directory_exists"},
		{"bad executor memory", map[string]any{"classpath": "a.B", "application_name": "a", "project": project, "executor_memory": "lots"}, "executor_memory", "spark_memory"},
		{"bad cpu request", map[string]any{"classpath": "a.B", "application_name": "a", "project": project, "resources": map[string]string{"cpu_request": "fast"}}, "cpu_request", "kubernetes_cpu"},
		{"unknown secret", map[string]any{"classpath": "a.B", "application_name": "a", "project": project, "pull_secrets_from": []string{"db"}}, "pull_secrets_from", "secret_exists"},
		{"bad argument name", map[string]any{"classpath": "a.B", "application_name": "a", "project": project, "args": []map[string]string{{"key": "--x", "value": "1"}}}, "args", "argument_name"},
		// 0 executors used to become 1 silently.
		{"zero executors", map[string]any{"classpath": "a.B", "application_name": "a", "project": project, "executor_instances": 0}, "executor_instances", "minimum"},
		{"negative cores", map[string]any{"classpath": "a.B", "application_name": "a", "project": project, "executor_cores": -1}, "executor_cores", "minimum"},
		{"zero cores", map[string]any{"classpath": "a.B", "application_name": "a", "project": project, "executor_cores": 0}, "executor_cores", "minimum"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := e.must(400, "POST", path, admin.Token, c.body)
			if f := r.problem(t).Errors[0]; f.Field != c.field || f.Rule != c.rule {
				t.Fatalf("field error %+v, want %s/%s", f, c.field, c.rule)
			}
		})
	}
	var page api.RunPage
	e.must(200, "GET", "/v1/runs", admin.Token, nil).decode(t, &page)
	if len(page.Items) != 0 {
		t.Fatalf("refused submissions created %d runs", len(page.Items))
	}
	e.must(404, "POST", "/v1/stacks/nope/namespaces/default/runs", admin.Token, runBody(project, "a"))
	e.must(404, "POST", "/v1/stacks/local/namespaces/nope/runs", admin.Token, runBody(project, "a"))
}

func TestIdempotencyPaginationAndCancel(t *testing.T) {
	e := newEnv(t)
	admin := e.signIn("alice", "alice@example.com")
	if err := e.Stacks.EnsureLocal(context.Background(), admin.Organization.ID); err != nil {
		t.Fatal(err)
	}
	project := t.TempDir()
	submit := func(key, app string) response {
		return e.callWithHeader("POST", "/v1/stacks/local/namespaces/default/runs", admin.Token, map[string]string{"Idempotency-Key": key}, runBody(project, app))
	}
	first := submit("k1", "app")
	again := submit("k1", "app")
	var a, b api.Run
	first.decode(t, &a)
	again.decode(t, &b)
	if first.status != 201 || again.status != 200 || a.ID != b.ID || a.State != "pending" {
		t.Fatalf("resubmission: %d %s then %d %s", first.status, a.ID, again.status, b.ID)
	}
	if r := submit("k1", "other"); r.status != 409 {
		t.Fatalf("same key, other spec: %d %s", r.status, r.body)
	}

	for i := 0; i < 4; i++ {
		submit(fmt.Sprintf("p%d", i), "app")
	}
	seen := map[string]bool{}
	cursor := ""
	for pages := 0; pages < 10; pages++ {
		var page api.RunPage
		e.must(200, "GET", "/v1/runs?limit=2&cursor="+cursor, admin.Token, nil).decode(t, &page)
		for _, r := range page.Items {
			if seen[r.ID] {
				t.Fatalf("run %s on two pages", r.ID)
			}
			seen[r.ID] = true
		}
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	if len(seen) != 5 {
		t.Fatalf("paged through %d runs, want 5", len(seen))
	}
	e.must(400, "GET", "/v1/runs?cursor=garbage", admin.Token, nil)
	e.must(400, "GET", "/v1/runs?state=done", admin.Token, nil)

	var cancelled api.Run
	e.must(200, "POST", "/v1/runs/"+a.ID+"/cancel", admin.Token, nil).decode(t, &cancelled)
	if cancelled.State != "cancelled" || cancelled.Reason != "cancelled" {
		t.Fatalf("cancelled pending run = %+v", cancelled)
	}
	e.must(200, "POST", "/v1/runs/"+a.ID+"/cancel", admin.Token, nil) // repeating is harmless
	var list api.RunPage
	e.must(200, "GET", "/v1/stacks/local/namespaces/default/runs?state=cancelled", admin.Token, nil).decode(t, &list)
	if len(list.Items) != 1 || list.Items[0].ID != a.ID {
		t.Fatalf("filtered list = %+v", list.Items)
	}
	if logs := e.must(200, "GET", "/v1/runs/"+a.ID+"/logs", admin.Token, nil); len(logs.body) != 0 {
		t.Fatalf("a run that never started has log %q", logs.body)
	}
}

// TestRunLogTailOffsetAndQueue: a log can start with its last lines, resume
// at a byte offset (how a follower reconnects), and a pending run says how
// many runs it waits for.
func TestRunLogTailOffsetAndQueue(t *testing.T) {
	e := newEnv(t)
	admin := e.signIn("alice", "alice@example.com")
	if err := e.Stacks.EnsureLocal(context.Background(), admin.Organization.ID); err != nil {
		t.Fatal(err)
	}
	project := t.TempDir()
	var first, second api.Run
	e.must(201, "POST", "/v1/stacks/local/namespaces/default/runs", admin.Token, runBody(project, "a")).decode(t, &first)
	e.must(201, "POST", "/v1/stacks/local/namespaces/default/runs", admin.Token, runBody(project, "b")).decode(t, &second)
	var got api.Run
	e.must(200, "GET", "/v1/runs/"+second.ID, admin.Token, nil).decode(t, &got)
	if got.QueuedBehind == nil || *got.QueuedBehind != 1 {
		t.Fatalf("the second pending run: queued_behind %v, want 1", got.QueuedBehind)
	}

	dir := filepath.Join(e.RunsHome, "runs", first.ID)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "log"), []byte("one\ntwo\nthree\nfour"), 0o600); err != nil {
		t.Fatal(err)
	}
	for query, want := range map[string]string{
		"":                 "one\ntwo\nthree\nfour",
		"?tail=2":          "three\nfour",
		"?tail=0":          "",
		"?tail=10":         "one\ntwo\nthree\nfour",
		"?offset=4":        "two\nthree\nfour",
		"?offset=4&tail=1": "four",
		"?offset=100":      "",
	} {
		if r := e.must(200, "GET", "/v1/runs/"+first.ID+"/logs"+query, admin.Token, nil); string(r.body) != want {
			t.Errorf("logs%s = %q, want %q", query, r.body, want)
		}
	}
	for query, want := range map[string]string{"?tail=2": "8", "?offset=4&tail=1": "14", "?offset=4": "4", "": "0"} {
		if r := e.must(200, "GET", "/v1/runs/"+first.ID+"/logs"+query, admin.Token, nil); r.header.Get("X-Log-Offset") != want {
			t.Errorf("logs%s starts at X-Log-Offset %q, want %s", query, r.header.Get("X-Log-Offset"), want)
		}
	}
	// The supervisor's samples of the log's size date its bytes.
	t0 := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	index := fmt.Sprintf("%d 4\n%d 8\n%d 18\n", t0.UnixMilli(), t0.Add(time.Second).UnixMilli(), t0.Add(2*time.Second).UnixMilli())
	if err := os.WriteFile(filepath.Join(dir, "log.index"), []byte(index), 0o600); err != nil {
		t.Fatal(err)
	}
	for since, want := range map[time.Time]string{
		t0.Add(-time.Hour):              "one\ntwo\nthree\nfour",
		t0.Add(time.Second):             "two\nthree\nfour",
		t0.Add(1500 * time.Millisecond): "three\nfour",
		t0.Add(time.Hour):               "",
	} {
		q := "?since=" + url.QueryEscape(since.Format(time.RFC3339Nano))
		if r := e.must(200, "GET", "/v1/runs/"+first.ID+"/logs"+q, admin.Token, nil); string(r.body) != want {
			t.Errorf("logs since %s = %q, want %q", since, r.body, want)
		}
	}
	e.must(400, "GET", "/v1/runs/"+first.ID+"/logs?tail=-1", admin.Token, nil)
	e.must(400, "GET", "/v1/runs/"+first.ID+"/logs?offset=-1", admin.Token, nil)
}
