package awsstack

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/orchestera/orchestera/internal/aws/awssdk"
	"github.com/orchestera/orchestera/internal/aws/mototest"
	"github.com/orchestera/orchestera/internal/iampolicy"
)

// defaultSubnets stands in for the network: moto's EKS does not check
// subnets, and the network cfnStack (which moto cannot delete, gap 9) is
// tested in TestNetworkAgainstMoto. The default VPC's subnets carry none of
// our tags, so Leftovers must not list them.
func defaultSubnets(t *testing.T, api *ec2.Client) NetworkOutputs {
	t.Helper()
	out, err := api.DescribeSubnets(testCtx(t), &ec2.DescribeSubnetsInput{})
	if err != nil || len(out.Subnets) < 4 {
		t.Fatalf("default subnets: %d, %v", len(out.Subnets), err)
	}
	id := func(i int) string { return aws.ToString(out.Subnets[i].SubnetId) }
	return NetworkOutputs{VPCID: aws.ToString(out.Subnets[0].VpcId), PrivateSubnetIDs: []string{id(0), id(1)}, PublicSubnetIDs: []string{id(2), id(3)}}
}

// TestStackLifecycleAgainstMoto ensures every part after the network twice,
// destroys them in reverse order and checks that nothing is left. moto's
// EKS is ACTIVE at once and deletes at once (gap 6): the CREATING, FAILED
// and DELETING paths are in TestClusterStatesWithFakes.
func TestStackLifecycleAgainstMoto(t *testing.T) {
	cfg := startStackMoto(t)
	ctx := testCtx(t)
	iamClient, ec2c, eksc := iam.NewFromConfig(cfg), ec2.NewFromConfig(cfg), eks.NewFromConfig(cfg)
	iamc, sqsc := &recordingIAM{IAM: iamClient}, &recordingSQS{SQS: sqs.NewFromConfig(cfg)}
	spec := testStack("prod")
	net := defaultSubnets(t, ec2c)
	roles, err := EnsureIAM(ctx, iamc, spec)
	if err != nil {
		t.Fatal(err)
	}

	cluster, err := EnsureCluster(ctx, eksc, spec, roles, net)
	if err != nil {
		t.Fatalf("EnsureCluster: %v", err)
	}
	t.Run("cluster", func(t *testing.T) {
		if cluster.Name != "orchestera-prod-cluster" || cluster.Version != "1.31" || cluster.Endpoint == "" || cluster.CertificateAuthority == "" ||
			!strings.HasPrefix(cluster.OIDCIssuer, "https://") || !strings.HasPrefix(cluster.ARN, "arn:aws:eks:us-east-1:"+mototest.AccountID+":cluster/") {
			t.Fatalf("EnsureCluster = %+v", cluster)
		}
		got, err := eksc.DescribeCluster(ctx, &eks.DescribeClusterInput{Name: aws.String(cluster.Name)})
		if err != nil {
			t.Fatal(err)
		}
		c := got.Cluster
		if aws.ToString(c.RoleArn) != roles.ClusterRoleARN || !spec.owns(c.Tags) ||
			strings.Join(c.ResourcesVpcConfig.SubnetIds, ",") != strings.Join(append(net.PrivateSubnetIDs, net.PublicSubnetIDs...), ",") {
			t.Errorf("cluster = role %s, tags %v, subnets %v", aws.ToString(c.RoleArn), c.Tags, c.ResourcesVpcConfig.SubnetIds)
		}
		if again, err := EnsureCluster(ctx, eksc, spec, roles, net); err != nil || again != cluster {
			t.Errorf("second EnsureCluster = %+v, %v", again, err)
		}
	})
	t.Run("a cluster of the same name that is not ours is refused and left alone", func(t *testing.T) {
		other := testStack("other")
		if _, err := eksc.CreateCluster(ctx, &eks.CreateClusterInput{Name: aws.String(other.ClusterName()), RoleArn: aws.String(roles.ClusterRoleARN),
			ResourcesVpcConfig: &ekstypes.VpcConfigRequest{SubnetIds: net.PrivateSubnetIDs}}); err != nil {
			t.Fatal(err)
		}
		_, err := EnsureCluster(ctx, eksc, other, roles, net)
		wantNotOwned(t, err)
		if err := DestroyCluster(ctx, eksc, other); err != nil {
			t.Fatal(err)
		}
		if _, err := eksc.DescribeCluster(ctx, &eks.DescribeClusterInput{Name: aws.String(other.ClusterName())}); err != nil {
			t.Fatalf("DestroyCluster deleted a cluster that is not ours: %v", err)
		}
	})

	var oidc OIDCOutputs
	t.Run("OIDC provider", func(t *testing.T) {
		// Someone else's provider for the issuer is refused first.
		foreign, err := iamClient.CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{Url: aws.String(cluster.OIDCIssuer), ClientIDList: []string{"sts.amazonaws.com"}})
		if err != nil {
			t.Fatal(err)
		}
		_, err = EnsureOIDCProvider(ctx, iamc, spec, cluster)
		wantNotOwned(t, err)
		if _, err := iamClient.DeleteOpenIDConnectProvider(ctx, &iam.DeleteOpenIDConnectProviderInput{OpenIDConnectProviderArn: foreign.OpenIDConnectProviderArn}); err != nil {
			t.Fatal(err)
		}

		iamc.take()
		if oidc, err = EnsureOIDCProvider(ctx, iamc, spec, cluster); err != nil {
			t.Fatalf("EnsureOIDCProvider: %v", err)
		}
		host := strings.TrimPrefix(cluster.OIDCIssuer, "https://")
		if oidc.ProviderARN != "arn:aws:iam::"+mototest.AccountID+":oidc-provider/"+host || oidc.Issuer != host {
			t.Errorf("EnsureOIDCProvider = %+v", oidc)
		}
		got, err := iamClient.GetOpenIDConnectProvider(ctx, &iam.GetOpenIDConnectProviderInput{OpenIDConnectProviderArn: aws.String(oidc.ProviderARN)})
		if err != nil || !spec.owns(awssdk.FromIAMTags(got.Tags)) || strings.Join(got.ClientIDList, ",") != "sts.amazonaws.com" || len(got.ThumbprintList) != 0 {
			t.Errorf("provider = %+v, %v", got, err)
		}
		if again, err := EnsureOIDCProvider(ctx, iamc, spec, cluster); err != nil || again != oidc {
			t.Errorf("second EnsureOIDCProvider = %+v, %v", again, err)
		}
		if changes := iamc.take(); changes != "CreateOpenIDConnectProvider" {
			t.Errorf("changes = %q, want one create", changes)
		}
	})

	t.Run("system node group", func(t *testing.T) {
		ng, err := EnsureNodegroup(ctx, eksc, spec, roles, net)
		if err != nil || ng.Name != "orchestera-prod-system" {
			t.Fatalf("EnsureNodegroup = %+v, %v", ng, err)
		}
		got, err := eksc.DescribeNodegroup(ctx, &eks.DescribeNodegroupInput{ClusterName: aws.String(cluster.Name), NodegroupName: aws.String(ng.Name)})
		if err != nil {
			t.Fatal(err)
		}
		n := got.Nodegroup
		if aws.ToString(n.NodeRole) != roles.NodeRoleARN || strings.Join(n.Subnets, ",") != strings.Join(net.PrivateSubnetIDs, ",") ||
			aws.ToInt32(n.ScalingConfig.DesiredSize) != 2 || aws.ToInt32(n.ScalingConfig.MaxSize) != 2 || n.AmiType != "AL2023_ARM_64_STANDARD" ||
			n.Labels[SystemNodeLabel] != "system" || len(n.Taints) != 1 || aws.ToString(n.Taints[0].Key) != "CriticalAddonsOnly" || !spec.owns(n.Tags) {
			t.Errorf("node group = %+v", n)
		}
		if again, err := EnsureNodegroup(ctx, eksc, spec, roles, net); err != nil || again != ng {
			t.Errorf("second EnsureNodegroup = %+v, %v", again, err)
		}
	})

	t.Run("Karpenter queue and controller role", func(t *testing.T) {
		k, err := EnsureKarpenter(ctx, sqsc, iamc, spec, roles, cluster, oidc)
		if err != nil {
			t.Fatalf("EnsureKarpenter: %v", err)
		}
		if k.QueueName != "orchestera-prod-karpenter" || k.QueueARN != "arn:aws:sqs:us-east-1:"+mototest.AccountID+":orchestera-prod-karpenter" ||
			k.ControllerRoleARN != "arn:aws:iam::"+mototest.AccountID+":role/orchestera-prod-karpenter" || k.QueueURL == "" {
			t.Fatalf("EnsureKarpenter = %+v", k)
		}
		scope := karpenterScope{queueARN: k.QueueARN}
		if !iampolicy.Equal(queuePolicyOf(t, sqsc, k.QueueURL), scope.queuePolicy()) {
			t.Error("the queue policy is not the one planned")
		}
		role, err := iamClient.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(k.QueueName)})
		if err != nil {
			t.Fatal(err)
		}
		if trust, err := iampolicy.Decode(aws.ToString(role.Role.AssumeRolePolicyDocument)); err != nil || !iampolicy.Equal(trust, controllerTrust(oidc)) {
			t.Errorf("controller trust = %s (%v)", trust.JSON(), err)
		}
		inline, _ := iamClient.ListRolePolicies(ctx, &iam.ListRolePoliciesInput{RoleName: aws.String(k.QueueName)})
		if strings.Join(inline.PolicyNames, ",") != "KarpenterControllerPolicy" {
			t.Errorf("inline policies = %v", inline.PolicyNames)
		}

		iamc.take()
		sqsc.take()
		if again, err := EnsureKarpenter(ctx, sqsc, iamc, spec, roles, cluster, oidc); err != nil || again != k {
			t.Fatalf("second EnsureKarpenter = %+v, %v", again, err)
		}
		if i, s := iamc.take(), sqsc.take(); i != "PutRolePolicy" || s != "" {
			t.Errorf("second ensure changed IAM %q and SQS %q; want only the idempotent PutRolePolicy", i, s)
		}
		// A queue policy edited by hand is put back.
		if _, err := sqsc.SQS.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: aws.String(k.QueueURL),
			Attributes: map[string]string{"Policy": string(serviceTrust("events.amazonaws.com").JSON())}}); err != nil {
			t.Fatal(err)
		}
		if _, err := EnsureKarpenter(ctx, sqsc, iamc, spec, roles, cluster, oidc); err != nil {
			t.Fatal(err)
		}
		if s := sqsc.take(); s != "SetQueueAttributes" || !iampolicy.Equal(queuePolicyOf(t, sqsc, k.QueueURL), scope.queuePolicy()) {
			t.Errorf("the edited queue policy was not restored (%q)", s)
		}
	})

	t.Run("destroy in reverse order, then nothing is left", func(t *testing.T) {
		destroyAll := func() {
			t.Helper()
			if err := DestroyKarpenter(ctx, sqsc, iamc, spec); err != nil {
				t.Fatalf("DestroyKarpenter: %v", err)
			}
			if err := settle(t, "DestroyNodegroup", func() error { return DestroyNodegroup(ctx, eksc, spec) }); err != nil {
				t.Fatalf("DestroyNodegroup: %v", err)
			}
			if err := DestroyOIDCProvider(ctx, iamc, spec, oidc); err != nil {
				t.Fatalf("DestroyOIDCProvider: %v", err)
			}
			if err := settle(t, "DestroyCluster", func() error { return DestroyCluster(ctx, eksc, spec) }); err != nil {
				t.Fatalf("DestroyCluster: %v", err)
			}
			if err := DestroyIAM(ctx, iamc, spec); err != nil {
				t.Fatalf("DestroyIAM: %v", err)
			}
		}
		destroyAll()
		if _, err := eksc.DescribeCluster(ctx, &eks.DescribeClusterInput{Name: aws.String(cluster.Name)}); !awssdk.IsNotFound(err) {
			t.Errorf("cluster after destroy: %v", err)
		}
		if _, err := iamClient.GetOpenIDConnectProvider(ctx, &iam.GetOpenIDConnectProviderInput{OpenIDConnectProviderArn: aws.String(oidc.ProviderARN)}); !awssdk.IsNotFound(err) {
			t.Errorf("OIDC provider after destroy: %v", err)
		}
		if _, err := sqsc.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("orchestera-prod-karpenter")}); !isQueueMissing(err) {
			t.Errorf("queue after destroy: %v", err)
		}
		if _, err := iamClient.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("orchestera-prod-karpenter")}); !awssdk.IsNotFound(err) {
			t.Errorf("controller role after destroy: %v", err)
		}
		destroyAll() // everything absent: each destroy is a no-op

		left, err := Leftovers(ctx, ec2c, spec)
		if err != nil || len(left) != 0 {
			t.Fatalf("Leftovers = %+v, %v; want none", left, err)
		}
	})
}

func queuePolicyOf(t *testing.T, api awssdk.SQS, url string) iampolicy.Document {
	t.Helper()
	out, err := api.GetQueueAttributes(testCtx(t), &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url), AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNamePolicy}})
	if err != nil {
		t.Fatal(err)
	}
	d, err := iampolicy.Parse([]byte(out.Attributes["Policy"]))
	if err != nil {
		t.Fatal(err)
	}
	return d
}
