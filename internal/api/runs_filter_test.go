package api_test

import (
	"context"
	"testing"

	"github.com/orchestera/orchestera/internal/api"
)

// The application filter reads the stored spec, page after page of the
// store, so its pages must be full and its cursor must go on from there.
func TestRunsFilterByApplication(t *testing.T) {
	e := newEnv(t)
	admin := e.signIn("alice", "alice@example.com")
	if err := e.Stacks.EnsureLocal(context.Background(), admin.Organization.ID); err != nil {
		t.Fatal(err)
	}
	project := t.TempDir()
	for _, app := range []string{"a", "b", "b", "a", "b", "a", "a"} {
		e.must(201, "POST", "/v1/stacks/local/namespaces/default/runs", admin.Token, runBody(project, app))
	}
	var seen []api.Run
	cursor := ""
	for pages := 0; ; pages++ {
		var page api.RunPage
		e.must(200, "GET", "/v1/runs"+query("application", "b", "limit", "2", "cursor", cursor), admin.Token, nil).decode(t, &page)
		seen = append(seen, page.Items...)
		if page.NextCursor == "" {
			break
		}
		if len(page.Items) != 2 || pages > 3 {
			t.Fatalf("a page before the last has %d runs (page %d)", len(page.Items), pages)
		}
		cursor = page.NextCursor
	}
	if len(seen) != 3 {
		t.Fatalf("application b: %d runs, want 3", len(seen))
	}
	for _, r := range seen {
		if r.Spec.ApplicationName != "b" {
			t.Fatalf("the filter let through %+v", r)
		}
	}
}
