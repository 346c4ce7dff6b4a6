package domain

import (
	"context"
	"time"
)

// The persistence contract, in groups of one kind of object each. Every
// method of an organization-owned object takes the organization id and never
// returns another organization's rows. Missing rows are NotFound errors,
// unique violations Conflict errors. The SQL store implements all of them;
// each service takes only the port below that names what it uses.

// Store is everything: what cmd/orchestera opens and hands out in parts.
type Store interface {
	Tx
	Transactor
	StoreClock
	Ping(ctx context.Context) error
	Close() error
}

// Tx is every read and write, inside or outside a transaction.
type Tx interface {
	OrganizationRecords
	UserRecords
	MemberRecords
	InvitationRecords
	TokenRecords
	SignInTicketRecords
	StackRecords
	NamespaceRecords
	StackEventRecords
	StepRecords
	LeaseRecords
	StackKubeRecords
	DatasourceRecords
	StackSecretRecords
	RunRecords
	ConnectionRecords
	AuditRecords
}

// Transactor runs fn in one transaction: all of its writes land or none do.
type Transactor interface {
	InTx(ctx context.Context, fn func(Tx) error) error
}

// StoreClock is the time at the store's resolution (milliseconds). Every
// timestamp a service writes comes from it, so the object a service returns
// equals what a later read gives.
type StoreClock interface {
	Now() time.Time
}

// The ports: one per consumer.
type (
	// IdentityStore is what package identity uses.
	IdentityStore interface {
		StoreClock
		Transactor
		OrganizationRecords
		UserRecords
		MemberRecords
		InvitationRecords
		TokenRecords
		SignInTicketRecords
		AddAudit(ctx context.Context, a AuditEntry) error
	}
	// StackStore is what the stack service uses.
	StackStore interface {
		StoreClock
		Transactor
		StackRecords
		NamespaceRecords
		StackEventRecords
		StackKubeRecords
		DatasourceRecords
		StackSecretRecords
		GetConnection(ctx context.Context, orgID, id string) (AWSConnection, error)
		LatestVerification(ctx context.Context, orgID, connectionID string) (Verification, error)
		LoadStackSteps(ctx context.Context, stackID string) (map[string]StepState, error)
		StepDurations(ctx context.Context) (map[string]time.Duration, error)
	}
	// LifecycleStore is what the stack workers use.
	LifecycleStore interface {
		StoreClock
		StepRecords
		LeaseRecords
		StacksInState(ctx context.Context, states ...StackState) ([]Stack, error)
		UpdateStack(ctx context.Context, s Stack, from ...StackState) error
		AddStackEvent(ctx context.Context, e StackEvent) error
	}
	// StepStore keeps the step engine's state.
	StepStore interface {
		LoadStackSteps(ctx context.Context, stackID string) (map[string]StepState, error)
		SaveStackStep(ctx context.Context, stackID string, s StepState) error
	}
	// RunStore is what the run service uses.
	RunStore interface {
		StoreClock
		RunRecords
	}
	// ConnectionStore is what the connection service uses.
	ConnectionStore interface {
		StoreClock
		Transactor
		ConnectionRecords
		AuditRecords
		StacksOnConnection(ctx context.Context, orgID, connectionID string) ([]Stack, error)
	}
	// ConnectionReader is what a cloud adapter reads to act as a
	// connection's role.
	ConnectionReader interface {
		GetConnection(ctx context.Context, orgID, id string) (AWSConnection, error)
		GetExternalID(ctx context.Context, orgID string) (string, error)
	}
	// ClusterSources is what a Kubernetes adapter reads of a stack: an
	// attached cluster's credential, the namespaces to bootstrap and the
	// datasources to sync.
	ClusterSources interface {
		GetStackCredential(ctx context.Context, stackID string) (string, error)
		ListNamespaces(ctx context.Context, orgID, stackID string) ([]Namespace, error)
		ListDatasources(ctx context.Context, orgID, stackID string) ([]Datasource, error)
		ListStackSecrets(ctx context.Context, stackID string) ([]StoredSecret, error)
	}
	// AuditLog records calls made through customers' roles.
	AuditLog interface {
		StoreClock
		AddAudit(ctx context.Context, a AuditEntry) error
	}
)

// OrganizationRecords keeps organizations.
type OrganizationRecords interface {
	CreateOrganization(ctx context.Context, o Organization) error
	GetOrganization(ctx context.Context, id string) (Organization, error)
	OrganizationNameTaken(ctx context.Context, name string) (bool, error)
}

// UserRecords keeps users.
type UserRecords interface {
	CreateUser(ctx context.Context, u User) error
	GetUser(ctx context.Context, id string) (User, error)
	GetUserByEmail(ctx context.Context, email string) (User, error)
	GetUserByGitHubID(ctx context.Context, githubID int64) (User, error)
	SetUserGitHubID(ctx context.Context, userID string, githubID int64) error
	CountUsers(ctx context.Context) (int, error)
	// GetUserInOrganization reads a member and their organization in one
	// query: whoami is the most frequent authenticated read.
	GetUserInOrganization(ctx context.Context, orgID, userID string) (User, Organization, error)
}

// MemberRecords keeps memberships.
type MemberRecords interface {
	AddMember(ctx context.Context, m Membership) error
	// MembershipOf returns the one membership of a user, in any organization.
	MembershipOf(ctx context.Context, userID string) (Membership, error)
	GetMember(ctx context.Context, orgID, userID string) (Member, error)
	ListMembers(ctx context.Context, orgID string) ([]Member, error)
	RemoveMember(ctx context.Context, orgID, userID string) error
	// LockMembers holds the organization's memberships until the
	// transaction ends: another transaction that locks them waits. A rule
	// over all members (the last admin stays) locks them before it reads.
	LockMembers(ctx context.Context, orgID string) error
}

// InvitationRecords keeps invitations.
type InvitationRecords interface {
	CreateInvitation(ctx context.Context, i Invitation) error
	GetInvitation(ctx context.Context, orgID, id string) (Invitation, error)
	ListInvitations(ctx context.Context, orgID string) ([]Invitation, error)
	// InvitationsForEmail lists invitations to an email across organizations:
	// sign-in needs them before the user has an organization.
	InvitationsForEmail(ctx context.Context, email string) ([]Invitation, error)
	MarkInvitationAccepted(ctx context.Context, orgID, id string, at time.Time) error
	MarkInvitationRevoked(ctx context.Context, orgID, id string, at time.Time) error
}

// TokenRecords keeps API tokens.
type TokenRecords interface {
	CreateToken(ctx context.Context, t Token) error
	GetToken(ctx context.Context, orgID, id string) (Token, error)
	// ResolveToken finds the token with this hash and the role its user holds
	// in the token's organization (NotFound when either is gone). It is how a
	// request finds its organization, so it is the one unscoped token read.
	ResolveToken(ctx context.Context, hash string) (Token, Role, error)
	ListTokens(ctx context.Context, orgID, userID string) ([]Token, error)
	RevokeToken(ctx context.Context, orgID, id string, at time.Time) error
	RevokeUserTokens(ctx context.Context, orgID, userID string, at time.Time) error
	TouchToken(ctx context.Context, id string, at time.Time) error
}

// SignInTicketRecords keeps the tickets of sign-ins waiting for the user's
// choice of organization.
type SignInTicketRecords interface {
	// CreateSignInTicket also drops the tickets that expired before t's
	// creation.
	CreateSignInTicket(ctx context.Context, t SignInTicket) error
	GetSignInTicket(ctx context.Context, hash string) (SignInTicket, error)
	DeleteSignInTicket(ctx context.Context, hash string) error
}

// StackRecords keeps stacks.
type StackRecords interface {
	CreateStack(ctx context.Context, s Stack) error
	GetStack(ctx context.Context, orgID, name string) (Stack, error)
	ListStacks(ctx context.Context, orgID string) ([]Stack, error)
	// UpdateStack writes a stack's state, hint, failed step, options and
	// connection. Given from, it writes only if the stored state is one of
	// them and answers Conflict otherwise, so a transition never overwrites
	// one made meanwhile (a destroy asked for during a provision).
	UpdateStack(ctx context.Context, s Stack, from ...StackState) error
	// StacksOnConnection lists an organization's stacks that act through a
	// connection.
	StacksOnConnection(ctx context.Context, orgID, connectionID string) ([]Stack, error)
	// DeleteStack removes a stack, with its namespaces, steps, events and
	// runs, if it is still in state (Conflict otherwise).
	DeleteStack(ctx context.Context, orgID, id string, state StackState) error
	// StacksInState lists the stacks with a provider (every kind but local)
	// of every organization in the states, for the background workers.
	StacksInState(ctx context.Context, states ...StackState) ([]Stack, error)
	// CountStacksOfKind counts the stacks of a kind in every organization and
	// state: hosted mode refuses a store that holds local stacks.
	CountStacksOfKind(ctx context.Context, kind StackKind) (int, error)
}

// StackKubeRecords keeps what the Kubernetes side of a stack needs: an
// attached cluster's sealed credential, and the last sync's report.
type StackKubeRecords interface {
	SetStackCredential(ctx context.Context, stackID, sealed string) error
	// GetStackCredential answers NotFound for a stack without one.
	GetStackCredential(ctx context.Context, stackID string) (string, error)
	// AllStackCredentials are every stack's, by stack id, for re-sealing
	// them with a new key.
	AllStackCredentials(ctx context.Context) (map[string]string, error)
	SaveSyncReport(ctx context.Context, stackID string, r SyncReport) error
	// GetSyncReport answers NotFound until a stack was synced.
	GetSyncReport(ctx context.Context, stackID string) (SyncReport, error)
}

// NamespaceRecords keeps the namespaces of stacks.
type NamespaceRecords interface {
	CreateNamespace(ctx context.Context, n Namespace) error
	GetNamespace(ctx context.Context, orgID, stackID, name string) (Namespace, error)
	ListNamespaces(ctx context.Context, orgID, stackID string) ([]Namespace, error)
	DeleteNamespace(ctx context.Context, orgID, stackID, name string) error
}

// StackSecretRecords keeps the sealed secrets of attached clusters'
// namespaces.
type StackSecretRecords interface {
	// PutStackSecret creates the secret or replaces the one of the same
	// stack, namespace and alias.
	PutStackSecret(ctx context.Context, s StoredSecret) error
	ListStackSecrets(ctx context.Context, stackID string) ([]StoredSecret, error)
	DeleteStackSecret(ctx context.Context, stackID, namespace, alias string) error
}

// DatasourceRecords keeps the datasources of stacks' namespaces.
type DatasourceRecords interface {
	// PutDatasource creates the datasource or replaces the one of the same
	// stack, namespace and name.
	PutDatasource(ctx context.Context, d Datasource) error
	ListDatasources(ctx context.Context, orgID, stackID string) ([]Datasource, error)
	DeleteDatasource(ctx context.Context, orgID, stackID, namespace, name string) error
}

// StackEventRecords keeps the progress lines of stacks.
type StackEventRecords interface {
	AddStackEvent(ctx context.Context, e StackEvent) error
	ListStackEvents(ctx context.Context, orgID, stackID string, after time.Time) ([]StackEvent, error)
}

// StepRecords keeps the step engine's state and the durations ETAs come from.
type StepRecords interface {
	StepStore
	DeleteStackSteps(ctx context.Context, stackID string) error
	RecordStepDuration(ctx context.Context, step string, d time.Duration, at time.Time) error
	// StepDurations is the median of the last durations of each step.
	StepDurations(ctx context.Context) (map[string]time.Duration, error)
}

// LeaseRecords keeps the leases that give one server replica a stack.
type LeaseRecords interface {
	// AcquireStackLease gives owner the stack until the given time, unless
	// another owner holds an unexpired lease; it reports whether it did.
	AcquireStackLease(ctx context.Context, stackID, owner string, until, now time.Time) (bool, error)
	ReleaseStackLease(ctx context.Context, stackID, owner string) error
}

// RunRecords keeps pipeline runs.
type RunRecords interface {
	// CreateRun answers Conflict when the organization already has a run
	// with the same idempotency key.
	CreateRun(ctx context.Context, r Run) error
	GetRun(ctx context.Context, orgID, id string) (Run, error)
	GetRunByIdempotencyKey(ctx context.Context, orgID, key string) (Run, error)
	// GetRunArchive is a run's packed project; NotFound for a run without.
	GetRunArchive(ctx context.Context, runID string) ([]byte, error)
	// ListRuns returns runs newest first, after the filter's cursor.
	ListRuns(ctx context.Context, orgID string, f RunFilter) ([]Run, error)
	// UpdateRun writes the run's state fields if its stored state is one of
	// from, and answers Conflict otherwise: transitions never race.
	UpdateRun(ctx context.Context, r Run, from ...RunState) error
	// RunsInState lists runs of every organization, oldest first: the
	// executor serves them all.
	RunsInState(ctx context.Context, kind StackKind, states ...RunState) ([]Run, error)
	// LiveRunsPerStack counts the starting and running runs of each stack
	// of the kind, by stack id.
	LiveRunsPerStack(ctx context.Context, kind StackKind) (map[string]int, error)
	// CountRunsAhead counts the runs on r's stack that a pending r waits
	// for: the live ones, and the pending ones created before it.
	CountRunsAhead(ctx context.Context, r Run) (int, error)
}

// ConnectionRecords keeps AWS connections, external IDs, verifications and
// connection events.
type ConnectionRecords interface {
	// GetExternalID answers NotFound until one was set for the organization.
	GetExternalID(ctx context.Context, orgID string) (string, error)
	// SetExternalID sets or replaces (rotates) the external ID.
	SetExternalID(ctx context.Context, orgID, externalID string, at time.Time) error
	// EnsureExternalID sets candidate unless the organization has an
	// external ID already, and returns the one it has: concurrent first
	// uses all get the same.
	EnsureExternalID(ctx context.Context, orgID, candidate string, at time.Time) (string, error)
	CreateConnection(ctx context.Context, c AWSConnection) error
	GetConnection(ctx context.Context, orgID, id string) (AWSConnection, error)
	ListConnections(ctx context.Context, orgID string) ([]AWSConnection, error)
	// AllConnections lists every organization's connections, for the
	// periodic verifier.
	AllConnections(ctx context.Context) ([]AWSConnection, error)
	UpdateConnection(ctx context.Context, c AWSConnection) error
	DeleteConnection(ctx context.Context, orgID, id string) error
	SaveVerification(ctx context.Context, v Verification) error
	LatestVerification(ctx context.Context, orgID, connectionID string) (Verification, error)
	AddConnectionEvent(ctx context.Context, e ConnectionEvent) error
	ListConnectionEvents(ctx context.Context, orgID, connectionID string) ([]ConnectionEvent, error)
}

// AuditRecords keeps the audit log: AWS calls and identity actions.
type AuditRecords interface {
	AddAudit(ctx context.Context, a AuditEntry) error
	// ListAudit returns the entries that pass the filter, newest first,
	// after its cursor, at most its limit.
	ListAudit(ctx context.Context, orgID string, f AuditFilter) ([]AuditEntry, error)
}
