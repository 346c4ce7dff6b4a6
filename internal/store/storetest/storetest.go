// Package storetest is the store contract: one suite of behaviour that every
// domain.Store implementation must pass, run against SQLite and PostgreSQL.
package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/orchestera/orchestera/internal/domain"
)

// Opener returns a fresh, empty, migrated store for one test.
type Opener func(t *testing.T) domain.Store

var t0 = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

// Run runs every contract test against stores from open.
func Run(t *testing.T, open Opener) {
	tests := map[string]func(*testing.T, domain.Store){
		"organizations":                    testOrganizations,
		"users":                            testUsers,
		"one organization a user":          testOneOrgPerUser,
		"members":                          testMembers,
		"invitations":                      testInvitations,
		"tokens":                           testTokens,
		"scoping":                          testScoping,
		"transactions roll back":           testRollback,
		"stacks and namespaces":            testStacks,
		"runs":                             testRuns,
		"aws connections":                  testConnections,
		"aws stacks":                       testAWSStacks,
		"last admin under concurrency":     testLockMembers,
		"external id created once":         testEnsureExternalIDConcurrently,
		"audit filters, paging and actors": testAuditFilters,
		"sign-in tickets":                  testSignInTickets,
		"runs ahead in the queue":          testRunsAhead,
	}
	for name, fn := range tests {
		t.Run(name, func(t *testing.T) { fn(t, open(t)) })
	}
}

// fixture is one organization with one admin.
type fixture struct {
	org  domain.Organization
	user domain.User
}

func seed(t *testing.T, s domain.Store, name string) fixture {
	t.Helper()
	ctx := context.Background()
	f := fixture{
		org:  domain.Organization{ID: domain.NewID("org"), Name: name, CreatedAt: t0},
		user: domain.User{ID: domain.NewID("usr"), Email: name + "@example.com", Name: name, CreatedAt: t0},
	}
	must(t, s.CreateOrganization(ctx, f.org))
	must(t, s.CreateUser(ctx, f.user))
	must(t, s.AddMember(ctx, domain.Membership{OrgID: f.org.ID, UserID: f.user.ID, Role: domain.RoleAdmin, CreatedAt: t0}))
	return f
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantCode(t *testing.T, err error, code domain.Code) {
	t.Helper()
	if got := domain.ErrorCode(err); err == nil || got != code {
		t.Fatalf("error = %v (code %s), want code %s", err, got, code)
	}
}

func testOrganizations(t *testing.T, s domain.Store) {
	ctx := context.Background()
	f := seed(t, s, "acme")
	got, err := s.GetOrganization(ctx, f.org.ID)
	must(t, err)
	if got != f.org {
		t.Fatalf("GetOrganization = %+v, want %+v", got, f.org)
	}
	taken, err := s.OrganizationNameTaken(ctx, "acme")
	must(t, err)
	free, err := s.OrganizationNameTaken(ctx, "other")
	must(t, err)
	if !taken || free {
		t.Fatalf("OrganizationNameTaken(acme, other) = %v, %v; want true, false", taken, free)
	}
	wantCode(t, s.CreateOrganization(ctx, domain.Organization{ID: domain.NewID("org"), Name: "acme", CreatedAt: t0}), domain.CodeConflict)
	u, o, err := s.GetUserInOrganization(ctx, f.org.ID, f.user.ID)
	must(t, err)
	if u != f.user || o != f.org {
		t.Fatalf("GetUserInOrganization = %+v, %+v", u, o)
	}
	other := seed(t, s, "other")
	_, _, err = s.GetUserInOrganization(ctx, other.org.ID, f.user.ID)
	wantCode(t, err, domain.CodeNotFound)
	_, err = s.GetOrganization(ctx, "org_missing")
	wantCode(t, err, domain.CodeNotFound)
}

func testUsers(t *testing.T, s domain.Store) {
	ctx := context.Background()
	f := seed(t, s, "acme")
	byEmail, err := s.GetUserByEmail(ctx, f.user.Email)
	must(t, err)
	if byEmail != f.user {
		t.Fatalf("GetUserByEmail = %+v, want %+v", byEmail, f.user)
	}
	must(t, s.SetUserGitHubID(ctx, f.user.ID, 4242))
	byGH, err := s.GetUserByGitHubID(ctx, 4242)
	must(t, err)
	if byGH.ID != f.user.ID || byGH.GitHubID != 4242 {
		t.Fatalf("GetUserByGitHubID = %+v", byGH)
	}
	wantCode(t, s.CreateUser(ctx, domain.User{ID: domain.NewID("usr"), Email: f.user.Email, CreatedAt: t0}), domain.CodeConflict)
	_, err = s.GetUserByGitHubID(ctx, 1)
	wantCode(t, err, domain.CodeNotFound)
	n, err := s.CountUsers(ctx)
	must(t, err)
	if n != 1 {
		t.Fatalf("CountUsers = %d, want 1", n)
	}
}

func testOneOrgPerUser(t *testing.T, s domain.Store) {
	ctx := context.Background()
	a, b := seed(t, s, "acme"), seed(t, s, "beta")
	err := s.AddMember(ctx, domain.Membership{OrgID: b.org.ID, UserID: a.user.ID, Role: domain.RoleMember, CreatedAt: t0})
	wantCode(t, err, domain.CodeConflict)
	m, err := s.MembershipOf(ctx, a.user.ID)
	must(t, err)
	if m.OrgID != a.org.ID || m.Role != domain.RoleAdmin {
		t.Fatalf("MembershipOf = %+v", m)
	}
}

func testMembers(t *testing.T, s domain.Store) {
	ctx := context.Background()
	f := seed(t, s, "acme")
	bob := domain.User{ID: domain.NewID("usr"), Email: "bob@example.com", Name: "Bob", CreatedAt: t0}
	must(t, s.CreateUser(ctx, bob))
	must(t, s.AddMember(ctx, domain.Membership{OrgID: f.org.ID, UserID: bob.ID, Role: domain.RoleMember, CreatedAt: t0}))
	ms, err := s.ListMembers(ctx, f.org.ID)
	must(t, err)
	if len(ms) != 2 || ms[0].Email != "acme@example.com" || ms[1].Email != "bob@example.com" || ms[1].Role != domain.RoleMember {
		t.Fatalf("ListMembers = %+v", ms)
	}
	bobTok := domain.Token{ID: domain.NewID("tok"), OrgID: f.org.ID, UserID: bob.ID, Name: "b", Hash: domain.HashToken("orch_bob"), Prefix: "orch_", CreatedAt: t0}
	must(t, s.CreateToken(ctx, bobTok))
	must(t, s.RemoveMember(ctx, f.org.ID, bob.ID))
	_, _, err = s.ResolveToken(ctx, bobTok.Hash)
	wantCode(t, err, domain.CodeNotFound) // a removed member's token resolves to nobody
	_, err = s.GetMember(ctx, f.org.ID, bob.ID)
	wantCode(t, err, domain.CodeNotFound)
	wantCode(t, s.RemoveMember(ctx, f.org.ID, bob.ID), domain.CodeNotFound)
}

func testInvitations(t *testing.T, s domain.Store) {
	ctx := context.Background()
	f := seed(t, s, "acme")
	inv := domain.Invitation{ID: domain.NewID("inv"), OrgID: f.org.ID, Email: "ada@example.com", Role: domain.RoleMember,
		CreatedBy: f.user.ID, CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
	must(t, s.CreateInvitation(ctx, inv))
	got, err := s.GetInvitation(ctx, f.org.ID, inv.ID)
	must(t, err)
	if got.Email != inv.Email || got.State(t0) != domain.InvitationPending || !got.ExpiresAt.Equal(inv.ExpiresAt) {
		t.Fatalf("GetInvitation = %+v", got)
	}
	dup := inv
	dup.ID = domain.NewID("inv")
	wantCode(t, s.CreateInvitation(ctx, dup), domain.CodeConflict)

	must(t, s.MarkInvitationRevoked(ctx, f.org.ID, inv.ID, t0.Add(time.Minute)))
	wantCode(t, s.MarkInvitationAccepted(ctx, f.org.ID, inv.ID, t0), domain.CodeNotFound)
	must(t, s.CreateInvitation(ctx, dup)) // a revoked invitation no longer blocks a new one
	must(t, s.MarkInvitationAccepted(ctx, f.org.ID, dup.ID, t0.Add(2*time.Minute)))

	all, err := s.InvitationsForEmail(ctx, "ada@example.com")
	must(t, err)
	listed, err := s.ListInvitations(ctx, f.org.ID)
	must(t, err)
	if len(all) != 2 || len(listed) != 2 {
		t.Fatalf("InvitationsForEmail = %d, ListInvitations = %d; want 2, 2", len(all), len(listed))
	}
	states := map[domain.InvitationState]int{}
	for _, i := range listed {
		states[i.State(t0)]++
	}
	if states[domain.InvitationRevoked] != 1 || states[domain.InvitationAccepted] != 1 {
		t.Fatalf("states = %v", states)
	}
}

func testTokens(t *testing.T, s domain.Store) {
	ctx := context.Background()
	f := seed(t, s, "acme")
	secret := domain.NewTokenSecret()
	tok := domain.Token{ID: domain.NewID("tok"), OrgID: f.org.ID, UserID: f.user.ID, Name: "laptop",
		Hash: domain.HashToken(secret), Prefix: domain.TokenDisplayPrefix(secret), CreatedAt: t0}
	must(t, s.CreateToken(ctx, tok))
	got, role, err := s.ResolveToken(ctx, domain.HashToken(secret))
	must(t, err)
	if got.ID != tok.ID || role != domain.RoleAdmin || got.LastUsedAt != nil || got.RevokedAt != nil {
		t.Fatalf("ResolveToken = %+v, %s", got, role)
	}
	_, _, err = s.ResolveToken(ctx, domain.HashToken("orch_unknown"))
	wantCode(t, err, domain.CodeNotFound)
	used := t0.Add(time.Minute)
	must(t, s.TouchToken(ctx, tok.ID, used))
	revoked := t0.Add(2 * time.Minute)
	must(t, s.RevokeToken(ctx, f.org.ID, tok.ID, revoked))
	must(t, s.RevokeToken(ctx, f.org.ID, tok.ID, revoked.Add(time.Hour))) // keeps the first time
	got, err = s.GetToken(ctx, f.org.ID, tok.ID)
	must(t, err)
	if got.LastUsedAt == nil || !got.LastUsedAt.Equal(used) || got.RevokedAt == nil || !got.RevokedAt.Equal(revoked) {
		t.Fatalf("after touch and revoke: %+v", got)
	}

	second := tok
	second.ID, second.Hash = domain.NewID("tok"), domain.HashToken(domain.NewTokenSecret())
	must(t, s.CreateToken(ctx, second))
	must(t, s.RevokeUserTokens(ctx, f.org.ID, f.user.ID, revoked))
	ts, err := s.ListTokens(ctx, f.org.ID, f.user.ID)
	must(t, err)
	for _, x := range ts {
		if x.RevokedAt == nil {
			t.Fatalf("token %s not revoked by RevokeUserTokens", x.ID)
		}
	}
	if len(ts) != 2 {
		t.Fatalf("ListTokens = %d tokens, want 2", len(ts))
	}
	dupHash := second
	dupHash.ID = domain.NewID("tok")
	wantCode(t, s.CreateToken(ctx, dupHash), domain.CodeConflict)
}

// testScoping: every organization-scoped read and write with another
// organization's id behaves as if the object did not exist.
func testScoping(t *testing.T, s domain.Store) {
	ctx := context.Background()
	a, b := seed(t, s, "acme"), seed(t, s, "beta")
	inv := domain.Invitation{ID: domain.NewID("inv"), OrgID: a.org.ID, Email: "ada@example.com", Role: domain.RoleMember,
		CreatedBy: a.user.ID, CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
	must(t, s.CreateInvitation(ctx, inv))
	tok := domain.Token{ID: domain.NewID("tok"), OrgID: a.org.ID, UserID: a.user.ID, Name: "x", Hash: domain.HashToken(domain.NewTokenSecret()), Prefix: "orch_", CreatedAt: t0}
	must(t, s.CreateToken(ctx, tok))

	_, err := s.GetMember(ctx, b.org.ID, a.user.ID)
	wantCode(t, err, domain.CodeNotFound)
	wantCode(t, s.RemoveMember(ctx, b.org.ID, a.user.ID), domain.CodeNotFound)
	_, err = s.GetInvitation(ctx, b.org.ID, inv.ID)
	wantCode(t, err, domain.CodeNotFound)
	wantCode(t, s.MarkInvitationRevoked(ctx, b.org.ID, inv.ID, t0), domain.CodeNotFound)
	wantCode(t, s.MarkInvitationAccepted(ctx, b.org.ID, inv.ID, t0), domain.CodeNotFound)
	_, err = s.GetToken(ctx, b.org.ID, tok.ID)
	wantCode(t, err, domain.CodeNotFound)
	wantCode(t, s.RevokeToken(ctx, b.org.ID, tok.ID, t0), domain.CodeNotFound)
	must(t, s.RevokeUserTokens(ctx, b.org.ID, a.user.ID, t0))
	if ts, _ := s.ListTokens(ctx, b.org.ID, a.user.ID); len(ts) != 0 {
		t.Fatalf("ListTokens across organizations returned %d tokens", len(ts))
	}
	if ms, _ := s.ListMembers(ctx, b.org.ID); len(ms) != 1 || ms[0].UserID != b.user.ID {
		t.Fatalf("ListMembers(b) = %+v", ms)
	}
	if is, _ := s.ListInvitations(ctx, b.org.ID); len(is) != 0 {
		t.Fatalf("ListInvitations(b) = %+v", is)
	}
	// Nothing of a changed.
	got, err := s.GetToken(ctx, a.org.ID, tok.ID)
	must(t, err)
	if got.RevokedAt != nil {
		t.Fatal("another organization revoked the token")
	}
	if _, err := s.GetMember(ctx, a.org.ID, a.user.ID); err != nil {
		t.Fatal("another organization removed the member:", err)
	}
	gotInv, err := s.GetInvitation(ctx, a.org.ID, inv.ID)
	must(t, err)
	if gotInv.State(t0) != domain.InvitationPending {
		t.Fatal("another organization changed the invitation")
	}
}

func testRollback(t *testing.T, s domain.Store) {
	ctx := context.Background()
	boom := errors.New("boom")
	org := domain.Organization{ID: domain.NewID("org"), Name: "rolled", CreatedAt: t0}
	err := s.InTx(ctx, func(tx domain.Tx) error {
		must(t, tx.CreateOrganization(ctx, org))
		if _, err := tx.GetOrganization(ctx, org.ID); err != nil {
			t.Fatal("a transaction does not see its own write:", err)
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("InTx = %v, want the callback's error", err)
	}
	_, err = s.GetOrganization(ctx, org.ID)
	wantCode(t, err, domain.CodeNotFound)

	must(t, s.InTx(ctx, func(tx domain.Tx) error { return tx.CreateOrganization(ctx, org) }))
	if _, err := s.GetOrganization(ctx, org.ID); err != nil {
		t.Fatal("committed write not visible:", err)
	}
}
