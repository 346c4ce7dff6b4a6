package domain

import (
	"context"
	"io"
	"time"
)

// The ports: what the services need from the outside world, implemented by
// adapters (AWS, Kubernetes, processes, GitHub) and wired in cmd/orchestera.
// The store's ports are in store.go.

// StackProvider builds and tears down the resources of one kind of stack as
// a graph of idempotent steps; the stack lifecycle (package stacks) runs the
// graph with the step engine, keeps its state and turns failures into fixes.
type StackProvider interface {
	// Graph returns the stack's steps, acting on its cloud. Operation
	// ("provision", "destroy", "plan") names the work in audit trails.
	Graph(ctx context.Context, st Stack, operation string) (Graph, error)
	// Model is the same graph with nothing behind it: names, dependencies,
	// actions, resources and estimates, for plans and progress.
	Model(st Stack) Graph
	// Classify says what kind of failure a step's error is.
	Classify(err error) Failure
	// Leftovers lists what is still tagged with a stack after a destroy; the
	// stack is destroyed only when the list is empty.
	Leftovers(ctx context.Context, st Stack) ([]Leftover, error)
	// Plan is what only the provider knows of a plan: cost and additions.
	Plan(ctx context.Context, st Stack) (ProviderPlan, error)
}

// Failure is what kind of failure a step's error is.
type Failure int

// The failures. Transient ones are retried with backoff; the others stop the
// step. A step that knows the exact fix attaches it (domain.WithFix); the
// lifecycle falls back on one for the kind of failure.
const (
	FailurePermanent Failure = iota
	FailureTransient         // throttling, a fault on the cloud's side
	FailureForbidden         // the role lacks a permission
)

// Leftover is a resource still tagged with a destroyed stack: it costs money
// or blocks the network's deletion. Fix says what to do about it.
type Leftover struct {
	Type, ID, State, Fix string
}

// ProviderPlan is the part of a plan only the provider knows.
type ProviderPlan struct {
	Cost CostEstimate
	// OptionalAdditions need more than OrchesteraAccessPolicy allows; the
	// stack works without them.
	OptionalAdditions []string
}

// The optional parts of a StackProvider, for stacks with a Kubernetes side.
type (
	// NamespaceProvider applies a namespace of a ready stack at once (the
	// graph ensures them all on every provision and update).
	NamespaceProvider interface {
		EnsureNamespace(ctx context.Context, st Stack, name string) error
		// DeleteNamespace deletes the namespace if the platform created it.
		DeleteNamespace(ctx context.Context, st Stack, name string) error
	}
	// TokenIssuer gives a person short-lived access to one namespace of a
	// stack: a namespace-scoped service account's token, never the
	// platform's own credentials.
	TokenIssuer interface {
		Token(ctx context.Context, st Stack, namespace string) (ClusterToken, error)
	}
	// StackSyncer brings a stack's secrets, roles and datasources in line
	// with their sources, and reports each source it could not.
	StackSyncer interface {
		// Sync is given the last report (zero for the first sync) for what
		// it made outside the cluster.
		Sync(ctx context.Context, st Stack, last SyncReport) (SyncReport, error)
	}
)

// ClusterToken is how to reach a stack's cluster as one namespace's user.
type ClusterToken struct {
	Endpoint string
	CA       []byte // PEM
	Token    string
	Expires  time.Time
}

// ClusterAttacher checks the kubeconfig an admin brings to attach a cluster:
// it reaches the cluster, checks that the credential may do what bootstrap
// needs, and returns what to keep.
type ClusterAttacher interface {
	Attach(ctx context.Context, kubeconfig []byte, context string) (AttachedCluster, error)
}

// AttachedCluster is what the platform keeps of an attached cluster: its API
// server (shown) and a kubeconfig of the one context (sealed, never shown).
type AttachedCluster struct {
	Endpoint   string
	Credential []byte
}

// Sealer keeps a value only the platform may read: sealed at rest, opened
// when used.
type Sealer interface {
	Seal(plaintext []byte) (string, error)
	Open(sealed string) ([]byte, error)
	// Stale reports whether a value was sealed with a key other than the
	// current one: it should be sealed again.
	Stale(sealed string) bool
}

// RoleVerifier runs the verification checks against a customer role.
type RoleVerifier interface {
	Verify(ctx context.Context, t VerificationTarget) []Check
}

// Executor runs the pipelines of one stack kind.
type Executor interface {
	// Check validates what only the executor can see (the project directory,
	// the organization's secret aliases) before a run is accepted.
	Check(ctx context.Context, orgID, namespace string, spec RunSpec) error
	// Wake tells the executor new work is pending.
	Wake()
	// Cancel stops a live run; the executor records the outcome.
	Cancel(ctx context.Context, r Run) error
	// OpenLog opens a run's log; it stays readable after the run ends.
	OpenLog(r Run) (io.ReadCloser, error)
}

// LogClock is an Executor that knows when its runs wrote their logs.
type LogClock interface {
	// LogOffsetSince is the offset of the first byte of r's log written at
	// or after t.
	LogOffsetSince(r Run, t time.Time) (int64, error)
}

// SecretKeeper keeps the run secrets of one stack kind's namespaces. Values
// go in and never come out, except into the environment of a run that
// pulls them (or the cluster's Secrets a run mounts).
type SecretKeeper interface {
	// PutSecret creates or replaces a secret; kv is already validated.
	PutSecret(ctx context.Context, st Stack, namespace, alias string, kv map[string]string) error
	// ListSecrets lists a namespace's secrets by alias, with key names only.
	ListSecrets(ctx context.Context, st Stack, namespace string) ([]SecretInfo, error)
	// DeleteSecret removes a secret; NotFound when there is none.
	DeleteSecret(ctx context.Context, st Stack, namespace, alias string) error
}

// StackResolver finds a stack and one of its namespaces, NotFound for
// either.
type StackResolver interface {
	Resolve(ctx context.Context, p Principal, stack, namespace string) (Stack, Namespace, error)
}

// SignInProvider is an OAuth 2.0 web-flow identity provider (GitHub).
type SignInProvider interface {
	AuthCodeURL(state string) string
	Exchange(ctx context.Context, code string) (ExternalIdentity, error)
}

// ExternalIdentity is what a sign-in provider vouches for.
type ExternalIdentity struct {
	GitHubID int64
	Login    string
	Name     string
	Email    string // primary, verified
}
