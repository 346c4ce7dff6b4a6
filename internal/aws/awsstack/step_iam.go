package awsstack

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/orchestera/orchestera/internal/aws/awssdk"
	"github.com/orchestera/orchestera/internal/iampolicy"
)

// The EKS roles are created with the IAM API, not in the network cfnStack:
// moto's AWS::IAM::Role ignores ManagedPolicyArns (emulator gap 11),
// and each role is then one ensure the engine can retry on its own.

// IAMOutputs are the stack's EKS roles and the nodes' instance profile.
type IAMOutputs struct {
	ClusterRoleARN      string
	NodeRoleName        string
	NodeRoleARN         string
	NodeInstanceProfile string // name, for Karpenter's EC2NodeClass spec.instanceProfile
}

// The AWS managed policies of the EKS roles
// (https://docs.aws.amazon.com/eks/latest/userguide/cluster-iam-role.html,
// https://docs.aws.amazon.com/eks/latest/userguide/create-node-role.html).
var (
	clusterRolePolicies = []string{"AmazonEKSClusterPolicy"}
	nodeRolePolicies    = []string{"AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy",
		"AmazonEC2ContainerRegistryReadOnly", "AmazonSSMManagedInstanceCore"}
)

// serviceTrust lets an AWS service assume a role.
func serviceTrust(service string) iampolicy.Document {
	return iampolicy.Document{Version: iampolicy.Version, Statement: iampolicy.Statements{{
		Effect:    "Allow",
		Principal: &iampolicy.Principal{Map: map[string]iampolicy.StringList{"Service": {service}}},
		Action:    iampolicy.StringList{"sts:AssumeRole"},
	}}}
}

func clusterRole(spec StackSpec) roleSpec {
	return roleSpec{name: spec.Name(partClusterRole), description: "EKS control plane of Orchestera stack " + spec.StackName,
		trust: serviceTrust("eks.amazonaws.com"), managed: clusterRolePolicies}
}

func nodeRole(spec StackSpec) roleSpec {
	return roleSpec{name: spec.Name(partNodeRole), description: "EKS nodes of Orchestera stack " + spec.StackName,
		trust: serviceTrust("ec2.amazonaws.com"), managed: nodeRolePolicies}
}

// EnsureIAM creates the cluster role, the node role and the node instance
// profile, or brings ours in line. A role or profile of the same name
// without our tags is refused.
func EnsureIAM(ctx context.Context, api awssdk.IAM, spec StackSpec) (IAMOutputs, error) {
	if err := spec.Validate(); err != nil {
		return IAMOutputs{}, err
	}
	var out IAMOutputs
	var err error
	if out.ClusterRoleARN, err = ensureRole(ctx, api, spec, clusterRole(spec)); err != nil {
		return IAMOutputs{}, err
	}
	nr := nodeRole(spec)
	if out.NodeRoleARN, err = ensureRole(ctx, api, spec, nr); err != nil {
		return IAMOutputs{}, err
	}
	out.NodeRoleName = nr.name
	out.NodeInstanceProfile = spec.Name(partNodeProfile)
	if err := ensureInstanceProfile(ctx, api, spec, out.NodeInstanceProfile, nr.name); err != nil {
		return IAMOutputs{}, err
	}
	return out, nil
}

// ensureInstanceProfile creates the profile with role in it, or checks ours.
func ensureInstanceProfile(ctx context.Context, api awssdk.IAM, spec StackSpec, name, role string) error {
	var profile *iamtypes.InstanceProfile
	out, err := api.GetInstanceProfile(ctx, &iam.GetInstanceProfileInput{InstanceProfileName: aws.String(name)})
	switch {
	case awssdk.IsNotFound(err):
		c, err := api.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String(name), Tags: awssdk.IAMTags(spec.Tags())})
		if err != nil {
			return fmt.Errorf("creating instance profile %s: %w", name, err)
		}
		profile = c.InstanceProfile
	case err != nil:
		return fmt.Errorf("reading instance profile %s: %w", name, err)
	default:
		profile = out.InstanceProfile
		if err := spec.checkOwned("IAM instance profile", name, awssdk.FromIAMTags(profile.Tags)); err != nil {
			return err
		}
	}
	switch {
	case len(profile.Roles) == 0:
		if _, err := api.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{
			InstanceProfileName: aws.String(name), RoleName: aws.String(role),
		}); err != nil {
			return fmt.Errorf("adding role %s to instance profile %s: %w", role, name, err)
		}
	case aws.ToString(profile.Roles[0].RoleName) != role:
		// A profile holds one role; replacing it would break running nodes.
		return fmt.Errorf("instance profile %s holds role %s, not %s: remove it from the profile first",
			name, aws.ToString(profile.Roles[0].RoleName), role)
	}
	return nil
}

// DestroyIAM deletes the instance profile and both roles (detaching and
// removing what blocks DeleteRole). What is absent or not ours is skipped.
// It needs iam:DetachRolePolicy, which OrchesteraAccessPolicy lacks.
func DestroyIAM(ctx context.Context, api awssdk.IAM, spec StackSpec) error {
	if err := spec.validateNames(); err != nil {
		return err
	}
	if err := destroyInstanceProfile(ctx, api, spec, spec.Name(partNodeProfile)); err != nil {
		return err
	}
	if err := destroyRole(ctx, api, spec, spec.Name(partNodeRole)); err != nil {
		return err
	}
	return destroyRole(ctx, api, spec, spec.Name(partClusterRole))
}

func destroyInstanceProfile(ctx context.Context, api awssdk.IAM, spec StackSpec, name string) error {
	out, err := api.GetInstanceProfile(ctx, &iam.GetInstanceProfileInput{InstanceProfileName: aws.String(name)})
	if awssdk.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading instance profile %s: %w", name, err)
	}
	if !spec.owns(awssdk.FromIAMTags(out.InstanceProfile.Tags)) {
		return nil
	}
	for _, r := range out.InstanceProfile.Roles {
		if _, err := api.RemoveRoleFromInstanceProfile(ctx, &iam.RemoveRoleFromInstanceProfileInput{
			InstanceProfileName: aws.String(name), RoleName: r.RoleName,
		}); err != nil && !awssdk.IsNotFound(err) {
			return fmt.Errorf("removing role %s from instance profile %s: %w", aws.ToString(r.RoleName), name, err)
		}
	}
	if _, err := api.DeleteInstanceProfile(ctx, &iam.DeleteInstanceProfileInput{InstanceProfileName: aws.String(name)}); err != nil && !awssdk.IsNotFound(err) {
		return fmt.Errorf("deleting instance profile %s: %w", name, err)
	}
	return nil
}
