package awsstack

import (
	"context"
	"fmt"
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/orchestera/orchestera/internal/aws/awssdk"
)

// PickAZs returns the first n available availability zones of region, by
// name. Local Zones and Wavelength Zones are left out: EKS control planes
// and NAT gateways need real availability zones. The names feed the network
// template as parameters (never Fn::GetAZs: emulator gap 10).
//
// The zone names are the account's own mapping (us-east-1a in one account
// is not us-east-1a in another), which is what subnets are created with.
func PickAZs(ctx context.Context, api awssdk.EC2, region string, n int) ([]string, error) {
	if n < 2 {
		return nil, fmt.Errorf("picking availability zones in %s: a stack needs at least 2, asked for %d", region, n)
	}
	out, err := api.DescribeAvailabilityZones(ctx, &ec2.DescribeAvailabilityZonesInput{
		Filters: []ec2types.Filter{
			{Name: aws.String("region-name"), Values: []string{region}},
			{Name: aws.String("zone-type"), Values: []string{"availability-zone"}},
			{Name: aws.String("state"), Values: []string{"available"}},
		},
	}, func(o *ec2.Options) { o.Region = region })
	if err != nil {
		return nil, fmt.Errorf("describing availability zones in %s: %w", region, err)
	}
	var names []string
	for _, z := range out.AvailabilityZones {
		// Filters are checked again: an emulator may ignore one.
		if z.State != ec2types.AvailabilityZoneStateAvailable || aws.ToString(z.ZoneType) != "availability-zone" {
			continue
		}
		names = append(names, aws.ToString(z.ZoneName))
	}
	sort.Strings(names)
	if len(names) < n {
		return nil, fmt.Errorf("picking availability zones in %s: %d needed, only %d available (%v)", region, n, len(names), names)
	}
	return names[:n], nil
}
