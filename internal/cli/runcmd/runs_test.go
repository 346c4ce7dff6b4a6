package runcmd_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/orchestera/orchestera/internal/cli/clitest"
	"github.com/orchestera/orchestera/internal/config"
)

// TestRunsListFiltersByApplication: --application is the API's
// ?application=, with the other filters.
func TestRunsListFiltersByApplication(t *testing.T) {
	var got url.Values
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.URL.Query()
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"items": [], "next_cursor": ""}`))
	}))
	defer srv.Close()
	home := t.TempDir()
	if err := config.Save(home, config.Client{Server: srv.URL, Token: "orch_test"}); err != nil {
		t.Fatal(err)
	}
	out, err := clitest.Run(t, home, "runs", "list", "--application", "daily-sales", "--state", "failed")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if got.Get("application") != "daily-sales" || got.Get("state") != "failed" || !strings.Contains(out, "ID") {
		t.Fatalf("query %v, output:\n%s", got, out)
	}
}
