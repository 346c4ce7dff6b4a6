package awsstack

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"

	"github.com/orchestera/orchestera/internal/aws/awssdk"
	"github.com/orchestera/orchestera/internal/domain"
)

// The system node group runs what must be up before Karpenter can add
// nodes: Karpenter itself, CoreDNS and the platform's agents. It is tainted
// CriticalAddonsOnly (which CoreDNS and Karpenter's chart tolerate) so Spark
// pods never land on it.

// NodegroupOutputs name the system node group.
type NodegroupOutputs struct {
	Name, ARN string
}

// System node group labels and taints.
const (
	SystemNodeLabel = "orchestera.io/node-role"
	systemTaintKey  = "CriticalAddonsOnly"
)

// graviton matches Arm instance families: a 'g' among the attribute letters
// after the generation (m7g, c6gn, r8gd, t4g), not the g of GPU families
// (g5, g6e).
var graviton = regexp.MustCompile(`^[a-z]+[0-9]+[a-z]*g[a-z]*\.`)

func amiType(instanceType string) ekstypes.AMITypes {
	if graviton.MatchString(instanceType) {
		return ekstypes.AMITypesAl2023Arm64Standard
	}
	return ekstypes.AMITypesAl2023X8664Standard
}

// EnsureNodegroup creates the system node group in the private subnets with
// the node role, or reads ours. CREATING is a NotReadyError; CREATE_FAILED
// and DEGRADED are errors with EKS's health issues. Size changes are not
// made here.
func EnsureNodegroup(ctx context.Context, api awssdk.EKS, spec StackSpec, roles IAMOutputs, net NetworkOutputs) (NodegroupOutputs, error) {
	if err := spec.Validate(); err != nil {
		return NodegroupOutputs{}, err
	}
	cluster, name := spec.ClusterName(), spec.Name(partSystemNodes)
	out, err := api.DescribeNodegroup(ctx, &eks.DescribeNodegroupInput{ClusterName: aws.String(cluster), NodegroupName: aws.String(name)})
	var ng *ekstypes.Nodegroup
	switch {
	case awssdk.IsNotFound(err):
		if roles.NodeRoleARN == "" || len(net.PrivateSubnetIDs) == 0 {
			return NodegroupOutputs{}, fmt.Errorf("creating node group %s: the node role and the private subnets are required", name)
		}
		n := spec.SystemNodeCount
		created, err := api.CreateNodegroup(ctx, &eks.CreateNodegroupInput{
			ClusterName: aws.String(cluster), NodegroupName: aws.String(name), NodeRole: aws.String(roles.NodeRoleARN),
			Subnets:       net.PrivateSubnetIDs,
			ScalingConfig: &ekstypes.NodegroupScalingConfig{MinSize: aws.Int32(n), MaxSize: aws.Int32(n), DesiredSize: aws.Int32(n)},
			InstanceTypes: []string{spec.SystemNodeType}, AmiType: amiType(spec.SystemNodeType),
			CapacityType: ekstypes.CapacityTypesOnDemand,
			Labels:       map[string]string{SystemNodeLabel: "system"},
			Taints:       []ekstypes.Taint{{Key: aws.String(systemTaintKey), Value: aws.String("true"), Effect: ekstypes.TaintEffectNoSchedule}},
			Tags:         spec.Tags(),
		})
		if awssdk.ErrorCode(err) == "ResourceInUseException" {
			return NodegroupOutputs{}, domain.NotReady(defaultNotReady, "node group %s is being created", name)
		}
		if err != nil {
			return NodegroupOutputs{}, fmt.Errorf("creating node group %s of EKS cluster %s: %w", name, cluster, err)
		}
		ng = created.Nodegroup
	case err != nil:
		return NodegroupOutputs{}, fmt.Errorf("describing node group %s of EKS cluster %s: %w", name, cluster, err)
	default:
		ng = out.Nodegroup
		if err := spec.checkOwned("EKS node group", name, ng.Tags); err != nil {
			return NodegroupOutputs{}, err
		}
	}
	switch ng.Status {
	case ekstypes.NodegroupStatusActive, ekstypes.NodegroupStatusUpdating:
		return NodegroupOutputs{Name: name, ARN: aws.ToString(ng.NodegroupArn)}, nil
	case ekstypes.NodegroupStatusCreateFailed, ekstypes.NodegroupStatusDegraded, ekstypes.NodegroupStatusDeleteFailed:
		return NodegroupOutputs{}, fmt.Errorf("node group %s is %s: %s", name, ng.Status, nodegroupIssues(ng))
	default: // CREATING, DELETING
		return NodegroupOutputs{}, domain.NotReady(defaultNotReady, "node group %s is %s", name, ng.Status)
	}
}

func nodegroupIssues(ng *ekstypes.Nodegroup) string {
	var issues []string
	if ng.Health != nil {
		for _, i := range ng.Health.Issues {
			issues = append(issues, fmt.Sprintf("%s: %s", i.Code, aws.ToString(i.Message)))
		}
	}
	if len(issues) == 0 {
		return "EKS reported no health issue"
	}
	return strings.Join(issues, "; ")
}

// DestroyNodegroup deletes the system node group: NotReadyError while it is
// being deleted, nil once it (or its cluster) is gone or if it is not ours.
func DestroyNodegroup(ctx context.Context, api awssdk.EKS, spec StackSpec) error {
	if err := spec.validateNames(); err != nil {
		return err
	}
	cluster, name := spec.ClusterName(), spec.Name(partSystemNodes)
	out, err := api.DescribeNodegroup(ctx, &eks.DescribeNodegroupInput{ClusterName: aws.String(cluster), NodegroupName: aws.String(name)})
	if awssdk.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("describing node group %s of EKS cluster %s: %w", name, cluster, err)
	}
	if !spec.owns(out.Nodegroup.Tags) {
		return nil
	}
	if out.Nodegroup.Status != ekstypes.NodegroupStatusDeleting {
		_, err := api.DeleteNodegroup(ctx, &eks.DeleteNodegroupInput{ClusterName: aws.String(cluster), NodegroupName: aws.String(name)})
		switch {
		case awssdk.IsNotFound(err):
			return nil
		case awssdk.ErrorCode(err) == "ResourceInUseException":
			return domain.NotReady(defaultNotReady, "node group %s cannot be deleted yet: %s", name, awssdk.Message(err))
		case err != nil:
			return fmt.Errorf("deleting node group %s of EKS cluster %s: %w", name, cluster, err)
		}
	}
	return domain.NotReady(defaultNotReady, "node group %s is being deleted", name)
}
