package api

import (
	"encoding/json"
	"time"

	"github.com/orchestera/orchestera/internal/domain"
)

// ExternalID is what an admin needs to create OrchesteraAccessRole.
type ExternalID struct {
	ExternalID        string          `json:"external_id" doc:"Put it in the role's trust policy condition sts:ExternalId"`
	PlatformAccountID string          `json:"platform_account_id" doc:"The AWS account the role must trust"`
	TrustPolicy       json.RawMessage `json:"trust_policy" doc:"The trust policy to paste into OrchesteraAccessRole"`
}

// Connection is an AWS connection with its latest verification.
type Connection struct {
	ID             string                 `json:"id" example:"conn_ab12cd34ef56gh78"`
	RoleARN        string                 `json:"role_arn" example:"arn:aws:iam::123456789012:role/OrchesteraAccessRole"`
	AccountID      string                 `json:"account_id"`
	Regions        []string               `json:"regions"`
	State          domain.ConnectionState `json:"state" enum:"unverified,verified,failed"`
	Hint           string                 `json:"hint,omitempty" doc:"Why it is not verified and what to do"`
	CreatedAt      time.Time              `json:"created_at"`
	LastVerifiedAt *time.Time             `json:"last_verified_at,omitempty"`
	Verification   *Verification          `json:"verification,omitempty" doc:"The latest verification"`
}

// Verification is one run of every check.
type Verification struct {
	ID        string         `json:"id"`
	Verified  bool           `json:"verified"`
	StartedAt time.Time      `json:"started_at"`
	EndedAt   time.Time      `json:"ended_at"`
	Checks    []domain.Check `json:"checks"`
}

// ConnectionEvent is an event of a connection.
type ConnectionEvent struct {
	At      time.Time `json:"at"`
	Kind    string    `json:"kind"`
	Message string    `json:"message"`
}

// AuditEntry is one AWS call made through a customer role, or one identity
// action, with its actor.
type AuditEntry struct {
	ID           string    `json:"id" example:"aud_ab12cd34ef56gh78"`
	At           time.Time `json:"at"`
	ConnectionID string    `json:"connection_id,omitempty"`
	Stack        string    `json:"stack,omitempty"`
	Operation    string    `json:"operation"`
	Action       string    `json:"action" example:"sts:AssumeRole"`
	Target       string    `json:"target,omitempty" doc:"The object of an identity action"`
	Outcome      string    `json:"outcome"`
	Actor        Actor     `json:"actor"`
}

// Actor is who asked for an audited action; empty ids mean the server's own
// work (periodic verification).
type Actor struct {
	UserID  string `json:"user_id,omitempty"`
	TokenID string `json:"token_id,omitempty"`
}

// AuditPage is one page of the audit log.
type AuditPage struct {
	Items      []AuditEntry `json:"items"`
	NextCursor string       `json:"next_cursor,omitempty" doc:"Pass as cursor for the next page; absent on the last page"`
}

func toAuditEntry(a domain.AuditEntry) AuditEntry {
	return AuditEntry{ID: a.ID, At: a.At, ConnectionID: a.ConnectionID, Stack: a.Stack, Operation: a.Operation, Action: a.Action,
		Target: a.Target, Outcome: a.Outcome, Actor: Actor{UserID: a.ActorUserID, TokenID: a.ActorTokenID}}
}

func toConnection(c domain.AWSConnection, v *domain.Verification) Connection {
	out := Connection{ID: c.ID, RoleARN: c.RoleARN, AccountID: c.AccountID, Regions: c.Regions, State: c.State, Hint: c.Hint,
		CreatedAt: c.CreatedAt, LastVerifiedAt: c.LastVerifiedAt}
	if v != nil {
		vv := toVerification(*v)
		out.Verification = &vv
	}
	return out
}

func toVerification(v domain.Verification) Verification {
	return Verification{ID: v.ID, Verified: v.Verified, StartedAt: v.StartedAt, EndedAt: v.EndedAt, Checks: v.Checks}
}
