package awsstack

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"

	"github.com/orchestera/orchestera/internal/aws/awssdk"
	"github.com/orchestera/orchestera/internal/domain"
)

// fakeEKS is one cluster and one node group that move through scripted
// statuses, as on AWS: a cluster is CREATING for about ten minutes and
// DELETING for several, a node group likewise, and either can fail with
// health issues. moto makes both ACTIVE at once and deletes at once
// (emulator gap 6), so these paths are only tested here. The status
// "GONE" removes the resource.
type fakeEKS struct {
	cluster          *ekstypes.Cluster
	clusterThen      []ekstypes.ClusterStatus
	nodegroup        *ekstypes.Nodegroup
	nodegroupThen    []ekstypes.NodegroupStatus
	deleteClusterErr error
	versions         []string // DescribeClusterVersions; nil answers an error, as moto does
	calls            []string
}

func (f *fakeEKS) DescribeClusterVersions(context.Context, *eks.DescribeClusterVersionsInput, ...func(*eks.Options)) (*eks.DescribeClusterVersionsOutput, error) {
	if f.versions == nil {
		return nil, errors.New("deserialization failed: invalid character '<' (moto has no such route)")
	}
	out := &eks.DescribeClusterVersionsOutput{}
	for _, v := range f.versions {
		out.ClusterVersions = append(out.ClusterVersions, ekstypes.ClusterVersionInformation{ClusterVersion: aws.String(v)})
	}
	return out, nil
}

const gone = "GONE"

func (f *fakeEKS) DescribeCluster(_ context.Context, in *eks.DescribeClusterInput, _ ...func(*eks.Options)) (*eks.DescribeClusterOutput, error) {
	f.calls = append(f.calls, "DescribeCluster")
	if f.cluster != nil && len(f.clusterThen) > 0 {
		f.cluster.Status, f.clusterThen = f.clusterThen[0], f.clusterThen[1:]
	}
	if f.cluster == nil || f.cluster.Status == gone {
		return nil, apiErr("ResourceNotFoundException", "No cluster found for name: "+aws.ToString(in.Name)+".")
	}
	cp := *f.cluster
	return &eks.DescribeClusterOutput{Cluster: &cp}, nil
}

func (f *fakeEKS) CreateCluster(_ context.Context, in *eks.CreateClusterInput, _ ...func(*eks.Options)) (*eks.CreateClusterOutput, error) {
	f.calls = append(f.calls, "CreateCluster")
	f.cluster = &ekstypes.Cluster{Name: in.Name, Tags: in.Tags, Version: in.Version, Status: ekstypes.ClusterStatusCreating,
		Arn: aws.String("arn:aws:eks:us-east-1:123456789012:cluster/" + aws.ToString(in.Name))}
	cp := *f.cluster
	return &eks.CreateClusterOutput{Cluster: &cp}, nil
}

func (f *fakeEKS) DeleteCluster(context.Context, *eks.DeleteClusterInput, ...func(*eks.Options)) (*eks.DeleteClusterOutput, error) {
	f.calls = append(f.calls, "DeleteCluster")
	if f.deleteClusterErr != nil {
		err := f.deleteClusterErr
		f.deleteClusterErr = nil
		return nil, err
	}
	f.cluster.Status = ekstypes.ClusterStatusDeleting
	return &eks.DeleteClusterOutput{}, nil
}

func (f *fakeEKS) DescribeNodegroup(_ context.Context, in *eks.DescribeNodegroupInput, _ ...func(*eks.Options)) (*eks.DescribeNodegroupOutput, error) {
	f.calls = append(f.calls, "DescribeNodegroup")
	if f.nodegroup != nil && len(f.nodegroupThen) > 0 {
		f.nodegroup.Status, f.nodegroupThen = f.nodegroupThen[0], f.nodegroupThen[1:]
	}
	if f.nodegroup == nil || f.nodegroup.Status == gone {
		return nil, apiErr("ResourceNotFoundException", "No node group found for name: "+aws.ToString(in.NodegroupName)+".")
	}
	cp := *f.nodegroup
	return &eks.DescribeNodegroupOutput{Nodegroup: &cp}, nil
}

func (f *fakeEKS) CreateNodegroup(_ context.Context, in *eks.CreateNodegroupInput, _ ...func(*eks.Options)) (*eks.CreateNodegroupOutput, error) {
	f.calls = append(f.calls, "CreateNodegroup")
	f.nodegroup = &ekstypes.Nodegroup{NodegroupName: in.NodegroupName, Tags: in.Tags, Status: ekstypes.NodegroupStatusCreating}
	cp := *f.nodegroup
	return &eks.CreateNodegroupOutput{Nodegroup: &cp}, nil
}

func (f *fakeEKS) DeleteNodegroup(context.Context, *eks.DeleteNodegroupInput, ...func(*eks.Options)) (*eks.DeleteNodegroupOutput, error) {
	f.calls = append(f.calls, "DeleteNodegroup")
	f.nodegroup.Status = ekstypes.NodegroupStatusDeleting
	return &eks.DeleteNodegroupOutput{}, nil
}

var _ awssdk.EKS = (*fakeEKS)(nil)

func count(calls []string, name string) int {
	n := 0
	for _, c := range calls {
		if c == name {
			n++
		}
	}
	return n
}

func TestClusterStatesWithFakes(t *testing.T) {
	ctx := context.Background()
	spec := testStack("prod")
	roles := IAMOutputs{ClusterRoleARN: "arn:aws:iam::123456789012:role/orchestera-prod-cluster-role", NodeRoleARN: "arn:aws:iam::123456789012:role/orchestera-prod-node-role"}
	net := NetworkOutputs{VPCID: "vpc-1", PublicSubnetIDs: []string{"subnet-p1", "subnet-p2"}, PrivateSubnetIDs: []string{"subnet-q1", "subnet-q2"}}
	active := func(f *fakeEKS) {
		f.cluster.Endpoint = aws.String("https://ABC.gr7.us-east-1.eks.amazonaws.com")
		f.cluster.CertificateAuthority = &ekstypes.Certificate{Data: aws.String("LS0tLS1CRUdJTi...")}
		f.cluster.Identity = &ekstypes.Identity{Oidc: &ekstypes.OIDC{Issuer: aws.String("https://oidc.eks.us-east-1.amazonaws.com/id/ABC")}}
	}

	t.Run("CREATING is a requeue until ACTIVE, with one CreateCluster", func(t *testing.T) {
		f := &fakeEKS{}
		_, err := EnsureCluster(ctx, f, spec, roles, net)
		wantNotReady(t, err)
		if after, _ := domain.IsNotReady(err); after != defaultNotReady || !strings.Contains(err.Error(), "CREATING") {
			t.Errorf("err = %v (after %s)", err, after)
		}
		_, err = EnsureCluster(ctx, f, spec, roles, net) // still CREATING
		wantNotReady(t, err)
		f.clusterThen = []ekstypes.ClusterStatus{ekstypes.ClusterStatusActive}
		active(f)
		out, err := EnsureCluster(ctx, f, spec, roles, net)
		if err != nil || out.OIDCIssuer != "https://oidc.eks.us-east-1.amazonaws.com/id/ABC" || out.Endpoint == "" {
			t.Fatalf("EnsureCluster = %+v, %v", out, err)
		}
		if n := count(f.calls, "CreateCluster"); n != 1 {
			t.Errorf("CreateCluster called %d times", n)
		}
	})
	t.Run("FAILED is an error with the health issues", func(t *testing.T) {
		f := &fakeEKS{}
		f.CreateCluster(ctx, &eks.CreateClusterInput{Name: aws.String(spec.ClusterName()), Tags: spec.Tags()})
		f.cluster.Status = ekstypes.ClusterStatusFailed
		f.cluster.Health = &ekstypes.ClusterHealth{Issues: []ekstypes.ClusterIssue{{Code: ekstypes.ClusterIssueCodeEc2SubnetNotFound, Message: aws.String("subnet-q1 does not exist")}}}
		_, err := EnsureCluster(ctx, f, spec, roles, net)
		if _, nr := domain.IsNotReady(err); err == nil || nr || !strings.Contains(err.Error(), "Ec2SubnetNotFound: subnet-q1 does not exist") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("node group CREATING then CREATE_FAILED", func(t *testing.T) {
		f := &fakeEKS{}
		_, err := EnsureNodegroup(ctx, f, spec, roles, net)
		wantNotReady(t, err)
		f.nodegroupThen = []ekstypes.NodegroupStatus{ekstypes.NodegroupStatusCreateFailed}
		f.nodegroup.Health = &ekstypes.NodegroupHealth{Issues: []ekstypes.Issue{{Code: ekstypes.NodegroupIssueCodeNodeCreationFailure, Message: aws.String("Instances failed to join the kubernetes cluster")}}}
		_, err = EnsureNodegroup(ctx, f, spec, roles, net)
		if _, nr := domain.IsNotReady(err); err == nil || nr || !strings.Contains(err.Error(), "CREATE_FAILED: NodeCreationFailure: Instances failed to join") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("destroy waits for node groups, then DELETING, then gone", func(t *testing.T) {
		f := &fakeEKS{}
		f.CreateCluster(ctx, &eks.CreateClusterInput{Name: aws.String(spec.ClusterName()), Tags: spec.Tags()})
		f.cluster.Status = ekstypes.ClusterStatusActive
		f.deleteClusterErr = apiErr("ResourceInUseException", "Cluster has nodegroups attached")
		err := DestroyCluster(ctx, f, spec) // node groups still attached
		wantNotReady(t, err)
		if !strings.Contains(err.Error(), "nodegroups attached") {
			t.Errorf("err = %v", err)
		}
		wantNotReady(t, DestroyCluster(ctx, f, spec)) // DeleteCluster accepted: DELETING
		wantNotReady(t, DestroyCluster(ctx, f, spec)) // still DELETING: no second DeleteCluster
		f.clusterThen = []ekstypes.ClusterStatus{gone}
		if err := DestroyCluster(ctx, f, spec); err != nil {
			t.Fatal(err)
		}
		if n := count(f.calls, "DeleteCluster"); n != 2 {
			t.Errorf("DeleteCluster called %d times, want 2 (refused, then accepted)", n)
		}
		_, err = EnsureCluster(ctx, &fakeEKS{cluster: &ekstypes.Cluster{Name: aws.String(spec.ClusterName()), Tags: spec.Tags(), Status: ekstypes.ClusterStatusDeleting}}, spec, roles, net)
		wantNotReady(t, err) // an ensure during a delete waits for it to finish
	})
	t.Run("node group DELETING is a requeue without a second delete", func(t *testing.T) {
		f := &fakeEKS{nodegroup: &ekstypes.Nodegroup{NodegroupName: aws.String(spec.Name("system")), Tags: spec.Tags(), Status: ekstypes.NodegroupStatusActive}}
		wantNotReady(t, DestroyNodegroup(ctx, f, spec))
		wantNotReady(t, DestroyNodegroup(ctx, f, spec))
		f.nodegroupThen = []ekstypes.NodegroupStatus{gone}
		if err := DestroyNodegroup(ctx, f, spec); err != nil || count(f.calls, "DeleteNodegroup") != 1 {
			t.Fatalf("err = %v, calls %v", err, f.calls)
		}
	})
}

func TestAMIType(t *testing.T) {
	for typ, want := range map[string]ekstypes.AMITypes{
		"m7g.large": "AL2023_ARM_64_STANDARD", "c6gn.xlarge": "AL2023_ARM_64_STANDARD", "r8gd.2xlarge": "AL2023_ARM_64_STANDARD",
		"t4g.medium": "AL2023_ARM_64_STANDARD", "m6i.large": "AL2023_x86_64_STANDARD", "g5.xlarge": "AL2023_x86_64_STANDARD",
		"t3.medium": "AL2023_x86_64_STANDARD", "m7a.large": "AL2023_x86_64_STANDARD",
	} {
		if got := amiType(typ); got != want {
			t.Errorf("amiType(%s) = %s, want %s", typ, got, want)
		}
	}
}
