package awsstack

import (
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

func tagSpec(typ ec2types.ResourceType, kv ...string) []ec2types.TagSpecification {
	if len(kv) == 0 {
		return nil
	}
	var tags []ec2types.Tag
	for i := 0; i+1 < len(kv); i += 2 {
		tags = append(tags, ec2types.Tag{Key: aws.String(kv[i]), Value: aws.String(kv[i+1])})
	}
	return []ec2types.TagSpecification{{ResourceType: typ, Tags: tags}}
}

// TestLeftoversAgainstMoto creates what a half-destroyed stack leaves
// behind: resources with our tags and ones EKS, Karpenter or the VPC CNI
// tag with the cluster's name, next to look-alikes of other stacks.
func TestLeftoversAgainstMoto(t *testing.T) {
	cfg := startStackMoto(t)
	ctx := testCtx(t)
	api := ec2.NewFromConfig(cfg)
	spec := testStack("prod")
	cluster := spec.ClusterName()

	if left, err := Leftovers(ctx, api, spec); err != nil || len(left) != 0 {
		t.Fatalf("Leftovers of a stack never created = %+v, %v (moto's default VPC carries no tags of ours)", left, err)
	}
	subnets, err := api.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{})
	if err != nil {
		t.Fatal(err)
	}
	subnet := subnets.Subnets[0].SubnetId

	ourTags := []string{TagOrg, spec.OrgID, TagStack, spec.StackName}
	vol := func(kv ...string) string {
		t.Helper()
		v, err := api.CreateVolume(ctx, &ec2.CreateVolumeInput{AvailabilityZone: aws.String("us-east-1a"), Size: aws.Int32(10),
			TagSpecifications: tagSpec(ec2types.ResourceTypeVolume, kv...)})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(v.VolumeId)
	}
	ourVolume := vol(ourTags...)
	csiVolume := vol("kubernetes.io/cluster/"+cluster, "owned", "ebs.csi.aws.com/cluster", "true")
	vol(TagOrg, spec.OrgID, TagStack, "staging")    // another stack of ours
	vol(TagOrg, "org_other", TagStack, "prod")      // same stack name, another organization
	vol("kubernetes.io/cluster/"+cluster, "shared") // shared, not owned
	vol()

	eni, err := api.CreateNetworkInterface(ctx, &ec2.CreateNetworkInterfaceInput{SubnetId: subnet,
		TagSpecifications: tagSpec(ec2types.ResourceTypeNetworkInterface, "cluster.k8s.amazonaws.com/name", cluster)})
	if err != nil {
		t.Fatal(err)
	}
	eip, err := api.AllocateAddress(ctx, &ec2.AllocateAddressInput{Domain: ec2types.DomainTypeVpc,
		TagSpecifications: tagSpec(ec2types.ResourceTypeElasticIp, ourTags...)})
	if err != nil {
		t.Fatal(err)
	}
	sg, err := api.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("eks-cluster-sg-" + cluster), Description: aws.String("EKS"),
		VpcId: subnets.Subnets[0].VpcId, TagSpecifications: tagSpec(ec2types.ResourceTypeSecurityGroup, "aws:eks:cluster-name", cluster)})
	if err != nil {
		t.Fatal(err)
	}
	run, err := api.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String("ami-12c6146b"), MinCount: aws.Int32(2), MaxCount: aws.Int32(2),
		InstanceType: "m7g.large", SubnetId: subnet,
		TagSpecifications: tagSpec(ec2types.ResourceTypeInstance, "kubernetes.io/cluster/"+cluster, "owned", "karpenter.sh/nodepool", "spark")})
	if err != nil {
		t.Fatal(err)
	}
	running, terminated := aws.ToString(run.Instances[0].InstanceId), aws.ToString(run.Instances[1].InstanceId)
	if _, err := api.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{terminated}}); err != nil {
		t.Fatal(err)
	}

	left, err := Leftovers(ctx, api, spec)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range left {
		got = append(got, l.Type+" "+l.ID)
		if !strings.Contains(l.Fix, l.ID) || !strings.Contains(l.Fix, "--region us-east-1") {
			t.Errorf("%s %s: fix %q lacks the id or the region", l.Type, l.ID, l.Fix)
		}
	}
	sort.Strings(got)
	want := []string{
		"elastic-ip " + aws.ToString(eip.AllocationId),
		"instance " + running,
		"network-interface " + aws.ToString(eni.NetworkInterface.NetworkInterfaceId),
		"security-group " + aws.ToString(sg.GroupId),
		"volume " + csiVolume,
		"volume " + ourVolume,
	}
	sort.Strings(want)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("Leftovers =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
