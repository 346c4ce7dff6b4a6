package awsstack

import (
	"github.com/orchestera/orchestera/internal/iampolicy"
)

// The IAM actions each stack function may need, including those AWS checks
// on our behalf: CloudFormation creates the network with the caller's
// credentials (no service role), CreateRole with tags needs iam:TagRole,
// AddRoleToInstanceProfile and CreateCluster need iam:PassRole. A planner
// checks them against a connection's verified permissions
// (MissingStepActions) before running a step; GuideGaps is what the
// customer guide's OrchesteraAccessPolicy lacks.
var (
	AZActions = []string{"ec2:DescribeAvailabilityZones"}

	networkEC2Create = []string{"ec2:CreateVpc", "ec2:ModifyVpcAttribute", "ec2:DescribeVpcs", "ec2:DescribeVpcAttribute",
		"ec2:CreateSubnet", "ec2:DescribeSubnets", "ec2:CreateInternetGateway", "ec2:AttachInternetGateway",
		"ec2:DescribeInternetGateways", "ec2:CreateRouteTable", "ec2:DescribeRouteTables", "ec2:CreateRoute",
		"ec2:AssociateRouteTable", "ec2:CreateTags", "ec2:DescribeAvailabilityZones"}
	networkEC2Delete = []string{"ec2:DeleteVpc", "ec2:DeleteSubnet", "ec2:DetachInternetGateway", "ec2:DeleteInternetGateway",
		"ec2:DeleteRouteTable", "ec2:DeleteRoute", "ec2:DisassociateRouteTable", "ec2:DeleteTags"}
	natEC2Create = []string{"ec2:AllocateAddress", "ec2:DescribeAddresses", "ec2:CreateNatGateway", "ec2:DescribeNatGateways",
		"ec2:CreateRoute", "ec2:DescribeRouteTables", "ec2:DescribeSubnets", "ec2:CreateTags"}
	natEC2Delete = []string{"ec2:DisassociateAddress", "ec2:ReleaseAddress", "ec2:DeleteNatGateway", "ec2:DeleteRoute", "ec2:DeleteTags"}
	cfnRead      = []string{"cloudformation:DescribeStacks", "cloudformation:DescribeStackEvents"}

	// NetworkActions: an update may replace resources and a failed create
	// rolls back, so the deletes are needed too; a ROLLBACK_COMPLETE
	// cfnStack is deleted before it is created again.
	NetworkActions        = concat(cfnRead, []string{"cloudformation:CreateStack", "cloudformation:UpdateStack", "cloudformation:DeleteStack"}, networkEC2Create, networkEC2Delete)
	NetworkDestroyActions = concat(cfnRead, []string{"cloudformation:DeleteStack", "ec2:DescribeVpcs", "ec2:DescribeSubnets",
		"ec2:DescribeInternetGateways", "ec2:DescribeRouteTables"}, networkEC2Delete)
	NATActions        = concat(cfnRead, []string{"cloudformation:CreateStack", "cloudformation:UpdateStack", "cloudformation:DeleteStack"}, natEC2Create, natEC2Delete)
	NATDestroyActions = concat(cfnRead, []string{"cloudformation:DeleteStack", "ec2:DescribeAddresses", "ec2:DescribeNatGateways"}, natEC2Delete)

	// IAMActions: iam:UpdateAssumeRolePolicy only when a role's trust
	// policy drifted.
	IAMActions = []string{"iam:GetRole", "iam:CreateRole", "iam:TagRole", "iam:UpdateAssumeRolePolicy", "iam:ListAttachedRolePolicies",
		"iam:AttachRolePolicy", "iam:GetInstanceProfile", "iam:CreateInstanceProfile", "iam:TagInstanceProfile",
		"iam:AddRoleToInstanceProfile", "iam:PassRole"}
	roleDestroyActions = []string{"iam:GetRole", "iam:ListInstanceProfilesForRole", "iam:RemoveRoleFromInstanceProfile",
		"iam:ListAttachedRolePolicies", "iam:DetachRolePolicy", "iam:ListRolePolicies", "iam:DeleteRolePolicy", "iam:DeleteRole"}
	IAMDestroyActions = concat([]string{"iam:GetInstanceProfile", "iam:DeleteInstanceProfile"}, roleDestroyActions)

	// ClusterActions: EKS creates its service-linked role with the first
	// cluster and checks iam:PassRole on the cluster role.
	ClusterActions          = []string{"eks:DescribeCluster", "eks:CreateCluster", "eks:TagResource", "iam:PassRole", "iam:CreateServiceLinkedRole"}
	ClusterDestroyActions   = []string{"eks:DescribeCluster", "eks:DeleteCluster"}
	NodegroupActions        = []string{"eks:DescribeNodegroup", "eks:CreateNodegroup", "eks:TagResource", "iam:PassRole", "iam:CreateServiceLinkedRole"}
	NodegroupDestroyActions = []string{"eks:DescribeNodegroup", "eks:DeleteNodegroup"}
	OIDCActions             = []string{"iam:GetOpenIDConnectProvider", "iam:CreateOpenIDConnectProvider", "iam:TagOpenIDConnectProvider"}
	OIDCDestroyActions      = []string{"iam:GetOpenIDConnectProvider", "iam:DeleteOpenIDConnectProvider"}

	KarpenterActions = []string{"sqs:GetQueueUrl", "sqs:CreateQueue", "sqs:TagQueue", "sqs:ListQueueTags", "sqs:GetQueueAttributes",
		"sqs:SetQueueAttributes", "iam:GetRole", "iam:CreateRole", "iam:TagRole", "iam:UpdateAssumeRolePolicy",
		"iam:ListAttachedRolePolicies", "iam:PutRolePolicy"}
	KarpenterDestroyActions = concat(roleDestroyActions, []string{"sqs:GetQueueUrl", "sqs:ListQueueTags", "sqs:DeleteQueue"})

	// PlanActions: a plan checks the options against EC2 and EKS and prices
	// the system nodes.
	PlanActions = []string{"ec2:DescribeInstanceTypes", "eks:DescribeClusterVersions", "pricing:GetProducts"}

	LeftoverActions = []string{"ec2:DescribeInstances", "ec2:DescribeNetworkInterfaces", "ec2:DescribeVolumes", "ec2:DescribeAddresses",
		"ec2:DescribeNatGateways", "ec2:DescribeSecurityGroups", "ec2:DescribeVpcs"}
)

// StepActions are the lists above by function name.
var StepActions = map[string][]string{
	"PickAZs":             AZActions,
	"EnsureNetwork":       NetworkActions,
	"DestroyNetwork":      NetworkDestroyActions,
	"EnsureNAT":           NATActions,
	"DestroyNAT":          NATDestroyActions,
	"EnsureIAM":           IAMActions,
	"DestroyIAM":          IAMDestroyActions,
	"EnsureCluster":       ClusterActions,
	"DestroyCluster":      ClusterDestroyActions,
	"EnsureOIDCProvider":  OIDCActions,
	"DestroyOIDCProvider": OIDCDestroyActions,
	"EnsureNodegroup":     NodegroupActions,
	"DestroyNodegroup":    NodegroupDestroyActions,
	"EnsureKarpenter":     KarpenterActions,
	"DestroyKarpenter":    KarpenterDestroyActions,
	"Leftovers":           LeftoverActions,
	"Plan":                PlanActions,
}

// MissingStepActions returns, for each function in StepActions, the actions
// that policies do not grant (by iampolicy.Missing's rules); functions that
// lack nothing are left out.
func MissingStepActions(policies ...iampolicy.Document) map[string][]string {
	out := map[string][]string{}
	for step, actions := range StepActions {
		if m := iampolicy.Missing(actions, policies...); len(m) > 0 {
			out[step] = m
		}
	}
	return out
}

// GuideGaps is MissingStepActions against OrchesteraAccessPolicy as the
// customer guide prints it: what the guide must add before Orchestera can
// destroy (and repair) a stack on its own.
func GuideGaps() map[string][]string { return MissingStepActions(iampolicy.AccessPolicy()) }

// OptionalAddition is something a stack is better with that
// OrchesteraAccessPolicy does not allow, for the plan to offer.
type OptionalAddition struct {
	Name, What, Why string
	Actions         []string
	EventPatterns   []string // for EventBridge rules, one rule each
}

// OptionalAdditions: Karpenter's EventBridge rules. The guide grants no
// events:*, so EnsureKarpenter creates the queue but nothing fills it.
var OptionalAdditions = []OptionalAddition{{
	Name: "karpenter-interruption-rules",
	What: "EventBridge rules that send EC2 Spot interruption warnings, rebalance recommendations, instance state changes " +
		"and AWS Health scheduled changes to the stack's interruption queue (orchestera-<stack>-karpenter)",
	Why: "Karpenter then drains a node before AWS reclaims it; without them Spark executors on Spot nodes die without warning " +
		"and their tasks are retried elsewhere",
	Actions: []string{"events:PutRule", "events:PutTargets", "events:DescribeRule", "events:ListTargetsByRule",
		"events:RemoveTargets", "events:DeleteRule", "events:TagResource"},
	EventPatterns: []string{
		`{"source":["aws.ec2"],"detail-type":["EC2 Spot Instance Interruption Warning"]}`,
		`{"source":["aws.ec2"],"detail-type":["EC2 Instance Rebalance Recommendation"]}`,
		`{"source":["aws.ec2"],"detail-type":["EC2 Instance State-change Notification"]}`,
		`{"source":["aws.health"],"detail-type":["AWS Health Event"]}`,
	},
}}

func concat(lists ...[]string) []string {
	var out []string
	seen := map[string]bool{}
	for _, l := range lists {
		for _, a := range l {
			if !seen[a] {
				seen[a] = true
				out = append(out, a)
			}
		}
	}
	return out
}
