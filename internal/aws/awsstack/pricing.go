package awsstack

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/pricing"
	pricingtypes "github.com/aws/aws-sdk-go-v2/service/pricing/types"

	"github.com/orchestera/orchestera/internal/aws/awssdk"
)

// Fallback on-demand list prices (USD per hour, us-east-1, Linux), used and
// labelled as such when the Pricing API cannot be asked.
var fallbackHourly = map[string]float64{
	"eks-control-plane": 0.10,
	"nat-gateway":       0.045,
	"m6i.large":         0.096, "m6i.xlarge": 0.192, "m7i.large": 0.1008, "m5.large": 0.096,
	"t3.medium": 0.0416, "t3.large": 0.0832, "c6i.large": 0.085, "r6i.large": 0.126,
}

// regionNames are the location names the Pricing API filters on.
var regionNames = map[string]string{
	"us-east-1": "US East (N. Virginia)", "us-east-2": "US East (Ohio)", "us-west-2": "US West (Oregon)",
	"eu-west-1": "EU (Ireland)", "eu-central-1": "EU (Frankfurt)",
}

// instanceHourly asks the Pricing API for an instance type's on-demand
// Linux price in a region.
func instanceHourly(ctx context.Context, api awssdk.Pricing, instanceType, region string) (float64, error) {
	loc, ok := regionNames[region]
	if !ok {
		return 0, fmt.Errorf("no Pricing API location name known for %s", region)
	}
	filter := func(field, value string) pricingtypes.Filter {
		return pricingtypes.Filter{Type: pricingtypes.FilterTypeTermMatch, Field: aws.String(field), Value: aws.String(value)}
	}
	out, err := api.GetProducts(ctx, &pricing.GetProductsInput{ServiceCode: aws.String("AmazonEC2"), MaxResults: aws.Int32(1), Filters: []pricingtypes.Filter{
		filter("instanceType", instanceType), filter("location", loc), filter("operatingSystem", "Linux"),
		filter("tenancy", "Shared"), filter("preInstalledSw", "NA"), filter("capacitystatus", "Used"),
	}})
	if err != nil {
		return 0, err
	}
	if len(out.PriceList) == 0 {
		return 0, fmt.Errorf("the Pricing API has no price for %s in %s", instanceType, region)
	}
	return onDemandUSD(out.PriceList[0])
}

// onDemandUSD reads the hourly USD price out of one Pricing API product:
// terms.OnDemand.<offer>.priceDimensions.<dimension>.pricePerUnit.USD.
func onDemandUSD(product string) (float64, error) {
	var p struct {
		Terms struct {
			OnDemand map[string]struct {
				PriceDimensions map[string]struct {
					PricePerUnit map[string]string `json:"pricePerUnit"`
				} `json:"priceDimensions"`
			} `json:"OnDemand"`
		} `json:"terms"`
	}
	if err := json.Unmarshal([]byte(product), &p); err != nil {
		return 0, fmt.Errorf("reading a Pricing API product: %w", err)
	}
	for _, offer := range p.Terms.OnDemand {
		for _, dim := range offer.PriceDimensions {
			if usd, ok := dim.PricePerUnit["USD"]; ok {
				return strconv.ParseFloat(usd, 64)
			}
		}
	}
	return 0, fmt.Errorf("the Pricing API product has no on-demand USD price")
}
