package awsstack

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/eks"

	"github.com/orchestera/orchestera/internal/aws/awssdk"
	"github.com/orchestera/orchestera/internal/domain"
)

// A stack's options are checked for form when it is created; a plan checks
// them against what AWS offers in the stack's region, so a mistyped instance
// type fails before anything is built, with the choices there are.

// fallbackVersions are the Kubernetes versions EKS supported (standard and
// extended support) when this list was written, 2026-12: used only when
// eks:DescribeClusterVersions cannot be asked.
var fallbackVersions = []string{"1.29", "1.30", "1.31", "1.32", "1.33", "1.34", "1.35"}

// validateOptions checks the Kubernetes version, the system node type and
// the Spark instance families.
func validateOptions(ctx context.Context, c Clients, st domain.Stack) error {
	o := st.Options.WithDefaults()
	versions := kubernetesVersions(ctx, c.EKS)
	if !slices.Contains(versions, o.KubernetesVersion) {
		return domain.Invalid("kubernetes_version", "eks_version",
			fmt.Sprintf("EKS does not offer Kubernetes %s; choose one of %s", o.KubernetesVersion, strings.Join(versions, ", ")))
	}
	_, err := c.EC2.DescribeInstanceTypes(ctx, &ec2.DescribeInstanceTypesInput{InstanceTypes: []ec2types.InstanceType{ec2types.InstanceType(o.SystemNodeType)}})
	if code := awssdk.ErrorCode(err); code == "InvalidInstanceType" || code == "InvalidParameterValue" {
		family, _, _ := strings.Cut(o.SystemNodeType, ".")
		choices, _ := typesOf(ctx, c.EC2, family)
		if len(choices) == 0 {
			choices = []string{"m6i.large", "m7i.large", "r6i.large", "c6i.large"}
		}
		return domain.Invalid("system_node_type", "instance_type",
			fmt.Sprintf("%s is not an EC2 instance type in %s; choose one such as %s", o.SystemNodeType, st.Region, strings.Join(first(choices, 6), ", ")))
	}
	if err != nil {
		return domain.Errorf(domain.CodeUnavailable, "checking the system node type against EC2: %v", err)
	}
	for _, f := range o.InstanceFamilies {
		types, err := typesOf(ctx, c.EC2, f)
		if err != nil {
			return domain.Errorf(domain.CodeUnavailable, "checking instance family %s against EC2: %v", f, err)
		}
		if len(types) == 0 {
			return domain.Invalid("instance_families", "instance_family",
				fmt.Sprintf("%s is not an EC2 instance family in %s; use families such as m6i, m7i, r6i or c6i", f, st.Region))
		}
	}
	return nil
}

// kubernetesVersions are the versions EKS offers now, or the fallback list.
func kubernetesVersions(ctx context.Context, api awssdk.EKS) []string {
	out, err := api.DescribeClusterVersions(ctx, &eks.DescribeClusterVersionsInput{})
	if err != nil || len(out.ClusterVersions) == 0 {
		return fallbackVersions
	}
	var vs []string
	for _, v := range out.ClusterVersions {
		vs = append(vs, aws.ToString(v.ClusterVersion))
	}
	slices.Sort(vs)
	return vs
}

// typesOf lists the instance types of a family, smallest first.
func typesOf(ctx context.Context, api awssdk.EC2, family string) ([]string, error) {
	var all []ec2types.InstanceTypeInfo
	p := ec2.NewDescribeInstanceTypesPaginator(api, &ec2.DescribeInstanceTypesInput{
		Filters: []ec2types.Filter{{Name: aws.String("instance-type"), Values: []string{family + ".*"}}}})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		all = append(all, page.InstanceTypes...)
	}
	vcpus := func(t ec2types.InstanceTypeInfo) int32 {
		if t.VCpuInfo == nil {
			return 0
		}
		return aws.ToInt32(t.VCpuInfo.DefaultVCpus)
	}
	slices.SortFunc(all, func(a, b ec2types.InstanceTypeInfo) int {
		if d := vcpus(a) - vcpus(b); d != 0 {
			return int(d)
		}
		return strings.Compare(string(a.InstanceType), string(b.InstanceType))
	})
	out := make([]string, len(all))
	for i, t := range all {
		out[i] = string(t.InstanceType)
	}
	return out, nil
}

func first(l []string, n int) []string { return l[:min(n, len(l))] }
