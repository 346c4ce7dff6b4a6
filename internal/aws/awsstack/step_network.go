package awsstack

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"

	"github.com/orchestera/orchestera/internal/aws/awssdk"
	"github.com/orchestera/orchestera/internal/cfn"
)

// The network is two cfnStacks. "network": a VPC with an internet gateway,
// and per availability zone a public and a private subnet, each private one
// with its own route table. "nat" (step_nat.go): per zone a NAT gateway and
// the private route table's default route through it, so losing one zone
// keeps the others' egress. The NAT gateways take minutes and only the
// nodes need them, so the EKS control plane (which needs only the subnets)
// is created meanwhile. EKS and the OIDC provider stay out of
// CloudFormation (created from Go, as eksctl does for its cluster too):
// moto cannot emulate them in a template, and EKS states are better polled
// by the engine.

// NetworkOutputs are the network's ids, subnets and route tables in
// spec.AZs order.
type NetworkOutputs struct {
	CFNStackID           string
	VPCID                string
	PublicSubnetIDs      []string
	PrivateSubnetIDs     []string
	PrivateRouteTableIDs []string
}

// The network template's parameters and outputs.
const (
	paramVPCCIDR        = "VpcCidr"
	paramAZs            = "AvailabilityZones"
	paramPublicCIDRs    = "PublicSubnetCidrs"
	paramPrivateCIDRs   = "PrivateSubnetCidrs"
	outVPCID            = "VpcId"
	outPublicSubnetIDs  = "PublicSubnetIds"
	outPrivateSubnetIDs = "PrivateSubnetIds"
	outPrivateRoutes    = "PrivateRouteTableIds"
)

// Typed properties of the resource types the network uses.
type (
	vpcProps struct {
		CidrBlock          any
		EnableDnsSupport   bool // EKS nodes and the private API endpoint need both
		EnableDnsHostnames bool
		Tags               []cfn.Tag
	}
	subnetProps struct {
		VpcId, CidrBlock, AvailabilityZone any
		Tags                               []cfn.Tag
	}
	taggedProps        struct{ Tags []cfn.Tag }
	igwAttachmentProps struct{ VpcId, InternetGatewayId any }
	routeTableProps    struct {
		VpcId any
		Tags  []cfn.Tag
	}
	routeProps struct {
		RouteTableId         any
		DestinationCidrBlock string
		GatewayId            any `json:",omitempty"`
		NatGatewayId         any `json:",omitempty"`
	}
	routeTableAssociationProps struct{ SubnetId, RouteTableId any }
)

// networkTemplate is the network cfnStack's template for spec. It depends on
// the number of AZs and on the names and tags; the AZs and CIDRs themselves
// are parameters (networkParameters).
func networkTemplate(spec StackSpec) cfn.Template {
	tags := spec.resourceTags
	r := map[string]cfn.Resource{
		"VPC":             {Type: "AWS::EC2::VPC", Properties: vpcProps{CidrBlock: cfn.Ref(paramVPCCIDR), EnableDnsSupport: true, EnableDnsHostnames: true, Tags: tags("vpc")}},
		"InternetGateway": {Type: "AWS::EC2::InternetGateway", Properties: taggedProps{Tags: tags("igw")}},
		"VPCGatewayAttachment": {Type: "AWS::EC2::VPCGatewayAttachment",
			Properties: igwAttachmentProps{VpcId: cfn.Ref("VPC"), InternetGatewayId: cfn.Ref("InternetGateway")}},
		"PublicRouteTable": {Type: "AWS::EC2::RouteTable", Properties: routeTableProps{VpcId: cfn.Ref("VPC"), Tags: tags("public")}},
		// A route to an internet gateway needs the attachment first
		// (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-dependson.html).
		"PublicDefaultRoute": {Type: "AWS::EC2::Route", DependsOn: []string{"VPCGatewayAttachment"},
			Properties: routeProps{RouteTableId: cfn.Ref("PublicRouteTable"), DestinationCidrBlock: "0.0.0.0/0", GatewayId: cfn.Ref("InternetGateway")}},
	}
	var public, private, routes []any
	for i := range spec.AZs {
		n := fmt.Sprint(i + 1)
		pub, priv, rt := "PublicSubnet"+n, "PrivateSubnet"+n, "PrivateRouteTable"+n
		public, private, routes = append(public, cfn.Ref(pub)), append(private, cfn.Ref(priv)), append(routes, cfn.Ref(rt))
		az := cfn.Select(i, cfn.Ref(paramAZs))
		r[pub] = cfn.Resource{Type: "AWS::EC2::Subnet", Properties: subnetProps{VpcId: cfn.Ref("VPC"), AvailabilityZone: az,
			CidrBlock: cfn.Select(i, cfn.Ref(paramPublicCIDRs)), Tags: tags("public-"+n, "kubernetes.io/role/elb", "1")}}
		r[priv] = cfn.Resource{Type: "AWS::EC2::Subnet", Properties: subnetProps{VpcId: cfn.Ref("VPC"), AvailabilityZone: az,
			CidrBlock: cfn.Select(i, cfn.Ref(paramPrivateCIDRs)),
			Tags:      tags("private-"+n, "kubernetes.io/role/internal-elb", "1", "karpenter.sh/discovery", spec.ClusterName())}}
		r[pub+"RouteTableAssociation"] = cfn.Resource{Type: "AWS::EC2::SubnetRouteTableAssociation",
			Properties: routeTableAssociationProps{SubnetId: cfn.Ref(pub), RouteTableId: cfn.Ref("PublicRouteTable")}}
		r[rt] = cfn.Resource{Type: "AWS::EC2::RouteTable", Properties: routeTableProps{VpcId: cfn.Ref("VPC"), Tags: tags("private-" + n)}}
		r[priv+"RouteTableAssociation"] = cfn.Resource{Type: "AWS::EC2::SubnetRouteTableAssociation",
			Properties: routeTableAssociationProps{SubnetId: cfn.Ref(priv), RouteTableId: cfn.Ref(rt)}}
	}
	return cfn.Template{
		AWSTemplateFormatVersion: "2010-09-09",
		Description:              fmt.Sprintf("Orchestera stack %s: network (managed by Orchestera; do not edit)", spec.StackName),
		Parameters: map[string]cfn.Parameter{
			paramVPCCIDR:      {Type: "String", Description: "The VPC's IPv4 CIDR block", AllowedPattern: `^(\d{1,3}\.){3}\d{1,3}/\d{1,2}$`},
			paramAZs:          {Type: "List<AWS::EC2::AvailabilityZone::Name>", Description: "One availability zone per subnet pair, in order"},
			paramPublicCIDRs:  {Type: "CommaDelimitedList", Description: "The public subnets' CIDR blocks, one per availability zone"},
			paramPrivateCIDRs: {Type: "CommaDelimitedList", Description: "The private subnets' CIDR blocks, one per availability zone"},
		},
		Resources: r,
		Outputs: map[string]cfn.Output{
			outVPCID:            {Description: "The VPC", Value: cfn.Ref("VPC")},
			outPublicSubnetIDs:  {Description: "Public subnets, comma-separated, in availability zone order", Value: cfn.Join(",", public...)},
			outPrivateSubnetIDs: {Description: "Private subnets, comma-separated, in availability zone order", Value: cfn.Join(",", private...)},
			outPrivateRoutes:    {Description: "The private subnets' route tables, comma-separated, in availability zone order", Value: cfn.Join(",", routes...)},
		},
	}
}

// networkParameters fill the template's parameters from spec.
func networkParameters(spec StackSpec) []cfntypes.Parameter {
	public, private, _ := subnetPlan(spec.VPCCIDR, len(spec.AZs)) // Validate checked the CIDR
	p := func(k, v string) cfntypes.Parameter {
		return cfntypes.Parameter{ParameterKey: aws.String(k), ParameterValue: aws.String(v)}
	}
	return []cfntypes.Parameter{
		p(paramVPCCIDR, spec.VPCCIDR),
		p(paramAZs, strings.Join(spec.AZs, ",")),
		p(paramPublicCIDRs, strings.Join(public, ",")),
		p(paramPrivateCIDRs, strings.Join(private, ",")),
	}
}

// EnsureNetwork creates the network cfnStack spec.Name("network"), or
// updates it when it exists and is ours, and returns its outputs once it is
// complete; until then it answers NotReady, keeping in *op what it started.
// A cfnStack of that name without our tags is refused.
func EnsureNetwork(ctx context.Context, api awssdk.CloudFormation, spec StackSpec, op *CFNOp) (NetworkOutputs, error) {
	if err := spec.Validate(); err != nil {
		return NetworkOutputs{}, err
	}
	st, err := ensureCFNStack(ctx, api, spec, spec.Name(partNetwork), networkTemplate(spec).Body(), networkParameters(spec), op)
	if err != nil {
		return NetworkOutputs{}, err
	}
	out := outputsOf(st)
	n := NetworkOutputs{CFNStackID: aws.ToString(st.StackId), VPCID: out[outVPCID], PublicSubnetIDs: splitIDs(out[outPublicSubnetIDs]),
		PrivateSubnetIDs: splitIDs(out[outPrivateSubnetIDs]), PrivateRouteTableIDs: splitIDs(out[outPrivateRoutes])}
	if n.VPCID == "" || len(n.PublicSubnetIDs) != len(spec.AZs) || len(n.PrivateSubnetIDs) != len(spec.AZs) || len(n.PrivateRouteTableIDs) != len(spec.AZs) {
		return n, fmt.Errorf("cfn stack %q is %s but its outputs are incomplete: %v", spec.Name(partNetwork), st.StackStatus, out)
	}
	return n, nil
}

// DestroyNetwork deletes the network cfnStack, answering NotReady until it
// is gone. A missing cfnStack is success; one that is not ours is left
// alone.
func DestroyNetwork(ctx context.Context, api awssdk.CloudFormation, spec StackSpec, op *CFNOp) error {
	if err := spec.validateNames(); err != nil {
		return err
	}
	return destroyCFNStack(ctx, api, spec, spec.Name(partNetwork), op)
}

// outputsOf is a cfnStack's outputs by key.
func outputsOf(st *cfntypes.Stack) map[string]string {
	out := map[string]string{}
	for _, o := range st.Outputs {
		out[aws.ToString(o.OutputKey)] = aws.ToString(o.OutputValue)
	}
	return out
}

func splitIDs(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}
