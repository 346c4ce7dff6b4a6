package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/orchestera/orchestera/internal/domain"
)

// Race tests run this many trials of this many concurrent transactions:
// with real concurrency a lost update shows up in a few trials at most.
const (
	raceTrials     = 20
	raceGoroutines = 10
)

// testLockMembers: ten admins each remove themselves unless they are the
// last, at once. Without the lock each transaction counts ten admins before
// any commits, and on PostgreSQL the organization ends with none.
func testLockMembers(t *testing.T, s domain.Store) {
	ctx := context.Background()
	for trial := 0; trial < raceTrials; trial++ {
		f := seed(t, s, fmt.Sprintf("race-%d", trial))
		admins := []string{f.user.ID}
		for i := 1; i < raceGoroutines; i++ {
			u := domain.User{ID: domain.NewID("usr"), Email: fmt.Sprintf("admin%d-%d@example.com", trial, i), Name: "a", CreatedAt: t0}
			must(t, s.CreateUser(ctx, u))
			must(t, s.AddMember(ctx, domain.Membership{OrgID: f.org.ID, UserID: u.ID, Role: domain.RoleAdmin, CreatedAt: t0}))
			admins = append(admins, u.ID)
		}
		start := make(chan struct{})
		errs := make(chan error, len(admins))
		var wg sync.WaitGroup
		for _, id := range admins {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				errs <- s.InTx(ctx, func(tx domain.Tx) error {
					if err := tx.LockMembers(ctx, f.org.ID); err != nil {
						return err
					}
					ms, err := tx.ListMembers(ctx, f.org.ID)
					if err != nil {
						return err
					}
					if len(ms) == 1 {
						return nil // the last admin stays
					}
					return tx.RemoveMember(ctx, f.org.ID, id)
				})
			}()
		}
		close(start)
		wg.Wait()
		close(errs)
		for err := range errs {
			must(t, err)
		}
		left, err := s.ListMembers(ctx, f.org.ID)
		must(t, err)
		if len(left) != 1 {
			t.Fatalf("trial %d: %d admins left, want exactly 1", trial, len(left))
		}
	}
	wantCode(t, s.InTx(ctx, func(tx domain.Tx) error { return tx.LockMembers(ctx, "org_missing") }), domain.CodeNotFound)
}

// testEnsureExternalIDConcurrently: concurrent first uses of an
// organization's external ID all get the one that was stored.
func testEnsureExternalIDConcurrently(t *testing.T, s domain.Store) {
	ctx := context.Background()
	for trial := 0; trial < raceTrials; trial++ {
		f := seed(t, s, fmt.Sprintf("ext-%d", trial))
		start := make(chan struct{})
		got := make([]string, raceGoroutines)
		errs := make([]error, raceGoroutines)
		var wg sync.WaitGroup
		for i := range raceGoroutines {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				got[i], errs[i] = s.EnsureExternalID(ctx, f.org.ID, fmt.Sprintf("candidate-%d", i), t0)
			}()
		}
		close(start)
		wg.Wait()
		stored, err := s.GetExternalID(ctx, f.org.ID)
		must(t, err)
		for i := range got {
			must(t, errs[i])
			if got[i] != stored {
				t.Fatalf("trial %d: caller %d got %q, the store holds %q", trial, i, got[i], stored)
			}
		}
	}
	// An existing ID is kept; rotation (SetExternalID) still replaces it.
	f := seed(t, s, "kept")
	must(t, s.SetExternalID(ctx, f.org.ID, "first", t0))
	if id, err := s.EnsureExternalID(ctx, f.org.ID, "second", t0); err != nil || id != "first" {
		t.Fatalf("EnsureExternalID over an existing one = %q, %v", id, err)
	}
}

func testAuditFilters(t *testing.T, s domain.Store) {
	ctx := context.Background()
	a, b := seed(t, s, "acme"), seed(t, s, "beta")
	add := func(at time.Duration, conn, stack, user, token string) domain.AuditEntry {
		e := domain.AuditEntry{ID: domain.NewID("aud"), OrgID: a.org.ID, ConnectionID: conn, Stack: stack, Operation: "op", Action: "sts:AssumeRole",
			Target: "x", At: t0.Add(at), Outcome: "ok", ActorUserID: user, ActorTokenID: token}
		must(t, s.AddAudit(ctx, e))
		return e
	}
	e1 := add(1*time.Second, "conn_1", "", "usr_1", "tok_1")
	e2 := add(2*time.Second, "conn_1", "etl", "usr_2", "tok_2")
	e3 := add(2*time.Second, "conn_2", "etl", "", "") // same time as e2: the id breaks the tie
	e4 := add(3*time.Second, "", "", "usr_1", "tok_3")
	ids := func(es []domain.AuditEntry) []string {
		out := []string{}
		for _, e := range es {
			out = append(out, e.ID)
		}
		return out
	}
	newer := func(x, y domain.AuditEntry) (domain.AuditEntry, domain.AuditEntry) {
		if x.ID > y.ID {
			return x, y
		}
		return y, x
	}
	hi, lo := newer(e2, e3)
	for name, c := range map[string]struct {
		f    domain.AuditFilter
		want []domain.AuditEntry
	}{
		"all":             {domain.AuditFilter{Limit: 10}, []domain.AuditEntry{e4, hi, lo, e1}},
		"connection":      {domain.AuditFilter{ConnectionID: "conn_1", Limit: 10}, []domain.AuditEntry{e2, e1}},
		"stack":           {domain.AuditFilter{Stack: "etl", Limit: 10}, []domain.AuditEntry{hi, lo}},
		"actor by user":   {domain.AuditFilter{Actor: "usr_1", Limit: 10}, []domain.AuditEntry{e4, e1}},
		"actor by token":  {domain.AuditFilter{Actor: "tok_2", Limit: 10}, []domain.AuditEntry{e2}},
		"time window":     {domain.AuditFilter{Since: t0.Add(2 * time.Second), Until: t0.Add(3 * time.Second), Limit: 10}, []domain.AuditEntry{hi, lo}},
		"limit":           {domain.AuditFilter{Limit: 2}, []domain.AuditEntry{e4, hi}},
		"after a cursor":  {domain.AuditFilter{BeforeAt: hi.At, BeforeID: hi.ID, Limit: 10}, []domain.AuditEntry{lo, e1}},
		"other org sees":  {domain.AuditFilter{Limit: 10, Actor: "nobody"}, nil},
		"cursor + filter": {domain.AuditFilter{Actor: "usr_1", BeforeAt: e4.At, BeforeID: e4.ID, Limit: 10}, []domain.AuditEntry{e1}},
	} {
		got, err := s.ListAudit(ctx, a.org.ID, c.f)
		must(t, err)
		if fmt.Sprint(ids(got)) != fmt.Sprint(ids(c.want)) {
			t.Errorf("%s: ListAudit = %v, want %v", name, ids(got), ids(c.want))
		}
	}
	got, err := s.ListAudit(ctx, a.org.ID, domain.AuditFilter{Limit: 1})
	must(t, err)
	if got[0] != e4 {
		t.Fatalf("an entry reads back as %+v, want %+v", got[0], e4)
	}
	if other, _ := s.ListAudit(ctx, b.org.ID, domain.AuditFilter{Limit: 10}); len(other) != 0 {
		t.Fatalf("another organization lists %d entries", len(other))
	}
}

func testSignInTickets(t *testing.T, s domain.Store) {
	ctx := context.Background()
	f := seed(t, s, "acme")
	old := domain.SignInTicket{Hash: domain.HashToken("old"), UserID: f.user.ID, CreatedAt: t0, ExpiresAt: t0.Add(time.Minute)}
	must(t, s.CreateSignInTicket(ctx, old))
	got, err := s.GetSignInTicket(ctx, old.Hash)
	must(t, err)
	if got != old {
		t.Fatalf("GetSignInTicket = %+v, want %+v", got, old)
	}
	// Creating a ticket drops the expired ones.
	fresh := domain.SignInTicket{Hash: domain.HashToken("fresh"), UserID: f.user.ID, CreatedAt: t0.Add(time.Hour), ExpiresAt: t0.Add(2 * time.Hour)}
	must(t, s.CreateSignInTicket(ctx, fresh))
	_, err = s.GetSignInTicket(ctx, old.Hash)
	wantCode(t, err, domain.CodeNotFound)
	must(t, s.DeleteSignInTicket(ctx, fresh.Hash))
	wantCode(t, s.DeleteSignInTicket(ctx, fresh.Hash), domain.CodeNotFound) // used once
	if err := s.CreateSignInTicket(ctx, domain.SignInTicket{Hash: "h", UserID: "usr_missing", CreatedAt: t0, ExpiresAt: t0}); err == nil {
		t.Fatal("a ticket for a missing user was stored")
	}
}

func testRunsAhead(t *testing.T, s domain.Store) {
	ctx := context.Background()
	a := seed(t, s, "acme")
	st := seedStack(t, s, a)
	var runs []domain.Run
	for i, state := range []domain.RunState{domain.RunSucceeded, domain.RunRunning, domain.RunPending, domain.RunStarting, domain.RunPending, domain.RunPending} {
		r := newRun(a, st, fmt.Sprintf("k%d", i), t0.Add(time.Duration(i)*time.Second))
		must(t, s.CreateRun(ctx, r))
		if state != domain.RunPending {
			r.State = state
			must(t, s.UpdateRun(ctx, r, domain.RunPending))
		}
		runs = append(runs, r)
	}
	for i, want := range map[int]int{2: 2, 4: 3, 5: 4} { // running + starting + the pending ones before it
		if n, err := s.CountRunsAhead(ctx, runs[i]); err != nil || n != want {
			t.Errorf("run %d: CountRunsAhead = %d, %v; want %d", i, n, err, want)
		}
	}
}
