package domain

import (
	"regexp"
	"time"
)

// StackKind says where a stack's Spark runs.
type StackKind string

// The stack kinds. Local stacks run pipelines as processes on the server's
// machine; AWS stacks (a later issue) on EKS.
const (
	StackLocal StackKind = "local"
	StackAWS   StackKind = "aws"
)

// StackState is a stack's lifecycle state.
type StackState string

// StackReady is the only state a local stack has.
const StackReady StackState = "ready"

// LocalStackName and DefaultNamespace are what local mode creates.
const (
	LocalStackName   = "local"
	DefaultNamespace = "default"
)

// Stack is one Spark cluster (or the local machine). Not a CloudFormation
// stack: that is always called cfnStack.
type Stack struct {
	ID        string
	OrgID     string
	Name      string
	Kind      StackKind
	State     StackState
	CreatedAt time.Time
}

// Namespace is a Kubernetes namespace of one stack (a directory of runs on a
// local stack).
type Namespace struct {
	ID        string
	OrgID     string
	StackID   string
	Name      string
	CreatedAt time.Time
}

var dnsLabel = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

// ValidateNamespaceName: a DNS-1123 label, as Kubernetes requires.
func ValidateNamespaceName(name string) error {
	if !dnsLabel.MatchString(name) {
		return Invalid("name", "dns1123_label", "must be 1-63 lowercase letters, digits or '-', starting and ending with a letter or digit")
	}
	return nil
}
