package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/orchestera/orchestera/internal/domain"
)

func testConnections(t *testing.T, s domain.Store) {
	ctx := context.Background()
	a, b := seed(t, s, "acme"), seed(t, s, "beta")
	_, err := s.GetExternalID(ctx, a.org.ID)
	wantCode(t, err, domain.CodeNotFound)
	must(t, s.SetExternalID(ctx, a.org.ID, "first", t0))
	must(t, s.SetExternalID(ctx, a.org.ID, "second", t0.Add(time.Hour))) // rotation replaces it
	if id, err := s.GetExternalID(ctx, a.org.ID); err != nil || id != "second" {
		t.Fatalf("GetExternalID = %q, %v", id, err)
	}
	_, err = s.GetExternalID(ctx, b.org.ID)
	wantCode(t, err, domain.CodeNotFound)

	c := domain.AWSConnection{ID: domain.NewID("conn"), OrgID: a.org.ID, RoleARN: "arn:aws:iam::123456789012:role/OrchesteraAccessRole",
		AccountID: "123456789012", Regions: []string{"us-east-1", "eu-west-1"}, State: domain.ConnectionUnverified, CreatedAt: t0}
	must(t, s.CreateConnection(ctx, c))
	dup := c
	dup.ID = domain.NewID("conn")
	wantCode(t, s.CreateConnection(ctx, dup), domain.CodeConflict)
	verified := t0.Add(time.Minute)
	c.State, c.Hint, c.LastVerifiedAt = domain.ConnectionVerified, "", &verified
	must(t, s.UpdateConnection(ctx, c))
	got, err := s.GetConnection(ctx, a.org.ID, c.ID)
	must(t, err)
	if got.State != domain.ConnectionVerified || len(got.Regions) != 2 || got.Regions[1] != "eu-west-1" || !got.LastVerifiedAt.Equal(verified) {
		t.Fatalf("GetConnection = %+v", got)
	}

	v := domain.Verification{ID: domain.NewID("ver"), OrgID: a.org.ID, ConnectionID: c.ID, StartedAt: t0, EndedAt: verified, Verified: true,
		Checks: []domain.Check{{Name: "assume_role", Status: domain.CheckPass, Evidence: "assumed"}, {Name: "permissions", Status: domain.CheckFail, Missing: []string{"sqs:*"}}}}
	must(t, s.SaveVerification(ctx, v))
	latest, err := s.LatestVerification(ctx, a.org.ID, c.ID)
	must(t, err)
	if !latest.Verified || len(latest.Checks) != 2 || latest.Checks[1].Missing[0] != "sqs:*" {
		t.Fatalf("LatestVerification = %+v", latest)
	}
	must(t, s.AddConnectionEvent(ctx, domain.ConnectionEvent{ID: domain.NewID("evt"), OrgID: a.org.ID, ConnectionID: c.ID, At: t0, Kind: "verification_failed", Message: "m"}))
	if evs, err := s.ListConnectionEvents(ctx, a.org.ID, c.ID); err != nil || len(evs) != 1 || evs[0].Kind != "verification_failed" {
		t.Fatalf("ListConnectionEvents = %+v, %v", evs, err)
	}
	for i := 0; i < 3; i++ {
		must(t, s.AddAudit(ctx, domain.AuditEntry{ID: domain.NewID("aud"), OrgID: a.org.ID, ConnectionID: c.ID, Operation: "verify",
			Action: "iam:GetRole", At: t0.Add(time.Duration(i) * time.Second), Outcome: "ok"}))
	}
	if audit, err := s.ListAudit(ctx, a.org.ID, domain.AuditFilter{Limit: 2}); err != nil || len(audit) != 2 || !audit[0].At.Equal(t0.Add(2*time.Second)) {
		t.Fatalf("ListAudit = %+v, %v", audit, err)
	}

	// Another organization sees and changes nothing.
	_, err = s.GetConnection(ctx, b.org.ID, c.ID)
	wantCode(t, err, domain.CodeNotFound)
	stolen := c
	stolen.OrgID, stolen.State = b.org.ID, domain.ConnectionFailed
	wantCode(t, s.UpdateConnection(ctx, stolen), domain.CodeNotFound)
	wantCode(t, s.DeleteConnection(ctx, b.org.ID, c.ID), domain.CodeNotFound)
	_, err = s.LatestVerification(ctx, b.org.ID, c.ID)
	wantCode(t, err, domain.CodeNotFound)
	for name, n := range map[string]int{"connections": len(must1(s.ListConnections(ctx, b.org.ID))), "events": len(must1(s.ListConnectionEvents(ctx, b.org.ID, c.ID))), "audit": len(must1(s.ListAudit(ctx, b.org.ID, domain.AuditFilter{Limit: 10})))} {
		if n != 0 {
			t.Fatalf("another organization lists %d %s", n, name)
		}
	}
	if all, err := s.AllConnections(ctx); err != nil || len(all) != 1 {
		t.Fatalf("AllConnections = %d, %v", len(all), err)
	}
	must(t, s.DeleteConnection(ctx, a.org.ID, c.ID))
	if audit, _ := s.ListAudit(ctx, a.org.ID, domain.AuditFilter{Limit: 10}); len(audit) != 3 {
		t.Fatalf("deleting a connection dropped its audit entries: %d left", len(audit))
	}
}

func must1[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
