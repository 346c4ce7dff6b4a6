package api_test

import (
	"strings"
	"testing"

	"github.com/orchestera/orchestera/internal/api"
	"github.com/orchestera/orchestera/internal/domain"
)

func TestExternalIDIsGeneratedStableAndRotatable(t *testing.T) {
	e := newEnv(t)
	admin := e.signIn("alice", "alice@example.com")
	var first, again api.ExternalID
	e.must(200, "GET", "/v1/aws/external-id", admin.Token, nil).decode(t, &first)
	e.must(200, "GET", "/v1/aws/external-id", admin.Token, nil).decode(t, &again)
	if len(first.ExternalID) < 22 || first.ExternalID != again.ExternalID || first.PlatformAccountID != platformAccount {
		t.Fatalf("external id %q then %q", first.ExternalID, again.ExternalID)
	}
	if !strings.Contains(string(first.TrustPolicy), first.ExternalID) || !strings.Contains(string(first.TrustPolicy), "arn:aws:iam::"+platformAccount+":root") {
		t.Fatalf("trust policy: %s", first.TrustPolicy)
	}
	other := e.signIn("bob", "bob@example.com")
	var theirs api.ExternalID
	e.must(200, "GET", "/v1/aws/external-id", other.Token, nil).decode(t, &theirs)
	if theirs.ExternalID == first.ExternalID {
		t.Fatal("two organizations share an external id")
	}

	var conn api.Connection
	e.must(201, "POST", "/v1/aws-connections", admin.Token, map[string]any{"role_arn": "arn:aws:iam::123456789012:role/OrchesteraAccessRole"}).decode(t, &conn)
	e.Verifier.Set(domain.Check{Name: "assume_role", Status: domain.CheckPass, Evidence: "ok"})
	e.must(200, "POST", "/v1/aws-connections/"+conn.ID+"/verify", admin.Token, nil)

	var rotated api.ExternalID
	e.must(200, "POST", "/v1/aws/external-id/rotate", admin.Token, nil).decode(t, &rotated)
	if rotated.ExternalID == first.ExternalID {
		t.Fatal("rotation kept the external id")
	}
	var after api.Connection
	e.must(200, "GET", "/v1/aws-connections/"+conn.ID, admin.Token, nil).decode(t, &after)
	if after.State != "unverified" || !strings.Contains(after.Hint, "rotated") {
		t.Fatalf("after rotation: %s %q", after.State, after.Hint)
	}
	e.must(200, "POST", "/v1/aws-connections/"+conn.ID+"/verify", admin.Token, nil)
	if seen := e.Verifier.Last(); seen.ExternalID != rotated.ExternalID || seen.PlatformAccountID != platformAccount {
		t.Fatalf("verification used external id %q", seen.ExternalID)
	}
}

func TestConnectionValidationAndRoles(t *testing.T) {
	e := newEnv(t)
	admin := e.signIn("alice", "alice@example.com")
	for _, c := range []struct {
		body        map[string]any
		field, rule string
	}{
		{map[string]any{"role_arn": "arn:aws:iam::12345:role/x"}, "role_arn", "iam_role_arn"},
		{map[string]any{"role_arn": "arn:aws:iam::123456789012:user/x"}, "role_arn", "iam_role_arn"},
		{map[string]any{"role_arn": "arn:aws:iam::123456789012:role/x", "regions": []string{"ap-south-9"}}, "regions", "supported_region"},
		{map[string]any{"role_arn": "arn:aws:iam::123456789012:role/x", "regions": []string{"moon"}}, "regions", "aws_region"},
		{map[string]any{"role_arn": "arn:aws:iam::123456789012:role/x", "regions": []string{"us-east-1", "us-east-1"}}, "regions", "unique"},
	} {
		r := e.must(400, "POST", "/v1/aws-connections", admin.Token, c.body)
		if f := r.problem(t).Errors[0]; f.Field != c.field || f.Rule != c.rule {
			t.Errorf("%v: %+v, want %s/%s", c.body, f, c.field, c.rule)
		}
	}
	var conn api.Connection
	e.must(201, "POST", "/v1/aws-connections", admin.Token, map[string]any{"role_arn": "arn:aws:iam::123456789012:role/path/OrchesteraAccessRole", "regions": []string{"eu-west-1", "us-east-1"}}).decode(t, &conn)
	if conn.AccountID != "123456789012" || conn.State != "unverified" || len(conn.Regions) != 2 {
		t.Fatalf("created %+v", conn)
	}
	e.must(409, "POST", "/v1/aws-connections", admin.Token, map[string]any{"role_arn": "arn:aws:iam::123456789012:role/path/OrchesteraAccessRole"})

	e.must(201, "POST", "/v1/invitations", admin.Token, map[string]any{"email": "bob@example.com"})
	member := e.join("bob", "bob@example.com")
	for _, c := range []struct{ method, path string }{
		{"GET", "/v1/aws/external-id"}, {"POST", "/v1/aws/external-id/rotate"}, {"DELETE", "/v1/aws-connections/" + conn.ID}, {"GET", "/v1/audit"},
		{"POST", "/v1/aws-connections/" + conn.ID + "/verify"},
	} {
		e.must(403, c.method, c.path, member.Token, nil)
	}
	e.must(403, "POST", "/v1/aws-connections", member.Token, map[string]any{"role_arn": "arn:aws:iam::123456789012:role/y"})
	e.must(200, "GET", "/v1/aws-connections/"+conn.ID, member.Token, nil)
}

func TestVerificationVerdictsEventsAndAudit(t *testing.T) {
	e := newEnv(t)
	admin := e.signIn("alice", "alice@example.com")
	var conn api.Connection
	e.must(201, "POST", "/v1/aws-connections", admin.Token, map[string]any{"role_arn": "arn:aws:iam::123456789012:role/OrchesteraAccessRole"}).decode(t, &conn)
	verify := func() api.Connection {
		var c api.Connection
		e.must(200, "POST", "/v1/aws-connections/"+conn.ID+"/verify", admin.Token, nil).decode(t, &c)
		return c
	}
	pass := domain.Check{Name: "assume_role", Status: domain.CheckPass, Evidence: "assumed"}
	e.Verifier.Set(pass, domain.Check{Name: "permissions", Status: domain.CheckPass, Evidence: "all 42 actions granted"})
	if c := verify(); c.State != "verified" || !c.Verification.Verified || len(c.Verification.Checks) != 2 {
		t.Fatalf("passing checks: %+v", c)
	}
	e.Verifier.Set(pass, domain.Check{Name: "permissions", Status: domain.CheckFail, Evidence: "2 actions missing", Fix: "attach the statement", Missing: []string{"sqs:*", "eks:*"}})
	failed := verify()
	if failed.State != "failed" || failed.Verification.Verified || failed.Hint != "permissions: attach the statement" || failed.Verification.Checks[1].Missing[0] != "sqs:*" {
		t.Fatalf("failing check: %+v", failed)
	}
	verify() // still failing: no new event
	var events []api.ConnectionEvent
	e.must(200, "GET", "/v1/aws-connections/"+conn.ID+"/events", admin.Token, nil).decode(t, &events)
	if len(events) != 2 || events[0].Kind != "verified" || events[1].Kind != "verification_failed" {
		t.Fatalf("events = %+v", events)
	}
	var me api.Whoami
	e.must(200, "GET", "/v1/whoami", admin.Token, nil).decode(t, &me)
	var audit api.AuditPage
	e.must(200, "GET", "/v1/audit?limit=10&connection="+conn.ID, admin.Token, nil).decode(t, &audit)
	calls := audit.Items[:3]
	for _, a := range calls {
		if a.Action != "sts:AssumeRole" || a.Operation != "verify" || a.ConnectionID != conn.ID || a.Actor != (api.Actor{UserID: admin.User.ID, TokenID: me.TokenID}) {
			t.Fatalf("audit = %+v", audit.Items)
		}
	}
	if len(audit.Items) != 4 || audit.Items[3].Action != domain.AuditCreateConnection {
		t.Fatalf("audit = %+v, want 3 verifications and the connection's creation", audit.Items)
	}
	e.must(204, "DELETE", "/v1/aws-connections/"+conn.ID, admin.Token, nil)
	e.must(404, "GET", "/v1/aws-connections/"+conn.ID, admin.Token, nil)
	e.must(200, "GET", "/v1/audit?connection="+conn.ID, admin.Token, nil).decode(t, &audit)
	if len(audit.Items) != 5 || audit.Items[0].Action != domain.AuditDeleteConnection || audit.Items[0].Actor.UserID != admin.User.ID {
		t.Fatalf("audit after delete = %+v; want the deletion, and every entry kept", audit.Items)
	}
}

// TestMembersNeverSeeTheExternalID: a failing verification's fix quotes the
// trust policy to set, with the external ID in it; members read hints,
// checks and events, so the external ID stays out of all of them. Verify
// itself acts as the customer's role and is for admins.
func TestMembersNeverSeeTheExternalID(t *testing.T) {
	e := newEnv(t)
	admin := e.signIn("alice", "alice@example.com")
	var ext api.ExternalID
	e.must(200, "GET", "/v1/aws/external-id", admin.Token, nil).decode(t, &ext)
	var conn api.Connection
	e.must(201, "POST", "/v1/aws-connections", admin.Token, map[string]any{"role_arn": "arn:aws:iam::123456789012:role/OrchesteraAccessRole"}).decode(t, &conn)
	e.Verifier.Set(domain.Check{Name: "assume_role", Status: domain.CheckFail,
		Evidence: "AccessDenied: the trust policy lacks sts:ExternalId " + ext.ExternalID,
		Fix:      "orchestera aws trust-policy --external-id " + ext.ExternalID + " --platform-account-id " + platformAccount})
	verified := e.must(200, "POST", "/v1/aws-connections/"+conn.ID+"/verify", admin.Token, nil)
	if !strings.Contains(string(verified.body), "--external-id $EXTERNAL_ID") {
		t.Fatalf("the fix lost its shape: %s", verified.body)
	}
	e.must(201, "POST", "/v1/invitations", admin.Token, map[string]any{"email": "bob@example.com"})
	member := e.join("bob", "bob@example.com")
	for _, path := range []string{"/v1/aws-connections", "/v1/aws-connections/" + conn.ID, "/v1/aws-connections/" + conn.ID + "/events"} {
		if r := e.must(200, "GET", path, member.Token, nil); strings.Contains(string(r.body), ext.ExternalID) {
			t.Errorf("a member reads the external ID in GET %s: %s", path, r.body)
		}
	}
	if r := e.must(403, "POST", "/v1/aws-connections/"+conn.ID+"/verify", member.Token, nil); r.problem(t).Code != "forbidden" {
		t.Fatalf("a member verifying: %s", r.body)
	}
}
