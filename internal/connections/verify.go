package connections

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/orchestera/orchestera/internal/domain"
)

// Verify runs every check against a connection now and records the result.
// It acts as the customer's role in their account, so it is for admins:
// members read the latest verdict (Get).
func (s *Service) Verify(ctx context.Context, p domain.Principal, id string) (domain.AWSConnection, domain.Verification, error) {
	c, err := s.Store.GetConnection(ctx, p.OrgID, id)
	if err != nil {
		return c, domain.Verification{}, err
	}
	if err := domain.RequireAdmin(p); err != nil {
		return c, domain.Verification{}, err
	}
	return s.verify(ctx, c, p)
}

// ExternalIDPlaceholder stands for the external ID in everything a
// verification stores (evidence, fixes, hints, events): members read those,
// and the external ID is for admins (orchestera connections external-id).
const ExternalIDPlaceholder = "$EXTERNAL_ID"

// verify checks c on behalf of actor (the zero Principal for the periodic
// re-verification).
func (s *Service) verify(ctx context.Context, c domain.AWSConnection, actor domain.Principal) (domain.AWSConnection, domain.Verification, error) {
	externalID, err := s.externalID(ctx, c.OrgID)
	if err != nil {
		return c, domain.Verification{}, err
	}
	platform, err := s.platformAccount(ctx)
	if err != nil {
		return c, domain.Verification{}, err
	}
	v := domain.Verification{ID: domain.NewID("ver"), OrgID: c.OrgID, ConnectionID: c.ID, StartedAt: s.Store.Now()}
	v.Checks = s.Verifier.Verify(ctx, domain.VerificationTarget{
		OrgID: c.OrgID, ConnectionID: c.ID, RoleARN: c.RoleARN, AccountID: c.AccountID, ExternalID: externalID,
		PlatformAccountID: platform, Regions: c.Regions, RegisteredAt: c.CreatedAt,
		Audit: func(action, outcome string) {
			err := s.Store.AddAudit(context.WithoutCancel(ctx), domain.AuditEntry{ID: domain.NewID("aud"), OrgID: c.OrgID, ConnectionID: c.ID,
				Operation: "verify", Action: action, At: s.Store.Now(), Outcome: outcome, ActorUserID: actor.UserID, ActorTokenID: actor.TokenID})
			if err != nil {
				s.Log.ErrorContext(ctx, "recording an audit entry", "org_id", c.OrgID, "err", err)
			}
		},
	})
	for i := range v.Checks {
		v.Checks[i].Evidence = strings.ReplaceAll(v.Checks[i].Evidence, externalID, ExternalIDPlaceholder)
		v.Checks[i].Fix = strings.ReplaceAll(v.Checks[i].Fix, externalID, ExternalIDPlaceholder)
	}
	v.EndedAt = s.Store.Now()
	v.Verified = len(v.Checks) > 0
	hint := ""
	for _, ch := range v.Checks {
		if ch.Status != domain.CheckPass {
			v.Verified = false
			if hint == "" && ch.Status == domain.CheckFail {
				hint = ch.Name + ": " + firstNonEmpty(ch.Fix, ch.Evidence)
			}
		}
	}
	before := c.State
	c.Hint, c.LastVerifiedAt = hint, &v.EndedAt
	if v.Verified {
		c.State = domain.ConnectionVerified
	} else {
		c.State = domain.ConnectionFailed
	}
	err = s.Store.InTx(ctx, func(tx domain.Tx) error {
		if err := tx.SaveVerification(ctx, v); err != nil {
			return err
		}
		if err := tx.UpdateConnection(ctx, c); err != nil {
			return err
		}
		if e, ok := transition(before, c, v.EndedAt); ok {
			return tx.AddConnectionEvent(ctx, e)
		}
		return nil
	})
	return c, v, err
}

// transition is the event a change of verdict leaves.
func transition(before domain.ConnectionState, c domain.AWSConnection, at time.Time) (domain.ConnectionEvent, bool) {
	e := domain.ConnectionEvent{ID: domain.NewID("evt"), OrgID: c.OrgID, ConnectionID: c.ID, At: at}
	switch {
	case before != domain.ConnectionFailed && c.State == domain.ConnectionFailed:
		e.Kind, e.Message = "verification_failed", fmt.Sprintf("was %s, now failing: %s", before, c.Hint)
	case before != domain.ConnectionVerified && c.State == domain.ConnectionVerified:
		e.Kind, e.Message = "verified", "ROLE VERIFIED: every check passed"
	default:
		return e, false
	}
	return e, true
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// RunPeriodic re-verifies every organization's connections every interval
// until ctx ends, so a role broken in the customer's account shows up as an
// event before a stack operation trips over it.
func (s *Service) RunPeriodic(ctx context.Context, every time.Duration) {
	if every <= 0 {
		return
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		conns, err := s.Store.AllConnections(ctx)
		if err != nil {
			s.Log.ErrorContext(ctx, "listing connections to verify", "err", err)
			continue
		}
		for _, c := range conns {
			if _, _, err := s.verify(ctx, c, domain.Principal{}); err != nil && ctx.Err() == nil {
				s.Log.WarnContext(ctx, "periodic verification", "org_id", c.OrgID, "connection_id", c.ID, "err", err)
			}
		}
	}
}
