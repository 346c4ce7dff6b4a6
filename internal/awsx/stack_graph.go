package awsx

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/orchestera/orchestera/internal/provision"
)

// stackClients are the clients of one stack's steps, acting as the
// customer's role in the stack's region.
type stackClients struct {
	ec2 EC2API
	cfn CFNAPI
	iam StackIAMAPI
	eks EKSAPI
	sqs SQSAPI
}

// The steps of an AWS stack, in dependency order. Every ensure validates the
// whole spec, AZs included, so every step waits for azs.
const (
	StepAZs       = "azs"
	StepNetwork   = "network"
	StepIAM       = "iam"
	StepCluster   = "cluster"
	StepOIDC      = "oidc"
	StepNodegroup = "nodegroup"
	StepKarpenter = "karpenter"
)

// StackGraph is the stack's steps as an engine graph. Each step keeps its
// outputs (as one JSON value) in the engine's state, so a resumed run reads
// what earlier steps made instead of asking AWS again.
func stackGraph(spec StackSpec, c stackClients, poll time.Duration) provision.Graph {
	requeue := func(err error) error { return requeueAfter(err, poll) }
	// inputs is the spec with its AZs and, for each (step, pointer) pair,
	// that step's outputs: what a step needs from the steps before it.
	inputs := func(r *provision.Run, from ...any) (StackSpec, error) {
		s := spec
		errs := []error{output(r, StepAZs, &s.AZs)}
		for i := 0; i+1 < len(from); i += 2 {
			errs = append(errs, output(r, from[i].(string), from[i+1]))
		}
		return s, errors.Join(errs...)
	}
	return provision.Graph{
		// Typical durations in us-east-1: NAT gateways dominate the network
		// (2-3 minutes), IAM waits out eventual consistency, the EKS control
		// plane takes about nine minutes and a node group about three.
		{Name: StepAZs, Actions: AZActions, Estimate: 2 * time.Second,
			Ensure: func(ctx context.Context, r *provision.Run) error {
				azs, err := PickAZs(ctx, c.ec2, spec.Region, 2)
				return setOutput(r, azs, err)
			}},
		{Name: StepNetwork, After: []string{StepAZs}, Actions: NetworkActions, Estimate: 150 * time.Second,
			Resources: []string{"AWS::CloudFormation::Stack", "AWS::EC2::VPC", "AWS::EC2::Subnet ×4", "AWS::EC2::InternetGateway", "AWS::EC2::NatGateway ×2", "AWS::EC2::EIP ×2", "AWS::EC2::RouteTable ×3"},
			Ensure: func(ctx context.Context, r *provision.Run) error {
				s, err := inputs(r)
				if err != nil {
					return err
				}
				out, err := EnsureNetwork(ctx, c.cfn, s)
				return setOutput(r, out, err)
			},
			Destroy: func(ctx context.Context, r *provision.Run) error { return requeue(DestroyNetwork(ctx, c.cfn, spec)) }},
		{Name: StepIAM, After: []string{StepAZs}, Actions: IAMActions, Estimate: 60 * time.Second,
			Resources: []string{"AWS::IAM::Role (cluster)", "AWS::IAM::Role (node)", "AWS::IAM::InstanceProfile"},
			Ensure: func(ctx context.Context, r *provision.Run) error {
				s, err := inputs(r)
				if err != nil {
					return err
				}
				out, err := EnsureIAM(ctx, c.iam, s)
				return setOutput(r, out, err)
			},
			Destroy: func(ctx context.Context, r *provision.Run) error { return requeue(DestroyIAM(ctx, c.iam, spec)) }},
		{Name: StepCluster, After: []string{StepNetwork, StepIAM}, Actions: ClusterActions, Estimate: 9 * time.Minute,
			Resources: []string{"AWS::EKS::Cluster"},
			Ensure: func(ctx context.Context, r *provision.Run) error {
				var iamOut IAMOutputs
				var net NetworkOutputs
				s, err := inputs(r, StepIAM, &iamOut, StepNetwork, &net)
				if err != nil {
					return err
				}
				out, err := EnsureCluster(ctx, c.eks, s, iamOut, net)
				return setOutput(r, out, requeue(err))
			},
			Destroy: func(ctx context.Context, r *provision.Run) error { return requeue(DestroyCluster(ctx, c.eks, spec)) }},
		{Name: StepOIDC, After: []string{StepCluster}, Actions: OIDCActions, Estimate: 10 * time.Second,
			Resources: []string{"AWS::IAM::OIDCProvider"},
			Ensure: func(ctx context.Context, r *provision.Run) error {
				var cl ClusterOutputs
				s, err := inputs(r, StepCluster, &cl)
				if err != nil {
					return err
				}
				out, err := EnsureOIDCProvider(ctx, c.iam, s, cl)
				return setOutput(r, out, err)
			},
			Destroy: func(ctx context.Context, r *provision.Run) error {
				var o OIDCOutputs
				if output(r, StepOIDC, &o) != nil || o.ProviderARN == "" {
					return nil // never created
				}
				return requeue(DestroyOIDCProvider(ctx, c.iam, spec, o))
			}},
		{Name: StepNodegroup, After: []string{StepCluster, StepIAM, StepNetwork}, Actions: NodegroupActions, Estimate: 3 * time.Minute,
			Resources: []string{"AWS::EKS::Nodegroup (system)"},
			Ensure: func(ctx context.Context, r *provision.Run) error {
				var iamOut IAMOutputs
				var net NetworkOutputs
				s, err := inputs(r, StepIAM, &iamOut, StepNetwork, &net)
				if err != nil {
					return err
				}
				out, err := EnsureNodegroup(ctx, c.eks, s, iamOut, net)
				return setOutput(r, out, requeue(err))
			},
			Destroy: func(ctx context.Context, r *provision.Run) error { return requeue(DestroyNodegroup(ctx, c.eks, spec)) }},
		{Name: StepKarpenter, After: []string{StepOIDC, StepIAM, StepCluster}, Actions: KarpenterActions, Estimate: 30 * time.Second,
			Resources: []string{"AWS::SQS::Queue (interruptions)", "AWS::IAM::Role (Karpenter controller)"},
			Ensure: func(ctx context.Context, r *provision.Run) error {
				var iamOut IAMOutputs
				var cl ClusterOutputs
				var o OIDCOutputs
				s, err := inputs(r, StepIAM, &iamOut, StepCluster, &cl, StepOIDC, &o)
				if err != nil {
					return err
				}
				out, err := EnsureKarpenter(ctx, c.sqs, c.iam, s, iamOut, cl, o)
				return setOutput(r, out, requeue(err))
			},
			Destroy: func(ctx context.Context, r *provision.Run) error {
				return requeue(DestroyKarpenter(ctx, c.sqs, c.iam, spec))
			}},
	}
}

// StackModel is the stack's step graph for planning and benchmarks: names,
// dependencies, resources, actions and typical durations (Estimate), with
// no AWS behind it.
func StackModel() provision.Graph { return stackGraph(StackSpec{}, stackClients{}, 0) }

const outputKey = "json"

func setOutput(r *provision.Run, v any, err error) error {
	if err != nil {
		return err
	}
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	r.SetOutput(outputKey, string(b))
	return nil
}

func output(r *provision.Run, step string, into any) error {
	raw, ok := r.Output(step, outputKey)
	if !ok {
		return errors.New("the outputs of step " + step + " are missing; provision again")
	}
	return json.Unmarshal([]byte(raw), into)
}

// requeueAfter turns the adapter's "not ready yet" into the engine's,
// checking again after the adapter's suggestion or poll, when set.
func requeueAfter(err error, poll time.Duration) error {
	if after, ok := IsNotReady(err); ok {
		if poll > 0 {
			after = poll
		}
		return provision.NotReady(after, err.Error())
	}
	return err
}
