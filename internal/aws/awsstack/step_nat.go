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

// The NAT cfnStack gives the private subnets their way out: per availability
// zone an Elastic IP, a NAT gateway in the zone's public subnet and the
// default route of the zone's private route table through it. NAT gateways
// take two to three minutes; only the nodes need them, so this step runs
// while EKS creates the control plane.

// NATOutputs name the NAT cfnStack.
type NATOutputs struct {
	CFNStackID    string
	NATGatewayIDs []string
}

// The NAT template's parameters and output.
const (
	paramPublicSubnets = "PublicSubnetIds"
	paramPrivateRoutes = "PrivateRouteTableIds"
	outNATGatewayIDs   = "NatGatewayIds"
)

type (
	eipProps struct {
		Domain string
		Tags   []cfn.Tag
	}
	natGatewayProps struct {
		AllocationId, SubnetId any
		Tags                   []cfn.Tag
	}
)

// natTemplate is the NAT cfnStack's template for spec; the subnets and route
// tables it uses are parameters (natParameters).
func natTemplate(spec StackSpec) cfn.Template {
	r := map[string]cfn.Resource{}
	var gateways []any
	for i := range spec.AZs {
		n := fmt.Sprint(i + 1)
		eip, nat := "NATGateway"+n+"EIP", "NATGateway"+n
		gateways = append(gateways, cfn.Ref(nat))
		r[eip] = cfn.Resource{Type: "AWS::EC2::EIP", Properties: eipProps{Domain: "vpc", Tags: spec.resourceTags("nat-" + n)}}
		r[nat] = cfn.Resource{Type: "AWS::EC2::NatGateway", Properties: natGatewayProps{AllocationId: cfn.GetAtt(eip, "AllocationId"),
			SubnetId: cfn.Select(i, cfn.Ref(paramPublicSubnets)), Tags: spec.resourceTags("nat-" + n)}}
		r["PrivateDefaultRoute"+n] = cfn.Resource{Type: "AWS::EC2::Route", Properties: routeProps{
			RouteTableId: cfn.Select(i, cfn.Ref(paramPrivateRoutes)), DestinationCidrBlock: "0.0.0.0/0", NatGatewayId: cfn.Ref(nat)}}
	}
	return cfn.Template{
		AWSTemplateFormatVersion: "2010-09-09",
		Description:              fmt.Sprintf("Orchestera stack %s: NAT gateways (managed by Orchestera; do not edit)", spec.StackName),
		Parameters: map[string]cfn.Parameter{
			paramPublicSubnets: {Type: "CommaDelimitedList", Description: "The public subnets, one per availability zone, in order"},
			paramPrivateRoutes: {Type: "CommaDelimitedList", Description: "The private subnets' route tables, one per availability zone, in order"},
		},
		Resources: r,
		Outputs: map[string]cfn.Output{
			outNATGatewayIDs: {Description: "The NAT gateways, comma-separated, in availability zone order", Value: cfn.Join(",", gateways...)},
		},
	}
}

func natParameters(net NetworkOutputs) []cfntypes.Parameter {
	p := func(k string, v []string) cfntypes.Parameter {
		return cfntypes.Parameter{ParameterKey: aws.String(k), ParameterValue: aws.String(strings.Join(v, ","))}
	}
	return []cfntypes.Parameter{p(paramPublicSubnets, net.PublicSubnetIDs), p(paramPrivateRoutes, net.PrivateRouteTableIDs)}
}

// EnsureNAT creates or updates the NAT cfnStack spec.Name("nat") in the
// network's subnets, answering NotReady until it is complete (keeping in *op
// what it started). A cfnStack of that name without our tags is refused.
func EnsureNAT(ctx context.Context, api awssdk.CloudFormation, spec StackSpec, net NetworkOutputs, op *CFNOp) (NATOutputs, error) {
	if err := spec.Validate(); err != nil {
		return NATOutputs{}, err
	}
	if len(net.PublicSubnetIDs) != len(spec.AZs) || len(net.PrivateRouteTableIDs) != len(spec.AZs) {
		return NATOutputs{}, fmt.Errorf("creating NAT gateways: the network has %d public subnets and %d private route tables for %d availability zones",
			len(net.PublicSubnetIDs), len(net.PrivateRouteTableIDs), len(spec.AZs))
	}
	st, err := ensureCFNStack(ctx, api, spec, spec.Name(partNAT), natTemplate(spec).Body(), natParameters(net), op)
	if err != nil {
		return NATOutputs{}, err
	}
	o := NATOutputs{CFNStackID: aws.ToString(st.StackId), NATGatewayIDs: splitIDs(outputsOf(st)[outNATGatewayIDs])}
	if len(o.NATGatewayIDs) != len(spec.AZs) {
		return o, fmt.Errorf("cfn stack %q is %s but its outputs are incomplete: %v", spec.Name(partNAT), st.StackStatus, outputsOf(st))
	}
	return o, nil
}

// DestroyNAT deletes the NAT cfnStack, answering NotReady until it is gone.
func DestroyNAT(ctx context.Context, api awssdk.CloudFormation, spec StackSpec, op *CFNOp) error {
	if err := spec.validateNames(); err != nil {
		return err
	}
	return destroyCFNStack(ctx, api, spec, spec.Name(partNAT), op)
}
