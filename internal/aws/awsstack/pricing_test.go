package awsstack

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/pricing"

	"github.com/orchestera/orchestera/internal/aws/awssdk"
	"github.com/orchestera/orchestera/internal/domain"
)

// fakePricing answers GetProducts with one product in the Pricing API's
// JSON shape: moto has no Pricing API (notes, gap 14).
type fakePricing struct {
	product string
	err     error
	filters map[string]string
}

func (f *fakePricing) GetProducts(_ context.Context, in *pricing.GetProductsInput, _ ...func(*pricing.Options)) (*pricing.GetProductsOutput, error) {
	f.filters = map[string]string{}
	for _, fl := range in.Filters {
		f.filters[*fl.Field] = *fl.Value
	}
	if f.err != nil {
		return nil, f.err
	}
	return &pricing.GetProductsOutput{PriceList: []string{f.product}}, nil
}

const m6iLarge = `{"product":{"sku":"X"},"terms":{"OnDemand":{"X.JRTCKXETXF":{"priceDimensions":{"X.JRTCKXETXF.6YS6EN2CT7":{"unit":"Hrs","pricePerUnit":{"USD":"0.0960000000"}}}}}}}`

func TestCostEstimate(t *testing.T) {
	st := domain.Stack{OrgID: "org_1", ConnectionID: "conn_1", Region: "us-east-1"}
	f := &fakePricing{product: m6iLarge}
	p := New(Config{Connections: fakeConnections{}, Pricing: func(aws.Config) awssdk.Pricing { return f }})
	est := p.estimate(context.Background(), st, aws.Config{})
	node := est.Items[2]
	if node.Source != "AWS Pricing API" || node.HourlyUSD != 0.192 || f.filters["instanceType"] != "m6i.large" || f.filters["location"] != "US East (N. Virginia)" {
		t.Fatalf("priced node %+v with filters %v", node, f.filters)
	}
	if want := 0.1 + 0.09 + 0.192; est.HourlyUSD < want-1e-9 || est.HourlyUSD > want+1e-9 || est.MonthlyUSD != est.HourlyUSD*730 {
		t.Fatalf("estimate %+v", est)
	}

	f.err = errors.New("dial tcp: connection refused")
	fb := p.estimate(context.Background(), st, aws.Config{}).Items[2]
	if !strings.HasPrefix(fb.Source, "fallback list price") || !strings.Contains(fb.Source, "connection refused") || fb.HourlyUSD != 0.192 {
		t.Fatalf("fallback %+v", fb)
	}
	// A type with no list price and no answer from the Pricing API is
	// unpriced, never $0.
	st.Options.SystemNodeType = "m7g.4xlarge"
	if unknown := p.estimate(context.Background(), st, aws.Config{}); len(unknown.Unpriced) != 1 || !strings.HasPrefix(unknown.Items[2].Source, "no price") ||
		unknown.HourlyUSD != 0.1+0.09 {
		t.Fatalf("an unknown type was priced: %+v", unknown)
	}
	if _, err := onDemandUSD(`{"terms":{}}`); err == nil {
		t.Fatal("a product without a price was read")
	}
}

// fakeConnections is a connection and external ID as the store keeps them.
type fakeConnections struct{}

func (fakeConnections) GetConnection(_ context.Context, orgID, id string) (domain.AWSConnection, error) {
	return domain.AWSConnection{ID: id, OrgID: orgID, RoleARN: "arn:aws:iam::111122223333:role/OrchesteraAccessRole"}, nil
}

func (fakeConnections) GetExternalID(context.Context, string) (string, error) { return "ext-1", nil }
