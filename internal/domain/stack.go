package domain

import (
	"regexp"
	"slices"
	"time"
)

// StackKind says where a stack's Spark runs.
type StackKind string

// The stack kinds. Local stacks run pipelines as processes on the server's
// machine; aws-eks stacks are EKS clusters the platform builds in the
// customer's account; kubernetes stacks are existing clusters an admin
// attaches.
const (
	StackLocal      StackKind = "local"
	StackAWS        StackKind = "aws-eks"
	StackKubernetes StackKind = "kubernetes"
)

// StackState is a stack's lifecycle state.
type StackState string

// The stack states: draft -> provisioning -> ready -> updating -> ready,
// destroying -> destroyed, or failed with the step, the error and a fix.
// A local stack is always ready.
const (
	StackDraft        StackState = "draft"
	StackProvisioning StackState = "provisioning"
	StackReady        StackState = "ready"
	StackUpdating     StackState = "updating"
	StackDestroying   StackState = "destroying"
	StackDestroyed    StackState = "destroyed"
	StackFailed       StackState = "failed"
)

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

	// The Kubernetes API server: an attached cluster's, or an EKS cluster's
	// once it exists.
	Endpoint string

	// AWS stacks only.
	ConnectionID string
	Region       string
	Options      StackOptions
	FailedStep   string // the step that failed, when State is failed
	Hint         string // the error and its fix, when State is failed
}

// StackOptions are an AWS stack's settings, with defaults from Defaults.
type StackOptions struct {
	KubernetesVersion string   `json:"kubernetes_version,omitempty"`
	SystemNodeType    string   `json:"system_node_type,omitempty"`
	SystemNodeCount   int      `json:"system_node_count,omitempty"`
	InstanceFamilies  []string `json:"instance_families,omitempty"` // for Spark nodes (Karpenter)
	CapacityTypes     []string `json:"capacity_types,omitempty"`    // spot, on-demand
	SparkCPULimit     int      `json:"spark_cpu_limit,omitempty"`   // vCPUs Karpenter may run for Spark
}

// WithDefaults fills every unset option.
func (o StackOptions) WithDefaults() StackOptions {
	if o.KubernetesVersion == "" {
		o.KubernetesVersion = "1.31"
	}
	if o.SystemNodeType == "" {
		o.SystemNodeType = "m6i.large"
	}
	if o.SystemNodeCount == 0 {
		o.SystemNodeCount = 2
	}
	if len(o.InstanceFamilies) == 0 {
		o.InstanceFamilies = []string{"m6i", "m7i", "r6i"}
	}
	if len(o.CapacityTypes) == 0 {
		o.CapacityTypes = []string{"spot", "on-demand"}
	}
	if o.SparkCPULimit == 0 {
		o.SparkCPULimit = 256
	}
	return o
}

var (
	stackNamePattern = regexp.MustCompile(`^[a-z][a-z0-9-]{1,30}[a-z0-9]$`)
	k8sVersion       = regexp.MustCompile(`^1\.[0-9]{2}$`)
	instanceType     = regexp.MustCompile(`^[a-z][a-z0-9-]*\.[a-z0-9]+$`)
	instanceFamily   = regexp.MustCompile(`^[a-z][a-z0-9-]*$`)
)

// ValidateStackName: 3-32 lowercase letters, digits and hyphens, starting
// with a letter, not ending with a hyphen. Names end up in IAM role names,
// which must stay under 64 characters.
func ValidateStackName(name string) error {
	if !stackNamePattern.MatchString(name) {
		return Invalid("name", "stack_name", "must be 3-32 lowercase letters, digits or hyphens, start with a letter and not end with a hyphen")
	}
	return nil
}

// Validate checks options after WithDefaults, naming the first bad field.
func (o StackOptions) Validate() error {
	switch {
	case !k8sVersion.MatchString(o.KubernetesVersion):
		return Invalid("kubernetes_version", "kubernetes_version", "must be a minor version such as 1.31")
	case !instanceType.MatchString(o.SystemNodeType):
		return Invalid("system_node_type", "instance_type", "must be an EC2 instance type such as m6i.large")
	case o.SystemNodeCount < 1 || o.SystemNodeCount > 10:
		return Invalid("system_node_count", "range", "must be between 1 and 10")
	case o.SparkCPULimit < 1 || o.SparkCPULimit > 10000:
		return Invalid("spark_cpu_limit", "range", "must be between 1 and 10000 vCPUs")
	}
	for i, f := range o.InstanceFamilies {
		switch {
		case !instanceFamily.MatchString(f):
			return Invalid("instance_families", "instance_family", f+" is not an EC2 instance family such as m6i")
		case slices.Contains(o.InstanceFamilies[:i], f):
			return Invalid("instance_families", "unique", f+" is listed twice")
		}
	}
	for i, c := range o.CapacityTypes {
		switch {
		case c != "spot" && c != "on-demand":
			return Invalid("capacity_types", "enum", `each must be "spot" or "on-demand"`)
		case slices.Contains(o.CapacityTypes[:i], c):
			return Invalid("capacity_types", "unique", c+" is listed twice")
		}
	}
	return nil
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

// StackEvent is one line of a stack's progress.
type StackEvent struct {
	ID      string
	OrgID   string
	StackID string
	At      time.Time
	Step    string
	Status  string
	Message string
}

// StackPlan is what provisioning a stack will do, before anything happens.
type StackPlan struct {
	Steps []PlannedStep
	// Errors would make provisioning fail: each names the step and the fix.
	Errors []string
	// OptionalAdditions need more than OrchesteraAccessPolicy allows; the
	// stack works without them.
	OptionalAdditions []string
	Cost              CostEstimate
	Duration          time.Duration // the critical path, from past runs and defaults
}

// PlannedStep is one step of a plan.
type PlannedStep struct {
	Name      string
	After     []string
	Resources []string
	Actions   []string
	// Missing are actions the step needs that the connection's role was
	// not verified to have.
	Missing  []string
	Estimate time.Duration
}

// CostEstimate prices the fixed part of a stack. Unpriced names the items
// no price was found for: they are not in the totals.
type CostEstimate struct {
	HourlyUSD  float64
	MonthlyUSD float64
	Items      []CostItem
	Unpriced   []string
}

// CostItem is one priced part; Source says where its price came from.
type CostItem struct {
	Name      string
	Quantity  int
	HourlyUSD float64 // for all of Quantity
	Source    string
}
