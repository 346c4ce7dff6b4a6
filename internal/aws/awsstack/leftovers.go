package awsstack

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/orchestera/orchestera/internal/aws/awssdk"
	"github.com/orchestera/orchestera/internal/domain"
)

// leftoverTags are the tag sets that mark a resource as the stack's: our
// ownership tags, and the tags EKS, Karpenter, the VPC CNI and the EBS CSI
// driver put on what they create for the cluster (which carries none of
// ours unless the EC2NodeClass adds them).
func leftoverTags(spec StackSpec) []map[string]string {
	c := spec.ClusterName()
	return []map[string]string{
		{TagOrg: spec.OrgID, TagStack: spec.StackName},
		{"kubernetes.io/cluster/" + c: "owned"},
		{"aws:eks:cluster-name": c},
		{"cluster.k8s.amazonaws.com/name": c},
	}
}

// Leftovers lists the stack's instances, network interfaces, volumes,
// Elastic IPs, NAT gateways, security groups and VPCs in spec.Region. A
// destroyed stack is gone when the list is empty.
func Leftovers(ctx context.Context, api awssdk.EC2, spec StackSpec) ([]domain.Leftover, error) {
	if err := spec.validateNames(); err != nil {
		return nil, err
	}
	if spec.Region == "" {
		return nil, fmt.Errorf("listing leftovers of stack %s: the region is required", spec.StackName)
	}
	l := &leftovers{spec: spec, seen: map[string]bool{}}
	region := func(o *ec2.Options) { o.Region = spec.Region }
	for _, tags := range leftoverTags(spec) {
		var f []ec2types.Filter
		for _, k := range slices.Sorted(maps.Keys(tags)) {
			f = append(f, ec2types.Filter{Name: aws.String("tag:" + k), Values: []string{tags[k]}})
		}
		l.match = tags
		steps := []func() error{
			func() error {
				p := ec2.NewDescribeInstancesPaginator(api, &ec2.DescribeInstancesInput{Filters: append(f, ec2types.Filter{
					Name: aws.String("instance-state-name"), Values: []string{"pending", "running", "stopping", "stopped", "shutting-down"}})})
				for p.HasMorePages() {
					page, err := p.NextPage(ctx, region)
					if err != nil {
						return err
					}
					for _, r := range page.Reservations {
						for _, i := range r.Instances {
							l.add("instance", aws.ToString(i.InstanceId), string(i.State.Name), i.Tags,
								"terminate it (a node whose cluster is gone): aws ec2 terminate-instances --region %[2]s --instance-ids %[1]s")
						}
					}
				}
				return nil
			},
			func() error {
				p := ec2.NewDescribeNetworkInterfacesPaginator(api, &ec2.DescribeNetworkInterfacesInput{Filters: f})
				for p.HasMorePages() {
					page, err := p.NextPage(ctx, region)
					if err != nil {
						return err
					}
					for _, n := range page.NetworkInterfaces {
						fix := "delete it: aws ec2 delete-network-interface --region %[2]s --network-interface-id %[1]s"
						if n.Attachment != nil && aws.ToString(n.Attachment.InstanceId) != "" {
							fix = "terminate instance " + aws.ToString(n.Attachment.InstanceId) + " first; the interface then goes with it or can be deleted: aws ec2 delete-network-interface --region %[2]s --network-interface-id %[1]s"
						}
						l.add("network-interface", aws.ToString(n.NetworkInterfaceId), string(n.Status), n.TagSet, fix)
					}
				}
				return nil
			},
			func() error {
				p := ec2.NewDescribeVolumesPaginator(api, &ec2.DescribeVolumesInput{Filters: f})
				for p.HasMorePages() {
					page, err := p.NextPage(ctx, region)
					if err != nil {
						return err
					}
					for _, v := range page.Volumes {
						l.add("volume", aws.ToString(v.VolumeId), string(v.State), v.Tags,
							"snapshot it if its data matters, then: aws ec2 delete-volume --region %[2]s --volume-id %[1]s")
					}
				}
				return nil
			},
			func() error {
				page, err := api.DescribeAddresses(ctx, &ec2.DescribeAddressesInput{Filters: f}, region)
				if err != nil {
					return err
				}
				for _, a := range page.Addresses {
					state := "unassociated"
					if a.AssociationId != nil {
						state = "associated"
					}
					l.add("elastic-ip", aws.ToString(a.AllocationId), state, a.Tags, "release it (after its NAT gateway is deleted): aws ec2 release-address --region %[2]s --allocation-id %[1]s")
				}
				return nil
			},
			func() error {
				p := ec2.NewDescribeNatGatewaysPaginator(api, &ec2.DescribeNatGatewaysInput{Filter: f})
				for p.HasMorePages() {
					page, err := p.NextPage(ctx, region)
					if err != nil {
						return err
					}
					for _, n := range page.NatGateways {
						if n.State == ec2types.NatGatewayStateDeleted {
							continue
						}
						l.add("nat-gateway", aws.ToString(n.NatGatewayId), string(n.State), n.Tags, "delete it: aws ec2 delete-nat-gateway --region %[2]s --nat-gateway-id %[1]s")
					}
				}
				return nil
			},
			func() error {
				p := ec2.NewDescribeSecurityGroupsPaginator(api, &ec2.DescribeSecurityGroupsInput{Filters: f})
				for p.HasMorePages() {
					page, err := p.NextPage(ctx, region)
					if err != nil {
						return err
					}
					for _, g := range page.SecurityGroups {
						l.add("security-group", aws.ToString(g.GroupId), "", g.Tags,
							"delete it once no network interface uses it: aws ec2 delete-security-group --region %[2]s --group-id %[1]s")
					}
				}
				return nil
			},
			func() error {
				p := ec2.NewDescribeVpcsPaginator(api, &ec2.DescribeVpcsInput{Filters: f})
				for p.HasMorePages() {
					page, err := p.NextPage(ctx, region)
					if err != nil {
						return err
					}
					for _, v := range page.Vpcs {
						l.add("vpc", aws.ToString(v.VpcId), string(v.State), v.Tags, "destroy the network again (cfn stack "+
							spec.Name(partNetwork)+"), or delete what is left in the VPC, then: aws ec2 delete-vpc --region %[2]s --vpc-id %[1]s")
					}
				}
				return nil
			},
		}
		for _, step := range steps {
			if err := step(); err != nil {
				return nil, fmt.Errorf("listing leftovers of stack %s: %w", spec.StackName, err)
			}
		}
	}
	return l.out, nil
}

// leftovers collects resources once each, checking the tags again because
// an emulator may ignore a filter (moto's DescribeNatGateways ignores tag
// filters).
type leftovers struct {
	spec  StackSpec
	match map[string]string
	seen  map[string]bool
	out   []domain.Leftover
}

func (l *leftovers) add(typ, id, state string, tags []ec2types.Tag, fix string) {
	have := awssdk.FromEC2Tags(tags)
	for k, v := range l.match {
		if have[k] != v {
			return
		}
	}
	if l.seen[id] {
		return
	}
	l.seen[id] = true
	l.out = append(l.out, domain.Leftover{Type: typ, ID: id, State: state, Fix: fmt.Sprintf(fix, id, l.spec.Region)})
}
