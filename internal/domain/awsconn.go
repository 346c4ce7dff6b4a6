package domain

import (
	"crypto/rand"
	"encoding/base64"
	"regexp"
	"time"
)

// ConnectionState says whether Orchestera may use an AWS connection.
type ConnectionState string

// The connection states.
const (
	ConnectionUnverified ConnectionState = "unverified" // registered, or its external id was rotated
	ConnectionVerified   ConnectionState = "verified"
	ConnectionFailed     ConnectionState = "failed"
)

// AWSConnection is a customer's OrchesteraAccessRole that Orchestera assumes.
type AWSConnection struct {
	ID             string
	OrgID          string
	RoleARN        string
	AccountID      string
	Regions        []string
	State          ConnectionState
	Hint           string // one line: why it is not verified, and what to do
	CreatedAt      time.Time
	LastVerifiedAt *time.Time
}

// CheckStatus is the outcome of one verification check.
type CheckStatus string

// The check outcomes. A check skips when one it depends on failed.
const (
	CheckPass CheckStatus = "pass"
	CheckFail CheckStatus = "fail"
	CheckSkip CheckStatus = "skip"
)

// Check is one verification check with its evidence and, when it failed,
// the fix.
type Check struct {
	Name     string      `json:"name"`
	Status   CheckStatus `json:"status"`
	Evidence string      `json:"evidence"`
	Fix      string      `json:"fix,omitempty"`
	Missing  []string    `json:"missing,omitempty"` // missing actions, for the permissions check
}

// Verification is one run of every check against a connection.
type Verification struct {
	ID           string
	OrgID        string
	ConnectionID string
	StartedAt    time.Time
	EndedAt      time.Time
	Verified     bool
	Checks       []Check
}

// ConnectionEvent records a change worth telling an admin about.
type ConnectionEvent struct {
	ID           string
	OrgID        string
	ConnectionID string
	At           time.Time
	Kind         string // e.g. verification_failed, verification_recovered, external_id_rotated
	Message      string
}

// AuditEntry records one AWS call made through a customer's role, or one
// identity action (a token, member, invitation or connection changed). It
// names what it acted on by id only, with no reference the store enforces,
// so an entry outlives the connection, stack or token it names.
type AuditEntry struct {
	ID           string
	OrgID        string
	ConnectionID string // the connection whose role made the call, or that was changed
	Stack        string // the stack's name, for calls a stack's lifecycle made
	Operation    string // what Orchestera was doing, e.g. verify, provision stack etl, identity
	Action       string // the AWS action (iam:GetRole) or Orchestera's own (orchestera:CreateToken)
	Target       string // the object of an identity action: a token, user, invitation or connection id
	At           time.Time
	Outcome      string // ok, or the AWS error code
	// The actor: who asked for it, and with which token. Both are empty
	// for the server's own work (periodic verification).
	ActorUserID  string
	ActorTokenID string
}

// Orchestera's own audited actions, as AuditEntry.Action.
const (
	AuditCreateToken      = "orchestera:CreateToken"
	AuditRevokeToken      = "orchestera:RevokeToken"
	AuditRemoveMember     = "orchestera:RemoveMember"
	AuditCreateInvitation = "orchestera:CreateInvitation"
	AuditRevokeInvitation = "orchestera:RevokeInvitation"
	AuditAcceptInvitation = "orchestera:AcceptInvitation"
	AuditCreateConnection = "orchestera:CreateConnection"
	AuditDeleteConnection = "orchestera:DeleteConnection"
	AuditRotateExternalID = "orchestera:RotateExternalId"
)

// The operations of Orchestera's own audited actions.
const (
	AuditOperationIdentity    = "identity"    // tokens, members, invitations
	AuditOperationConnections = "connections" // connections and the external ID
)

// IdentityAudit is the entry of an identity action by p on target.
func IdentityAudit(p Principal, operation, action, target string, at time.Time) AuditEntry {
	return AuditEntry{ID: NewID("aud"), OrgID: p.OrgID, Operation: operation, Action: action, Target: target, At: at,
		Outcome: "ok", ActorUserID: p.UserID, ActorTokenID: p.TokenID}
}

// AuditFilter narrows an audit listing; empty fields match everything.
type AuditFilter struct {
	ConnectionID string
	Stack        string
	Actor        string    // a user id or a token id
	Since, Until time.Time // Since <= At < Until
	// The cursor: entries older than this one (newest first).
	BeforeAt time.Time
	BeforeID string
	Limit    int
}

// VerificationTarget is what a role verification checks.
type VerificationTarget struct {
	OrgID, ConnectionID string
	RoleARN, AccountID  string
	ExternalID          string
	PlatformAccountID   string
	Regions             []string
	// RegisteredAt tells a just-created role, whose IAM changes may still be
	// propagating, from an established one.
	RegisteredAt time.Time
	// Audit records one AWS call made for this target.
	Audit func(action, outcome string)
}

// NewExternalID returns an external ID with 192 bits of randomness in
// URL-safe base64, which IAM's [\w+=,.@:/-] pattern accepts.
func NewExternalID() string {
	b := make([]byte, 24)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

var roleARNPattern = regexp.MustCompile(`^arn:aws:iam::([0-9]{12}):role/(?:[\w+=,.@-]+/)*([\w+=,.@-]{1,64})$`)

// ParseRoleARN checks that arn names an IAM role and returns its account.
func ParseRoleARN(arn string) (account, name string, err error) {
	m := roleARNPattern.FindStringSubmatch(arn)
	if m == nil {
		return "", "", Invalid("role_arn", "iam_role_arn",
			"must be an IAM role ARN such as arn:aws:iam::123456789012:role/OrchesteraAccessRole")
	}
	return m[1], m[2], nil
}

var regionPattern = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]$`)

// ValidateRegions accepts a non-empty list of distinct regions from allowed.
func ValidateRegions(regions, allowed []string) error {
	if len(regions) == 0 {
		return Invalid("regions", "required", "name at least one region, e.g. us-east-1")
	}
	seen := map[string]bool{}
	for _, r := range regions {
		ok := false
		for _, a := range allowed {
			ok = ok || a == r
		}
		switch {
		case !regionPattern.MatchString(r):
			return Invalid("regions", "aws_region", r+" is not an AWS region name")
		case !ok:
			return Invalid("regions", "supported_region", r+" is not supported yet; supported: "+joinComma(allowed))
		case seen[r]:
			return Invalid("regions", "unique", r+" is listed twice")
		}
		seen[r] = true
	}
	return nil
}

func joinComma(s []string) string {
	out := ""
	for i, v := range s {
		if i > 0 {
			out += ", "
		}
		out += v
	}
	return out
}
