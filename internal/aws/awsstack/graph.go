package awsstack

import (
	"context"
	"errors"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/orchestera/orchestera/internal/aws/awssdk"
	"github.com/orchestera/orchestera/internal/domain"
)

// Clients are a stack's AWS clients, acting as the customer's role in the
// stack's region.
type Clients struct {
	EC2            awssdk.EC2
	CloudFormation awssdk.CloudFormation
	IAM            awssdk.IAM
	EKS            awssdk.EKS
	SQS            awssdk.SQS
	SSM            awssdk.SSM
}

// NewClients makes the SDK's clients from cfg.
func NewClients(cfg aws.Config) Clients {
	return Clients{EC2: ec2.NewFromConfig(cfg), CloudFormation: cloudformation.NewFromConfig(cfg), IAM: iam.NewFromConfig(cfg),
		EKS: eks.NewFromConfig(cfg), SQS: sqs.NewFromConfig(cfg), SSM: ssm.NewFromConfig(cfg)}
}

// The steps of an AWS stack, in dependency order. Every ensure validates the
// whole spec, AZs included, so every step waits for azs.
const (
	StepAZs       = "azs"
	StepNetwork   = "network"
	StepNAT       = "nat"
	StepIAM       = "iam"
	StepCluster   = "cluster"
	StepOIDC      = "oidc"
	StepNodegroup = "nodegroup"
	StepKarpenter = "karpenter"
)

// stackGraph is the stack's steps. Each step keeps its outputs (as one
// JSON value) in the engine's state, so a resumed run reads what earlier
// steps made instead of asking AWS again.
func stackGraph(spec StackSpec, c Clients) domain.Graph {
	// inputs is the spec with its AZs and, for each (step, pointer) pair,
	// that step's outputs: what a step needs from the steps before it.
	inputs := func(r domain.StepRun, from ...any) (StackSpec, error) {
		s := spec
		errs := []error{domain.ReadOutput(r, StepAZs, &s.AZs)}
		for i := 0; i+1 < len(from); i += 2 {
			errs = append(errs, domain.ReadOutput(r, from[i].(string), from[i+1]))
		}
		return s, errors.Join(errs...)
	}
	return domain.Graph{
		// Typical durations in us-east-1: a VPC with its subnets, gateway
		// and route tables takes CloudFormation 20-30 seconds, NAT gateways
		// two to three minutes (off the critical path: only the nodes need
		// them), IAM calls seconds (EKS's wait for a new role to propagate
		// is retried in the cluster step), the EKS control plane about nine
		// minutes and a node group about three.
		{Name: StepAZs, Actions: AZActions, Estimate: 2 * time.Second,
			Ensure: func(ctx context.Context, r domain.StepRun) error {
				azs, err := PickAZs(ctx, c.EC2, spec.Region, 2)
				return setOutput(r, azs, err)
			}},
		{Name: StepNetwork, After: []string{StepAZs}, Actions: NetworkActions, Estimate: 25 * time.Second,
			Resources: []string{"AWS::CloudFormation::Stack", "AWS::EC2::VPC", "AWS::EC2::Subnet ×4", "AWS::EC2::InternetGateway", "AWS::EC2::RouteTable ×3"},
			Ensure: func(ctx context.Context, r domain.StepRun) error {
				s, err := inputs(r)
				if err != nil {
					return err
				}
				return withOp(r, StepNetwork, func(op *CFNOp) error {
					out, err := EnsureNetwork(ctx, c.CloudFormation, s, op)
					return setOutput(r, out, err)
				})
			},
			Destroy: func(ctx context.Context, r domain.StepRun) error {
				return withOp(r, StepNetwork, func(op *CFNOp) error { return DestroyNetwork(ctx, c.CloudFormation, spec, op) })
			}},
		{Name: StepNAT, After: []string{StepNetwork}, Actions: NATActions, Estimate: 150 * time.Second,
			Resources: []string{"AWS::CloudFormation::Stack", "AWS::EC2::NatGateway ×2", "AWS::EC2::EIP ×2", "AWS::EC2::Route ×2"},
			Ensure: func(ctx context.Context, r domain.StepRun) error {
				var net NetworkOutputs
				s, err := inputs(r, StepNetwork, &net)
				if err != nil {
					return err
				}
				return withOp(r, StepNAT, func(op *CFNOp) error {
					out, err := EnsureNAT(ctx, c.CloudFormation, s, net, op)
					return setOutput(r, out, err)
				})
			},
			Destroy: func(ctx context.Context, r domain.StepRun) error {
				return withOp(r, StepNAT, func(op *CFNOp) error { return DestroyNAT(ctx, c.CloudFormation, spec, op) })
			}},
		{Name: StepIAM, After: []string{StepAZs}, Actions: IAMActions, Estimate: 20 * time.Second,
			Resources: []string{"AWS::IAM::Role (cluster)", "AWS::IAM::Role (node)", "AWS::IAM::InstanceProfile"},
			Ensure: func(ctx context.Context, r domain.StepRun) error {
				s, err := inputs(r)
				if err != nil {
					return err
				}
				out, err := EnsureIAM(ctx, c.IAM, s)
				return setOutput(r, out, err)
			},
			Destroy: func(ctx context.Context, r domain.StepRun) error { return DestroyIAM(ctx, c.IAM, spec) }},
		{Name: StepCluster, After: []string{StepNetwork, StepIAM}, Actions: ClusterActions, Estimate: 9 * time.Minute,
			Resources: []string{"AWS::EKS::Cluster"},
			Ensure: func(ctx context.Context, r domain.StepRun) error {
				var iamOut IAMOutputs
				var net NetworkOutputs
				s, err := inputs(r, StepIAM, &iamOut, StepNetwork, &net)
				if err != nil {
					return err
				}
				out, err := EnsureCluster(ctx, c.EKS, s, iamOut, net)
				return setOutput(r, out, err)
			},
			Destroy: func(ctx context.Context, r domain.StepRun) error { return DestroyCluster(ctx, c.EKS, spec) }},
		{Name: StepOIDC, After: []string{StepCluster}, Actions: OIDCActions, Estimate: 10 * time.Second,
			Resources: []string{"AWS::IAM::OIDCProvider"},
			Ensure: func(ctx context.Context, r domain.StepRun) error {
				var cl ClusterOutputs
				s, err := inputs(r, StepCluster, &cl)
				if err != nil {
					return err
				}
				out, err := EnsureOIDCProvider(ctx, c.IAM, s, cl)
				return setOutput(r, out, err)
			},
			Destroy: func(ctx context.Context, r domain.StepRun) error {
				var o OIDCOutputs
				if domain.ReadOutput(r, StepOIDC, &o) != nil || o.ProviderARN == "" {
					return nil // never created
				}
				return DestroyOIDCProvider(ctx, c.IAM, spec, o)
			}},
		// Nodes need a way out (NAT) to join the cluster.
		{Name: StepNodegroup, After: []string{StepCluster, StepIAM, StepNetwork, StepNAT}, Actions: NodegroupActions, Estimate: 3 * time.Minute,
			Resources: []string{"AWS::EKS::Nodegroup (system)"},
			Ensure: func(ctx context.Context, r domain.StepRun) error {
				var iamOut IAMOutputs
				var net NetworkOutputs
				s, err := inputs(r, StepIAM, &iamOut, StepNetwork, &net)
				if err != nil {
					return err
				}
				out, err := EnsureNodegroup(ctx, c.EKS, s, iamOut, net)
				return setOutput(r, out, err)
			},
			Destroy: func(ctx context.Context, r domain.StepRun) error { return DestroyNodegroup(ctx, c.EKS, spec) }},
		{Name: StepKarpenter, After: []string{StepOIDC, StepIAM, StepCluster}, Actions: KarpenterActions, Estimate: 30 * time.Second,
			Resources: []string{"AWS::SQS::Queue (interruptions)", "AWS::IAM::Role (Karpenter controller)"},
			Ensure: func(ctx context.Context, r domain.StepRun) error {
				var iamOut IAMOutputs
				var cl ClusterOutputs
				var o OIDCOutputs
				s, err := inputs(r, StepIAM, &iamOut, StepCluster, &cl, StepOIDC, &o)
				if err != nil {
					return err
				}
				out, err := EnsureKarpenter(ctx, c.SQS, c.IAM, s, iamOut, cl, o)
				return setOutput(r, out, err)
			},
			Destroy: func(ctx context.Context, r domain.StepRun) error {
				return DestroyKarpenter(ctx, c.SQS, c.IAM, spec)
			}},
	}
}

// opKey is where a cfnStack step keeps the CloudFormation operation it
// waits on.
const opKey = "cfn_op"

// withOp runs f with the operation step waits on, and records what f
// leaves there: across requeues the step knows what it started.
func withOp(r domain.StepRun, step string, f func(*CFNOp) error) error {
	op, _ := r.Output(step, opKey)
	o := CFNOp(op)
	err := f(&o)
	r.SetOutput(opKey, string(o))
	return err
}

func setOutput(r domain.StepRun, v any, err error) error {
	if err != nil {
		return err
	}
	return domain.WriteOutput(r, v)
}
