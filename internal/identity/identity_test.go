package identity_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orchestera/orchestera/internal/domain"
	"github.com/orchestera/orchestera/internal/identity"
	"github.com/orchestera/orchestera/internal/store/pgtest"
	"github.com/orchestera/orchestera/internal/store/sqlstore"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func newService(t *testing.T) (*identity.Service, domain.Store, *clock) {
	t.Helper()
	c := &clock{t: time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)}
	st, err := sqlstore.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "orchestera.db"), sqlstore.WithClock(c.now))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return identity.New(identity.Config{Store: st, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}), st, c
}

func TestEnsureLocalIsIdempotentAndHeals(t *testing.T) {
	ctx := context.Background()
	s, _, _ := newService(t)
	_, first, err := s.EnsureLocal(ctx, "")
	if err != nil || first == "" {
		t.Fatalf("first start: %q, %v", first, err)
	}
	p, err := s.Authenticate(ctx, first)
	if err != nil || !p.IsAdmin() {
		t.Fatalf("local token: %+v, %v", p, err)
	}
	org, _ := s.Organization(ctx, p)
	if org.Name != identity.LocalOrgName {
		t.Fatalf("local organization = %q", org.Name)
	}
	if _, again, err := s.EnsureLocal(ctx, first); err != nil || again != "" {
		t.Fatalf("restart with a valid config minted %q, %v", again, err)
	}
	if _, err := s.RevokeToken(ctx, p, p.TokenID); err != nil {
		t.Fatal(err)
	}
	_, healed, err := s.EnsureLocal(ctx, first)
	if err != nil || healed == "" || healed == first {
		t.Fatalf("restart with a revoked config token: %q, %v", healed, err)
	}
	p2, err := s.Authenticate(ctx, healed)
	if err != nil || p2.OrgID != p.OrgID || p2.UserID != p.UserID {
		t.Fatalf("healed token acts as %+v, want the same local admin", p2)
	}
}

func TestLastUsedIsRecordedAtMostOncePerMinute(t *testing.T) {
	ctx := context.Background()
	s, st, c := newService(t)
	_, secret, _ := s.EnsureLocal(ctx, "")
	p, _ := s.Authenticate(ctx, secret)
	lastUsed := func() time.Time {
		tok, err := st.GetToken(ctx, p.OrgID, p.TokenID)
		if err != nil || tok.LastUsedAt == nil {
			t.Fatalf("token %+v, %v", tok, err)
		}
		return *tok.LastUsedAt
	}
	first := lastUsed()
	c.t = c.t.Add(30 * time.Second)
	s.Authenticate(ctx, secret)
	if got := lastUsed(); !got.Equal(first) {
		t.Fatalf("last used moved within a minute: %v -> %v", first, got)
	}
	c.t = c.t.Add(31 * time.Second)
	s.Authenticate(ctx, secret)
	if got := lastUsed(); !got.Equal(c.t) {
		t.Fatalf("last used = %v, want %v", got, c.t)
	}
}

func TestExpiredInvitationCanBeRenewed(t *testing.T) {
	ctx := context.Background()
	s, _, c := newService(t)
	_, secret, _ := s.EnsureLocal(ctx, "")
	p, _ := s.Authenticate(ctx, secret)
	old, err := s.CreateInvitation(ctx, p, "ada@example.com", domain.RoleMember)
	if err != nil {
		t.Fatal(err)
	}
	c.t = c.t.Add(identity.InvitationTTL + time.Second)
	renewed, err := s.CreateInvitation(ctx, p, "ada@example.com", domain.RoleAdmin)
	if err != nil {
		t.Fatalf("re-inviting after expiry: %v", err)
	}
	got, _ := s.GetInvitation(ctx, p, old.ID)
	if got.State(c.t) != domain.InvitationRevoked || renewed.Role != domain.RoleAdmin {
		t.Fatalf("old %s, new %+v", got.State(c.t), renewed)
	}
}

// stores runs a test on SQLite and on PostgreSQL (pgtest: skipped without
// ORCHESTERA_TEST_POSTGRES_URL, failed under CI=true).
func stores(t *testing.T, test func(t *testing.T, s *identity.Service, st domain.Store, c *clock)) {
	t.Run("sqlite", func(t *testing.T) {
		s, st, c := newService(t)
		test(t, s, st, c)
	})
	t.Run("postgres", func(t *testing.T) {
		c := &clock{t: time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)}
		st := pgtest.Open(t, sqlstore.WithClock(c.now))
		test(t, identity.New(identity.Config{Store: st, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}), st, c)
	})
}

// TestLastAdminRuleHoldsUnderConcurrency: ten admins remove each other at
// once, twenty times. Before the memberships were locked, PostgreSQL let
// every removal count the others still there and left organizations with
// no admin (2 of 10 trials).
func TestLastAdminRuleHoldsUnderConcurrency(t *testing.T) {
	stores(t, func(t *testing.T, s *identity.Service, st domain.Store, c *clock) {
		ctx := context.Background()
		for trial := 0; trial < 20; trial++ {
			org := domain.Organization{ID: domain.NewID("org"), Name: fmt.Sprintf("race-%d", trial), CreatedAt: c.t}
			if err := st.CreateOrganization(ctx, org); err != nil {
				t.Fatal(err)
			}
			var admins []domain.Principal
			for i := 0; i < 10; i++ {
				u := domain.User{ID: domain.NewID("usr"), Email: fmt.Sprintf("a%d-%d@example.com", trial, i), Name: "a", CreatedAt: c.t}
				if err := st.CreateUser(ctx, u); err != nil {
					t.Fatal(err)
				}
				if err := st.AddMember(ctx, domain.Membership{OrgID: org.ID, UserID: u.ID, Role: domain.RoleAdmin, CreatedAt: c.t}); err != nil {
					t.Fatal(err)
				}
				admins = append(admins, domain.Principal{OrgID: org.ID, UserID: u.ID, Role: domain.RoleAdmin})
			}
			start := make(chan struct{})
			errs := make([]error, len(admins))
			var wg sync.WaitGroup
			for i, p := range admins {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					errs[i] = s.RemoveMember(ctx, p, admins[(i+1)%len(admins)].UserID)
				}()
			}
			close(start)
			wg.Wait()
			refused := 0
			for _, err := range errs {
				switch {
				case err == nil:
				case domain.ErrorCode(err) == domain.CodeConflict && strings.Contains(err.Error(), "last admin"):
					refused++
				default:
					t.Fatal(err)
				}
			}
			left, err := st.ListMembers(ctx, org.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(left) != 1 || refused != 1 {
				t.Fatalf("trial %d: %d members left, %d removals refused; want 1 and 1", trial, len(left), refused)
			}
		}
	})
}

func github(id int64, email string) domain.ExternalIdentity {
	return domain.ExternalIdentity{GitHubID: id, Login: strings.Split(email, "@")[0], Email: email}
}

// TestAnEmailNeverRebindsAGitHubAccount: a second GitHub account with the
// same verified email used to take over the user (and their admin role)
// and overwrite its github_id.
func TestAnEmailNeverRebindsAGitHubAccount(t *testing.T) {
	stores(t, func(t *testing.T, s *identity.Service, st domain.Store, _ *clock) {
		ctx := context.Background()
		first, err := s.SignIn(ctx, github(11, "ada@example.com"), "")
		if err != nil || first.Role != domain.RoleAdmin {
			t.Fatalf("first sign-in: %+v, %v", first, err)
		}
		_, err = s.SignIn(ctx, github(22, "ada@example.com"), "")
		if domain.ErrorCode(err) != domain.CodeConflict || !strings.Contains(err.Error(), "another GitHub account") {
			t.Fatalf("a second GitHub account with the same email: %v", err)
		}
		u, err := st.GetUser(ctx, first.User.ID)
		if err != nil || u.GitHubID != 11 {
			t.Fatalf("user after the attempt: %+v, %v; want github id 11", u, err)
		}
		again, err := s.SignIn(ctx, github(11, "ada@example.com"), "")
		if err != nil || again.User.ID != first.User.ID || again.Organization.ID != first.Organization.ID {
			t.Fatalf("the real account signs in again: %+v, %v", again, err)
		}
		// A user without a GitHub account yet is linked by email.
		bare := domain.User{ID: domain.NewID("usr"), Email: "grace@example.com", Name: "g", CreatedAt: st.Now()}
		if err := st.CreateUser(ctx, bare); err != nil {
			t.Fatal(err)
		}
		linked, err := s.SignIn(ctx, github(33, "grace@example.com"), "")
		if err != nil || linked.User.ID != bare.ID || linked.User.GitHubID != 33 {
			t.Fatalf("linking by email: %+v, %v", linked, err)
		}
	})
}

// TestJoiningIsAnExplicitAccept: signing in never joins the organization
// that invited the email; the invitee sees the offer and accepts it, or
// creates an organization of their own, with a ticket that works once.
func TestJoiningIsAnExplicitAccept(t *testing.T) {
	stores(t, func(t *testing.T, s *identity.Service, st domain.Store, c *clock) {
		ctx := context.Background()
		admin, err := s.SignIn(ctx, github(1, "alice@example.com"), "")
		if err != nil {
			t.Fatal(err)
		}
		ap := domain.Principal{OrgID: admin.Organization.ID, UserID: admin.User.ID, Role: admin.Role}
		inv, err := s.CreateInvitation(ctx, ap, "bob@example.com", domain.RoleAdmin)
		if err != nil {
			t.Fatal(err)
		}
		bob, err := s.SignIn(ctx, github(2, "bob@example.com"), "")
		if err != nil {
			t.Fatal(err)
		}
		if !bob.Pending() || bob.Organization.ID != "" || len(bob.Offers) != 1 || bob.Offers[0].ID != inv.ID ||
			bob.Offers[0].OrgName != admin.Organization.Name || bob.Offers[0].InvitedBy != "alice@example.com" {
			t.Fatalf("sign-in of an invitee = %+v, want a pending choice offering %s", bob, inv.ID)
		}
		if _, err := st.MembershipOf(ctx, bob.User.ID); !domain.IsNotFound(err) {
			t.Fatalf("signing in joined an organization: %v", err)
		}
		if got, _ := s.GetInvitation(ctx, ap, inv.ID); got.State(c.t) != domain.InvitationPending {
			t.Fatalf("signing in accepted the invitation: %s", got.State(c.t))
		}
		if _, err := s.AcceptInvitation(ctx, bob.Ticket, "inv_other"); domain.ErrorCode(err) != domain.CodeInvalid {
			t.Fatalf("accepting an invitation not offered: %v", err)
		}
		joined, err := s.AcceptInvitation(ctx, bob.Ticket, inv.ID)
		if err != nil || joined.Organization.ID != admin.Organization.ID || joined.Role != domain.RoleAdmin {
			t.Fatalf("accept: %+v, %v", joined, err)
		}
		if _, err := s.AcceptInvitation(ctx, bob.Ticket, inv.ID); domain.ErrorCode(err) != domain.CodeUnauthorized {
			t.Fatalf("a ticket used twice: %v", err)
		}
		if got, _ := s.GetInvitation(ctx, ap, inv.ID); got.State(c.t) != domain.InvitationAccepted {
			t.Fatalf("invitation after accept: %s", got.State(c.t))
		}

		// Declining the offers: an organization of one's own.
		if _, err := s.CreateInvitation(ctx, ap, "carol@example.com", domain.RoleMember); err != nil {
			t.Fatal(err)
		}
		carol, _ := s.SignIn(ctx, github(3, "carol@example.com"), "")
		own, err := s.CreateOrganization(ctx, carol.Ticket)
		if err != nil || own.Organization.ID == admin.Organization.ID || own.Role != domain.RoleAdmin {
			t.Fatalf("create organization: %+v, %v", own, err)
		}

		// A ticket expires.
		if _, err := s.CreateInvitation(ctx, ap, "dan@example.com", domain.RoleMember); err != nil {
			t.Fatal(err)
		}
		dan, _ := s.SignIn(ctx, github(4, "dan@example.com"), "")
		c.t = c.t.Add(identity.TicketTTL)
		if _, err := s.CreateOrganization(ctx, dan.Ticket); domain.ErrorCode(err) != domain.CodeUnauthorized {
			t.Fatalf("an expired ticket: %v", err)
		}
	})
}

// TestIdentityActionsAreAudited: tokens, members and invitations leave an
// audit entry naming the actor (user and token) and the object.
func TestIdentityActionsAreAudited(t *testing.T) {
	ctx := context.Background()
	s, st, _ := newService(t)
	_, secret, _ := s.EnsureLocal(ctx, "")
	p, _ := s.Authenticate(ctx, secret)
	tok, _, err := s.CreateToken(ctx, p, "ci")
	if err != nil {
		t.Fatal(err)
	}
	s.RevokeToken(ctx, p, tok.ID)
	s.RevokeToken(ctx, p, tok.ID) // a no-op, not audited twice
	inv, _ := s.CreateInvitation(ctx, p, "bob@example.com", domain.RoleMember)
	s.RevokeInvitation(ctx, p, inv.ID)
	es, err := st.ListAudit(ctx, p.OrgID, domain.AuditFilter{Actor: p.TokenID, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range es {
		if e.ActorUserID != p.UserID || e.ActorTokenID != p.TokenID || e.Operation != domain.AuditOperationIdentity || e.Outcome != "ok" {
			t.Errorf("entry %+v lacks the actor", e)
		}
		got = append(got, e.Action+" "+e.Target)
	}
	want := []string{domain.AuditRevokeInvitation + " " + inv.ID, domain.AuditCreateInvitation + " " + inv.ID,
		domain.AuditRevokeToken + " " + tok.ID, domain.AuditCreateToken + " " + tok.ID}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("audit = %v, want %v", got, want)
	}
}
