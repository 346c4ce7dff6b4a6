package identity_test

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/orchestera/orchestera/internal/domain"
	"github.com/orchestera/orchestera/internal/identity"
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
