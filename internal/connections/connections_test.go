package connections_test

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"

	"github.com/orchestera/orchestera/internal/connections"
	"github.com/orchestera/orchestera/internal/domain"
	"github.com/orchestera/orchestera/internal/store/pgtest"
)

// TestExternalIDIsCreatedOnceUnderConcurrency: 30 parallel first reads on
// PostgreSQL used to return 3-10 different external IDs, of which only the
// last one written worked. Twenty trials of ten callers.
func TestExternalIDIsCreatedOnceUnderConcurrency(t *testing.T) {
	st := pgtest.Open(t)
	ctx := context.Background()
	s := connections.New(connections.Config{Store: st, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		PlatformAccount: func(context.Context) (string, error) { return "017059471480", nil }})
	for trial := 0; trial < 20; trial++ {
		org := domain.Organization{ID: domain.NewID("org"), Name: "org-" + domain.NewID("x")[18:], CreatedAt: st.Now()}
		if err := st.CreateOrganization(ctx, org); err != nil {
			t.Fatal(err)
		}
		admin := domain.Principal{OrgID: org.ID, UserID: "usr_x", Role: domain.RoleAdmin}
		got := make([]string, 10)
		errs := make([]error, 10)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range got {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				got[i], _, errs[i] = s.ExternalID(ctx, admin)
			}()
		}
		close(start)
		wg.Wait()
		stored, err := st.GetExternalID(ctx, org.ID)
		if err != nil {
			t.Fatal(err)
		}
		for i := range got {
			if errs[i] != nil || got[i] != stored {
				t.Fatalf("trial %d: caller %d got %q (%v); the organization's external ID is %q", trial, i, got[i], errs[i], stored)
			}
		}
	}
}
