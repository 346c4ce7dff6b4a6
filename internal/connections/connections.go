// Package connections holds the rules of AWS connections: the external ID
// each organization gets, registering an OrchesteraAccessRole, verifying it
// (on demand and periodically) through a Verifier, the events a change of
// verdict leaves, and the audit log of AWS calls made through customer roles.
package connections

import (
	"context"
	"log/slog"
	"strings"

	"github.com/orchestera/orchestera/internal/domain"
)

// Config is the service's setup.
type Config struct {
	Store    domain.ConnectionStore
	Verifier domain.RoleVerifier
	// PlatformAccount returns the account customer roles must trust: the
	// server's own (sts:GetCallerIdentity) unless configured.
	PlatformAccount func(ctx context.Context) (string, error)
	Regions         []string // regions stacks may use; the first is the default
	Log             *slog.Logger
}

// Service implements the connection rules.
type Service struct{ Config }

// New returns a Service.
func New(cfg Config) *Service { return &Service{cfg} }

// ExternalID returns the organization's external ID, creating it on first
// use, and the platform account the role must trust. Admins only: they
// create the role.
func (s *Service) ExternalID(ctx context.Context, p domain.Principal) (externalID, platformAccount string, err error) {
	if err := domain.RequireAdmin(p); err != nil {
		return "", "", err
	}
	if externalID, err = s.externalID(ctx, p.OrgID); err != nil {
		return "", "", err
	}
	platformAccount, err = s.platformAccount(ctx)
	return externalID, platformAccount, err
}

// externalID reads the organization's external ID, creating it on first
// use: concurrent first uses all get the one the store kept.
func (s *Service) externalID(ctx context.Context, orgID string) (string, error) {
	id, err := s.Store.GetExternalID(ctx, orgID)
	if domain.IsNotFound(err) {
		return s.Store.EnsureExternalID(ctx, orgID, domain.NewExternalID(), s.Store.Now())
	}
	return id, err
}

func (s *Service) platformAccount(ctx context.Context) (string, error) {
	acct, err := s.PlatformAccount(ctx)
	if err != nil {
		return "", domain.Errorf(domain.CodeUnavailable,
			"cannot tell which AWS account customer roles must trust: the server has no AWS identity (%v); start it with AWS credentials or --platform-account-id", err)
	}
	return acct, nil
}

// RotateExternalID replaces the external ID. Every connection of the
// organization needs its trust policy updated, so each becomes unverified.
func (s *Service) RotateExternalID(ctx context.Context, p domain.Principal) (string, error) {
	if err := domain.RequireAdmin(p); err != nil {
		return "", err
	}
	id := domain.NewExternalID()
	err := s.Store.InTx(ctx, func(tx domain.Tx) error {
		now := s.Store.Now()
		if err := tx.SetExternalID(ctx, p.OrgID, id, now); err != nil {
			return err
		}
		if err := tx.AddAudit(ctx, domain.IdentityAudit(p, domain.AuditOperationConnections, domain.AuditRotateExternalID, p.OrgID, now)); err != nil {
			return err
		}
		conns, err := tx.ListConnections(ctx, p.OrgID)
		if err != nil {
			return err
		}
		for _, c := range conns {
			c.State = domain.ConnectionUnverified
			c.Hint = "the external ID was rotated: update the trust policy of " + c.RoleARN + " (orchestera aws trust-policy) and verify again"
			if err := tx.UpdateConnection(ctx, c); err != nil {
				return err
			}
			if err := tx.AddConnectionEvent(ctx, domain.ConnectionEvent{ID: domain.NewID("evt"), OrgID: p.OrgID, ConnectionID: c.ID, At: now,
				Kind: "external_id_rotated", Message: "the external ID was rotated; verification is needed again"}); err != nil {
				return err
			}
		}
		return nil
	})
	return id, err
}

// Create registers a role (admin). It starts unverified.
func (s *Service) Create(ctx context.Context, p domain.Principal, roleARN string, regions []string) (domain.AWSConnection, error) {
	if err := domain.RequireAdmin(p); err != nil {
		return domain.AWSConnection{}, err
	}
	account, _, err := domain.ParseRoleARN(roleARN)
	if err != nil {
		return domain.AWSConnection{}, err
	}
	if len(regions) == 0 && len(s.Regions) > 0 {
		regions = s.Regions[:1]
	}
	if err := domain.ValidateRegions(regions, s.Regions); err != nil {
		return domain.AWSConnection{}, err
	}
	if _, err := s.externalID(ctx, p.OrgID); err != nil {
		return domain.AWSConnection{}, err
	}
	c := domain.AWSConnection{ID: domain.NewID("conn"), OrgID: p.OrgID, RoleARN: roleARN, AccountID: account, Regions: regions,
		State: domain.ConnectionUnverified, Hint: "not verified yet: run orchestera connections verify", CreatedAt: s.Store.Now()}
	return c, s.Store.InTx(ctx, func(tx domain.Tx) error {
		if err := tx.CreateConnection(ctx, c); err != nil {
			return err
		}
		a := domain.IdentityAudit(p, domain.AuditOperationConnections, domain.AuditCreateConnection, c.ID, c.CreatedAt)
		a.ConnectionID = c.ID
		return tx.AddAudit(ctx, a)
	})
}

// List lists the organization's connections.
func (s *Service) List(ctx context.Context, p domain.Principal) ([]domain.AWSConnection, error) {
	return s.Store.ListConnections(ctx, p.OrgID)
}

// Get returns a connection and its latest verification, if any.
func (s *Service) Get(ctx context.Context, p domain.Principal, id string) (domain.AWSConnection, *domain.Verification, error) {
	c, err := s.Store.GetConnection(ctx, p.OrgID, id)
	if err != nil {
		return c, nil, err
	}
	v, err := s.Store.LatestVerification(ctx, p.OrgID, id)
	if domain.IsNotFound(err) {
		return c, nil, nil
	}
	return c, &v, err
}

// Delete removes a connection (admin). Its audit entries stay, and the
// deletion is one more.
func (s *Service) Delete(ctx context.Context, p domain.Principal, id string) error {
	if err := domain.RequireAdmin(p); err != nil {
		return err
	}
	stacks, err := s.Store.StacksOnConnection(ctx, p.OrgID, id)
	if err != nil {
		return err
	}
	var live []string
	for _, st := range stacks {
		if st.State != domain.StackDestroyed {
			live = append(live, st.Name+" ("+string(st.State)+")")
		}
	}
	if len(live) > 0 {
		return domain.Errorf(domain.CodeConflict, "connection %s is used by stacks %s: destroy them first, or move them to another connection of the same AWS account (orchestera stacks set-connection NAME --connection ID)",
			id, strings.Join(live, ", "))
	}
	return s.Store.InTx(ctx, func(tx domain.Tx) error {
		if err := tx.DeleteConnection(ctx, p.OrgID, id); err != nil {
			return err
		}
		a := domain.IdentityAudit(p, domain.AuditOperationConnections, domain.AuditDeleteConnection, id, s.Store.Now())
		a.ConnectionID = id
		return tx.AddAudit(ctx, a)
	})
}

// Events lists what happened to a connection.
func (s *Service) Events(ctx context.Context, p domain.Principal, id string) ([]domain.ConnectionEvent, error) {
	if _, err := s.Store.GetConnection(ctx, p.OrgID, id); err != nil {
		return nil, err
	}
	return s.Store.ListConnectionEvents(ctx, p.OrgID, id)
}

// Audit lists the organization's audit log, newest first (admin): AWS calls
// made through its roles and identity actions. cursor is what the previous
// page returned; the next page's cursor is "" on the last page.
func (s *Service) Audit(ctx context.Context, p domain.Principal, f domain.AuditFilter, cursor string) ([]domain.AuditEntry, string, error) {
	if err := domain.RequireAdmin(p); err != nil {
		return nil, "", err
	}
	switch {
	case f.Limit < 1 || f.Limit > 1000:
		return nil, "", domain.Invalid("limit", "range", "must be between 1 and 1000")
	case !f.Since.IsZero() && !f.Until.IsZero() && !f.Until.After(f.Since):
		return nil, "", domain.Invalid("until", "after_since", "must be later than since")
	}
	if cursor != "" {
		var err error
		if f.BeforeAt, f.BeforeID, err = domain.DecodeCursor(cursor); err != nil {
			return nil, "", err
		}
	}
	es, err := s.Store.ListAudit(ctx, p.OrgID, f)
	if err != nil || len(es) < f.Limit {
		return es, "", err
	}
	last := es[len(es)-1]
	return es, domain.EncodeCursor(last.At, last.ID), nil
}
