package awsstack

import (
	"fmt"
	"net/netip"
	"regexp"
	"time"

	"github.com/orchestera/orchestera/internal/cfn"
	"github.com/orchestera/orchestera/internal/domain"
)

// The tags on everything a stack creates in the customer's account. A
// resource found by its deterministic name is ours only when it carries the
// org and stack tags with our values; anything else is refused, never
// adopted.
const (
	TagOrg       = "orchestera.io/org"
	TagStack     = "orchestera.io/stack"
	TagManagedBy = "orchestera.io/managed-by"
)

// StackSpec is what the AWS side of one stack is built from. The stack is
// the product's stack (a Spark cluster), not a CloudFormation stack: the
// network's CloudFormation stack is called a cfnStack here.
type StackSpec struct {
	OrgID, StackName, Region, KubernetesVersion string
	AZs                                         []string // from PickAZs, at least 2
	SystemNodeType                              string
	SystemNodeCount                             int32
	VPCCIDR                                     string
}

// The parts of a stack, each named spec.Name(part).
const (
	partNetwork     = "network"      // cfnStack
	partNAT         = "nat"          // cfnStack
	partCluster     = "cluster"      // EKS cluster
	partClusterRole = "cluster-role" // IAM role
	partNodeRole    = "node-role"    // IAM role
	partNodeProfile = "node-profile" // IAM instance profile
	partSystemNodes = "system"       // EKS node group
	partKarpenter   = "karpenter"    // SQS queue and IAM role
)

// Limits and fixed values.
const (
	maxNameLength    = 63 // IAM roles allow 64, node groups and DNS labels 63
	maxAZs           = 6  // the subnet plan has room for 6 AZs
	defaultNotReady  = 30 * time.Second
	minVPCPrefix     = 16 // AWS's largest VPC
	maxVPCPrefix     = 20 // leaves /26 public subnets
	managedByOrchest = "orchestera"
	karpenterSA      = "system:serviceaccount:karpenter:karpenter"
	stsAudience      = "sts.amazonaws.com"
)

// namedParts are the parts whose names Validate checks against maxNameLength.
var namedParts = []string{partNetwork, partNAT, partCluster, partClusterRole, partNodeRole, partNodeProfile, partSystemNodes, partKarpenter}

// Name is the deterministic name of one part: orchestera-<stack>-<part>.
func (s StackSpec) Name(part string) string { return "orchestera-" + s.StackName + "-" + part }

// SystemNodegroup is the system node group's name.
func (s StackSpec) SystemNodegroup() string { return s.Name(partSystemNodes) }

// ClusterName is the EKS cluster's name.
func (s StackSpec) ClusterName() string { return domain.EKSClusterName(s.StackName) }

// Tags are the ownership tags.
func (s StackSpec) Tags() map[string]string {
	return map[string]string{TagOrg: s.OrgID, TagStack: s.StackName, TagManagedBy: managedByOrchest}
}

// resourceTags are a template resource's tags: ours, its Name (the part
// named name) and extra key-value pairs.
func (s StackSpec) resourceTags(name string, extra ...string) []cfn.Tag {
	m := s.Tags()
	m["Name"] = s.Name(name)
	for i := 0; i+1 < len(extra); i += 2 {
		m[extra[i]] = extra[i+1]
	}
	return cfn.Tags(m)
}

// owns reports whether tags mark a resource as this stack's.
func (s StackSpec) owns(tags map[string]string) bool {
	return tags[TagOrg] == s.OrgID && tags[TagStack] == s.StackName
}

var k8sVersionPattern = regexp.MustCompile(`^1\.[0-9]{2}$`)

// DefaultVPCCIDR is every stack's VPC, until a stack option says otherwise.
const DefaultVPCCIDR = "10.0.0.0/16"

// SpecFor is what a stack's AWS side is built from, before its AZs are
// picked (the azs step does that).
func SpecFor(st domain.Stack) StackSpec {
	o := st.Options.WithDefaults()
	return StackSpec{OrgID: st.OrgID, StackName: st.Name, Region: st.Region, KubernetesVersion: o.KubernetesVersion,
		SystemNodeType: o.SystemNodeType, SystemNodeCount: int32(o.SystemNodeCount), VPCCIDR: DefaultVPCCIDR}
}

// Validate checks the spec before any AWS call; every ensure calls it.
func (s StackSpec) Validate() error {
	if err := s.validateNames(); err != nil {
		return err
	}
	switch {
	case s.Region == "":
		return domain.Invalid("region", "required", "the region is required")
	case !k8sVersionPattern.MatchString(s.KubernetesVersion):
		return domain.Invalid("kubernetes_version", "format", `must look like "1.31"`)
	case s.SystemNodeType == "":
		return domain.Invalid("system_node_type", "required", "the system node group's instance type is required")
	case s.SystemNodeCount < 1:
		return domain.Invalid("system_node_count", "min", "the system node group needs at least 1 node")
	}
	if len(s.AZs) < 2 || len(s.AZs) > maxAZs {
		return domain.Invalid("azs", "count", fmt.Sprintf("need 2 to %d availability zones, got %d", maxAZs, len(s.AZs)))
	}
	seen := map[string]bool{}
	for _, az := range s.AZs {
		if az == "" || seen[az] {
			return domain.Invalid("azs", "distinct", fmt.Sprintf("availability zones must be distinct and non-empty: %q", s.AZs))
		}
		seen[az] = true
	}
	if _, _, err := subnetPlan(s.VPCCIDR, len(s.AZs)); err != nil {
		return domain.Invalid("vpc_cidr", "cidr", err.Error())
	}
	return nil
}

// validateNames checks what names and ownership tags are made of: all a
// destroy needs.
func (s StackSpec) validateNames() error {
	switch {
	case s.OrgID == "":
		return domain.Invalid("org_id", "required", "the organization id is required")
	}
	if err := domain.ValidateStackName(s.StackName); err != nil {
		return domain.Invalid("stack_name", "stack_name", err.(*domain.Error).Fields[0].Message)
	}
	for _, p := range namedParts {
		if n := s.Name(p); len(n) > maxNameLength {
			return domain.Invalid("stack_name", "length", fmt.Sprintf("the stack name is too long: %q has %d characters, AWS allows %d", n, len(n), maxNameLength))
		}
	}
	return nil
}

// subnetPlan carves the VPC: private subnet i is the i-th block of prefix
// p+3 (1/8 of the VPC each, room for Karpenter's nodes and pods), and the
// public subnets share the last such block in pieces of prefix p+6 (load
// balancers and NAT gateways only).
func subnetPlan(vpcCIDR string, n int) (public, private []string, err error) {
	pfx, err := netip.ParsePrefix(vpcCIDR)
	if err != nil || !pfx.Addr().Is4() || pfx.Masked() != pfx {
		return nil, nil, fmt.Errorf("%q is not an IPv4 network such as 10.0.0.0/16", vpcCIDR)
	}
	if b := pfx.Bits(); b < minVPCPrefix || b > maxVPCPrefix {
		return nil, nil, fmt.Errorf("%q: the prefix must be /%d to /%d", vpcCIDR, minVPCPrefix, maxVPCPrefix)
	}
	base := pfx.Addr().As4()
	start := uint32(base[0])<<24 | uint32(base[1])<<16 | uint32(base[2])<<8 | uint32(base[3])
	block := func(offset uint32, bits int) string {
		a := start + offset
		return netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(a >> 24), byte(a >> 16), byte(a >> 8), byte(a)}), bits).String()
	}
	privSize := uint32(1) << (32 - pfx.Bits() - 3)
	pubSize := privSize >> 3
	for i := 0; i < n; i++ {
		private = append(private, block(uint32(i)*privSize, pfx.Bits()+3))
		public = append(public, block(7*privSize+uint32(i)*pubSize, pfx.Bits()+6))
	}
	return public, private, nil
}

// NotOwnedError refuses a resource that has our deterministic name but not
// our ownership tags: someone else created it, and we never adopt.
type NotOwnedError struct {
	Kind, Name         string
	WantOrg, WantStack string            // the tag values that would make it ours
	Found              map[string]string // the tags it has
}

func (e *NotOwnedError) Error() string {
	return fmt.Sprintf("%s %q exists but is not tagged %s=%s, %s=%s (it has %d tags): refusing to adopt what this stack did not create; delete or rename it",
		e.Kind, e.Name, TagOrg, e.WantOrg, TagStack, e.WantStack, len(e.Found))
}

// Unwrap classifies the refusal as a domain conflict.
func (e *NotOwnedError) Unwrap() error {
	return domain.Errorf(domain.CodeConflict, "%s %q is not this stack's", e.Kind, e.Name)
}

// checkOwned returns a NotOwnedError, with its fix, unless tags mark the
// resource as ours.
func (s StackSpec) checkOwned(kind, name string, tags map[string]string) error {
	if s.owns(tags) {
		return nil
	}
	return domain.WithFix(&NotOwnedError{Kind: kind, Name: name, WantOrg: s.OrgID, WantStack: s.StackName, Found: tags},
		"a resource with this stack's name exists without Orchestera's ownership tags: delete or rename it, or use another stack name")
}
