package awsstack

import (
	"maps"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/orchestera/orchestera/internal/aws/awssdk"
	"github.com/orchestera/orchestera/internal/cfn"
	"github.com/orchestera/orchestera/internal/golden"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

func TestNetworkTemplatesGolden(t *testing.T) {
	golden.Equal(t, filepath.Join("testdata", "stack-network.golden.json"), networkTemplate(testStack("prod")).Indented())
	golden.Equal(t, filepath.Join("testdata", "stack-nat.golden.json"), natTemplate(testStack("prod")).Indented())
}

func TestNetworkTemplateRules(t *testing.T) {
	spec := testStack("prod")
	spec.AZs = []string{"a", "b", "c", "d", "e", "f"}
	for name, tpl := range map[string]cfn.Template{"network": networkTemplate(spec), "nat": natTemplate(spec)} {
		t.Run(name, func(t *testing.T) { templateRules(t, spec, tpl) })
	}
}

func templateRules(t *testing.T, spec StackSpec, tpl cfn.Template) {
	body := tpl.Body()
	if len(body) > 51200 {
		t.Errorf("with %d AZs the template is %d bytes; CloudFormation takes at most 51200 in TemplateBody", len(spec.AZs), len(body))
	}
	if strings.Contains(body, "GetAZs") {
		t.Error("the template uses Fn::GetAZs; AZs must be parameters (emulator gap 10)")
	}
	untaggable := map[string]bool{"AWS::EC2::VPCGatewayAttachment": true, "AWS::EC2::Route": true, "AWS::EC2::SubnetRouteTableAssociation": true}
	for id, r := range tpl.Resources {
		if untaggable[r.Type] {
			continue
		}
		b := string(mustJSON(t, r.Properties))
		for _, want := range []string{`"Key":"orchestera.io/org","Value":"org_7Kq2"`, `"Key":"orchestera.io/stack","Value":"prod"`} {
			if !strings.Contains(b, want) {
				t.Errorf("%s (%s) lacks tag %s", id, r.Type, want)
			}
		}
	}
}

func TestSubnetPlan(t *testing.T) {
	for _, tc := range []struct {
		cidr          string
		n             int
		public, priv  []string
		wantErrSubstr string
	}{
		{cidr: "10.0.0.0/16", n: 2, public: []string{"10.0.224.0/22", "10.0.228.0/22"}, priv: []string{"10.0.0.0/19", "10.0.32.0/19"}},
		{cidr: "10.8.0.0/20", n: 3, public: []string{"10.8.14.0/26", "10.8.14.64/26", "10.8.14.128/26"}, priv: []string{"10.8.0.0/23", "10.8.2.0/23", "10.8.4.0/23"}},
		{cidr: "10.0.0.0/8", n: 2, wantErrSubstr: "/16 to /20"},
		{cidr: "10.0.0.1/16", n: 2, wantErrSubstr: "not an IPv4 network"},
		{cidr: "fd00::/56", n: 2, wantErrSubstr: "not an IPv4 network"},
	} {
		t.Run(tc.cidr, func(t *testing.T) {
			pub, priv, err := subnetPlan(tc.cidr, tc.n)
			if tc.wantErrSubstr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErrSubstr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErrSubstr)
				}
				return
			}
			if err != nil || strings.Join(pub, " ") != strings.Join(tc.public, " ") || strings.Join(priv, " ") != strings.Join(tc.priv, " ") {
				t.Fatalf("subnetPlan = %v %v %v", pub, priv, err)
			}
		})
	}
}

func TestNetworkAgainstMoto(t *testing.T) {
	cfg := startStackMoto(t)
	ctx := testCtx(t)
	cfn, ec2c := cloudformation.NewFromConfig(cfg), ec2.NewFromConfig(cfg)
	spec := testStack("prod")

	first, err := ensureNetwork(t, cfn, spec)
	if err != nil {
		t.Fatalf("EnsureNetwork: %v", err)
	}
	var natOp CFNOp
	var nat NATOutputs
	if err := settle(t, "EnsureNAT", func() (err error) { nat, err = EnsureNAT(ctx, cfn, spec, first, &natOp); return err }); err != nil {
		t.Fatalf("EnsureNAT: %v", err)
	}
	t.Run("creates exactly the planned resources", func(t *testing.T) {
		for part, want := range map[string]map[string]int{
			"network": {"AWS::EC2::VPC": 1, "AWS::EC2::Subnet": 4, "AWS::EC2::InternetGateway": 1, "AWS::EC2::VPCGatewayAttachment": 1,
				"AWS::EC2::RouteTable": 3, "AWS::EC2::Route": 1, "AWS::EC2::SubnetRouteTableAssociation": 4},
			"nat": {"AWS::EC2::EIP": 2, "AWS::EC2::NatGateway": 2, "AWS::EC2::Route": 2},
		} {
			res, err := cfn.ListStackResources(ctx, &cloudformation.ListStackResourcesInput{StackName: aws.String(spec.Name(part))})
			if err != nil {
				t.Fatal(err)
			}
			count := map[string]int{}
			for _, r := range res.StackResourceSummaries {
				count[aws.ToString(r.ResourceType)]++
			}
			if !maps.Equal(count, want) {
				t.Errorf("cfn stack %s holds %v, want %v", part, count, want)
			}
		}
		if len(first.PrivateRouteTableIDs) != 2 || len(nat.NATGatewayIDs) != 2 {
			t.Errorf("outputs: network %+v, nat %+v", first, nat)
		}
		// Each private subnet's route table sends the internet through its
		// zone's NAT gateway.
		rts, err := ec2c.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{RouteTableIds: first.PrivateRouteTableIDs})
		if err != nil {
			t.Fatal(err)
		}
		for _, rt := range rts.RouteTables {
			via := ""
			for _, r := range rt.Routes {
				if aws.ToString(r.DestinationCidrBlock) == "0.0.0.0/0" {
					via = aws.ToString(r.NatGatewayId)
				}
			}
			if !slices.Contains(nat.NATGatewayIDs, via) {
				t.Errorf("route table %s goes out through %q, not a NAT gateway of %v", aws.ToString(rt.RouteTableId), via, nat.NATGatewayIDs)
			}
		}
	})
	t.Run("subnets are in the AZs with the discovery tags", func(t *testing.T) {
		out, err := ec2c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{SubnetIds: append(append([]string(nil), first.PrivateSubnetIDs...), first.PublicSubnetIDs...)})
		if err != nil {
			t.Fatal(err)
		}
		byID := map[string]ec2types.Subnet{}
		for _, s := range out.Subnets {
			byID[aws.ToString(s.SubnetId)] = s
		}
		for i, az := range spec.AZs {
			priv, pub := byID[first.PrivateSubnetIDs[i]], byID[first.PublicSubnetIDs[i]]
			if aws.ToString(priv.AvailabilityZone) != az || aws.ToString(pub.AvailabilityZone) != az || aws.ToString(priv.VpcId) != first.VPCID {
				t.Errorf("subnet pair %d: AZs %s/%s, VPC %s; want %s in %s", i, aws.ToString(priv.AvailabilityZone), aws.ToString(pub.AvailabilityZone), aws.ToString(priv.VpcId), az, first.VPCID)
			}
			pt, ut := awssdk.FromEC2Tags(priv.Tags), awssdk.FromEC2Tags(pub.Tags)
			if pt["karpenter.sh/discovery"] != spec.ClusterName() || pt["kubernetes.io/role/internal-elb"] != "1" || ut["kubernetes.io/role/elb"] != "1" || !spec.owns(pt) || !spec.owns(ut) {
				t.Errorf("subnet pair %d tags: private %v, public %v", i, pt, ut)
			}
		}
	})
	t.Run("a second ensure changes nothing", func(t *testing.T) {
		before := physicalIDs(t, cfn, spec.Name("network"))
		again, err := ensureNetwork(t, cfn, spec)
		if err != nil {
			t.Fatalf("EnsureNetwork again: %v", err)
		}
		if strings.Join(append(again.PrivateSubnetIDs, again.VPCID), ",") != strings.Join(append(first.PrivateSubnetIDs, first.VPCID), ",") || again.CFNStackID != first.CFNStackID {
			t.Fatalf("outputs changed: %+v then %+v", first, again)
		}
		// AWS answers this UpdateStack "No updates are to be performed"
		// (TestCFNStackFailuresWithFakes covers that answer). moto never
		// does for a template with List parameters (it compares the split
		// list with the sent string), so here it runs an identical update:
		// the status becomes UPDATE_COMPLETE and every resource stays.
		if after := physicalIDs(t, cfn, spec.Name("network")); after != before {
			t.Errorf("resources changed:\n%s\n%s", before, after)
		}
	})
	t.Run("a cfn stack of the same name that is not ours is refused", func(t *testing.T) {
		other := testStack("other")
		foreign := `{"Resources":{"Q":{"Type":"AWS::SQS::Queue","Properties":{"QueueName":"someone-elses"}}}}`
		if _, err := cfn.CreateStack(ctx, &cloudformation.CreateStackInput{StackName: aws.String(other.Name("network")), TemplateBody: aws.String(foreign)}); err != nil {
			t.Fatal(err)
		}
		_, err := ensureNetwork(t, cfn, other)
		wantNotOwned(t, err)
		if err := destroyNetwork(t, cfn, other); err != nil {
			t.Fatalf("DestroyNetwork of a foreign cfn stack: %v", err)
		}
		if st, _ := describeCFNStack(ctx, cfn, other.Name("network")); st == nil {
			t.Fatal("DestroyNetwork deleted a cfn stack that is not ours")
		}
	})
	t.Run("destroy, as far as moto can", func(t *testing.T) {
		// moto cannot delete a VPC stack (emulator gap 9): route
		// tables, routes, the IGW, NAT gateways and EIPs have no delete
		// hook, so deleting the VPC fails, DeleteStack answers
		// DependencyViolation and the cfn stack vanishes with orphans. AWS
		// deletes them all, or shows DELETE_FAILED with a reason in the
		// events (TestCFNStackFailuresWithFakes). What this checks: the
		// error is reported, the cfn stack is gone, a second destroy is a
		// no-op, and Leftovers finds the orphans that carry our tags (moto
		// drops the Tags of a template's EIPs, so they are not listed).
		if err := settle(t, "DestroyNAT", func() error { return DestroyNAT(ctx, cfn, spec, &natOp) }); err != nil {
			t.Fatalf("DestroyNAT: %v", err)
		}
		err := destroyNetwork(t, cfn, spec)
		if err != nil && awssdk.ErrorCode(err) != "DependencyViolation" {
			t.Fatalf("DestroyNetwork: %v", err)
		}
		if st, derr := describeCFNStack(ctx, cfn, spec.Name("network")); derr != nil || st != nil {
			t.Fatalf("after DestroyNetwork the cfn stack is %v (%v)", st, derr)
		}
		if err := destroyNetwork(t, cfn, spec); err != nil {
			t.Fatalf("second DestroyNetwork: %v", err)
		}
		left, err := Leftovers(ctx, ec2c, spec)
		if err != nil {
			t.Fatal(err)
		}
		types := map[string]int{}
		for _, l := range left {
			types[l.Type]++
		}
		if types["vpc"] != 1 || types["nat-gateway"] != 2 {
			t.Errorf("leftovers after moto's partial delete = %+v, want the VPC and 2 NAT gateways", left)
		}
	})
}

// physicalIDs lists a cfn stack's resources as "logical=physical" lines.
func physicalIDs(t *testing.T, api *cloudformation.Client, name string) string {
	t.Helper()
	out, err := api.ListStackResources(testCtx(t), &cloudformation.ListStackResourcesInput{StackName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	var l []string
	for _, r := range out.StackResourceSummaries {
		l = append(l, aws.ToString(r.LogicalResourceId)+"="+aws.ToString(r.PhysicalResourceId))
	}
	sort.Strings(l)
	return strings.Join(l, "\n")
}
