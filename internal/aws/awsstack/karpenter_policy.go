package awsstack

import (
	"github.com/orchestera/orchestera/internal/iampolicy"
)

// The documents of Karpenter's AWS side, after Karpenter v1's own
// CloudFormation template
// (https://karpenter.sh/docs/reference/cloudformation/), narrowed to one
// cluster, region and queue. Nodes get the node instance profile that
// EnsureIAM made (EC2NodeClass spec.instanceProfile), so Karpenter needs no
// instance-profile write permissions.

// karpenterScope is what the documents are scoped to.
type karpenterScope struct {
	partition, region, account string
	cluster, queueARN          string
	nodeRoleARN, profileName   string
}

func allow(sid string, actions, resources []string, cond map[string]map[string]iampolicy.StringList) iampolicy.Statement {
	return iampolicy.Statement{Sid: sid, Effect: "Allow", Action: actions, Resource: resources, Condition: cond}
}

// controllerPolicy is the Karpenter controller role's inline policy.
func (k karpenterScope) controllerPolicy() iampolicy.Document {
	ec2 := func(res string) string { return "arn:" + k.partition + ":ec2:" + k.region + ":*:" + res }
	created := []string{ec2("fleet/*"), ec2("instance/*"), ec2("volume/*"), ec2("network-interface/*"), ec2("launch-template/*"), ec2("spot-instances-request/*")}
	ownedCluster := "kubernetes.io/cluster/" + k.cluster
	resourceOwned := map[string]map[string]iampolicy.StringList{
		"StringEquals": {"aws:ResourceTag/" + ownedCluster: {"owned"}},
		"StringLike":   {"aws:ResourceTag/karpenter.sh/nodepool": {"*"}},
	}
	requestOwned := func(extra map[string]iampolicy.StringList) map[string]map[string]iampolicy.StringList {
		eq := map[string]iampolicy.StringList{"aws:RequestTag/" + ownedCluster: {"owned"}, "aws:RequestTag/eks:eks-cluster-name": {k.cluster}}
		for key, v := range extra {
			eq[key] = v
		}
		return map[string]map[string]iampolicy.StringList{"StringEquals": eq, "StringLike": {"aws:RequestTag/karpenter.sh/nodepool": {"*"}}}
	}
	return iampolicy.Document{Version: iampolicy.Version, Statement: iampolicy.Statements{
		allow("AllowScopedEC2InstanceAccessActions", []string{"ec2:RunInstances", "ec2:CreateFleet"}, []string{
			"arn:" + k.partition + ":ec2:" + k.region + "::image/*", "arn:" + k.partition + ":ec2:" + k.region + "::snapshot/*",
			ec2("security-group/*"), ec2("subnet/*"), ec2("capacity-reservation/*"),
		}, nil),
		allow("AllowScopedEC2LaunchTemplateAccessActions", []string{"ec2:RunInstances", "ec2:CreateFleet"}, []string{ec2("launch-template/*")}, resourceOwned),
		allow("AllowScopedEC2InstanceActionsWithTags", []string{"ec2:RunInstances", "ec2:CreateFleet", "ec2:CreateLaunchTemplate"}, created, requestOwned(nil)),
		allow("AllowScopedResourceCreationTagging", []string{"ec2:CreateTags"}, created,
			requestOwned(map[string]iampolicy.StringList{"ec2:CreateAction": {"RunInstances", "CreateFleet", "CreateLaunchTemplate"}})),
		allow("AllowScopedResourceTagging", []string{"ec2:CreateTags"}, []string{ec2("instance/*")}, map[string]map[string]iampolicy.StringList{
			"StringEquals":              {"aws:ResourceTag/" + ownedCluster: {"owned"}},
			"StringLike":                {"aws:ResourceTag/karpenter.sh/nodepool": {"*"}},
			"StringEqualsIfExists":      {"aws:RequestTag/eks:eks-cluster-name": {k.cluster}},
			"ForAllValues:StringEquals": {"aws:TagKeys": {"eks:eks-cluster-name", "karpenter.sh/nodeclaim", "Name"}},
		}),
		allow("AllowScopedDeletion", []string{"ec2:TerminateInstances", "ec2:DeleteLaunchTemplate"},
			[]string{ec2("instance/*"), ec2("launch-template/*")}, resourceOwned),
		allow("AllowRegionalReadActions", []string{"ec2:DescribeAvailabilityZones", "ec2:DescribeCapacityReservations", "ec2:DescribeImages",
			"ec2:DescribeInstances", "ec2:DescribeInstanceTypeOfferings", "ec2:DescribeInstanceTypes", "ec2:DescribeLaunchTemplates",
			"ec2:DescribeSecurityGroups", "ec2:DescribeSpotPriceHistory", "ec2:DescribeSubnets"}, []string{"*"},
			map[string]map[string]iampolicy.StringList{"StringEquals": {"aws:RequestedRegion": {k.region}}}),
		allow("AllowSSMReadActions", []string{"ssm:GetParameter"}, []string{"arn:" + k.partition + ":ssm:" + k.region + "::parameter/aws/service/*"}, nil),
		allow("AllowPricingReadActions", []string{"pricing:GetProducts"}, []string{"*"}, nil),
		allow("AllowInterruptionQueueActions", []string{"sqs:DeleteMessage", "sqs:GetQueueUrl", "sqs:ReceiveMessage"}, []string{k.queueARN}, nil),
		allow("AllowPassingInstanceRole", []string{"iam:PassRole"}, []string{k.nodeRoleARN},
			map[string]map[string]iampolicy.StringList{"StringEquals": {"iam:PassedToService": {"ec2.amazonaws.com"}}}),
		allow("AllowInstanceProfileRead", []string{"iam:GetInstanceProfile"},
			[]string{"arn:" + k.partition + ":iam::" + k.account + ":instance-profile/" + k.profileName}, nil),
		allow("AllowAPIServerEndpointDiscovery", []string{"eks:DescribeCluster"},
			[]string{"arn:" + k.partition + ":eks:" + k.region + ":" + k.account + ":cluster/" + k.cluster}, nil),
	}}
}

// queuePolicy lets EventBridge (and SQS itself) send to the queue and
// refuses plain HTTP.
func (k karpenterScope) queuePolicy() iampolicy.Document {
	return iampolicy.Document{Version: iampolicy.Version, Statement: iampolicy.Statements{
		{Sid: "AllowEventDelivery", Effect: "Allow", Action: iampolicy.StringList{"sqs:SendMessage"}, Resource: iampolicy.StringList{k.queueARN},
			Principal: &iampolicy.Principal{Map: map[string]iampolicy.StringList{"Service": {"events.amazonaws.com", "sqs.amazonaws.com"}}}},
		{Sid: "DenyHTTP", Effect: "Deny", Action: iampolicy.StringList{"sqs:*"}, Resource: iampolicy.StringList{k.queueARN},
			Principal: &iampolicy.Principal{Any: true},
			Condition: map[string]map[string]iampolicy.StringList{"Bool": {"aws:SecureTransport": {"false"}}}},
	}}
}

// controllerTrust lets only the karpenter/karpenter service account of the
// cluster assume the controller role (IRSA).
func controllerTrust(o OIDCOutputs) iampolicy.Document {
	return iampolicy.Document{Version: iampolicy.Version, Statement: iampolicy.Statements{{
		Effect:    "Allow",
		Principal: &iampolicy.Principal{Map: map[string]iampolicy.StringList{"Federated": {o.ProviderARN}}},
		Action:    iampolicy.StringList{"sts:AssumeRoleWithWebIdentity"},
		Condition: map[string]map[string]iampolicy.StringList{"StringEquals": {
			o.Issuer + ":sub": {karpenterSA},
			o.Issuer + ":aud": {stsAudience},
		}},
	}}}
}
