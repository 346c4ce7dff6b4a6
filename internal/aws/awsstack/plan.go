package awsstack

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/orchestera/orchestera/internal/domain"
)

// Plan is what only the AWS side knows of a stack's plan: the fixed cost,
// and what the stack is better with that the verified policies do not
// allow (what destroy needs beyond the guide is not optional: verification's
// can_destroy check asks for it). It creates nothing.
func (p *Provider) Plan(ctx context.Context, st domain.Stack) (domain.ProviderPlan, error) {
	var plan domain.ProviderPlan
	cfg, err := p.roleConfig(ctx, st, "plan")
	var se *domain.StepError
	if errors.As(err, &se) {
		return plan, domain.Errorf(domain.CodeConflict, "%s", se.Hint())
	}
	if err != nil {
		return plan, err
	}
	if err := validateOptions(ctx, p.clients(cfg), st); err != nil {
		return plan, err
	}
	for _, a := range OptionalAdditions {
		plan.OptionalAdditions = append(plan.OptionalAdditions, fmt.Sprintf("%s (needs %v): %s. %s", a.Name, a.Actions, a.What, a.Why))
	}
	slices.Sort(plan.OptionalAdditions)
	plan.Cost = p.estimate(ctx, st, cfg)
	return plan, nil
}

// estimate prices the fixed part: the EKS control plane, one NAT gateway per
// AZ and the system nodes. Instance prices come from the Pricing API as the
// customer's role; what it cannot answer uses a labelled list price, and a
// type with neither is left unpriced, never priced at $0.
func (p *Provider) estimate(ctx context.Context, st domain.Stack, cfg aws.Config) domain.CostEstimate {
	o := st.Options.WithDefaults()
	fallback := "fallback list price (us-east-1, 2026)"
	node, source := fallbackHourly[o.SystemNodeType], fallback
	price, err := instanceHourly(ctx, p.pricing(cfg), o.SystemNodeType, st.Region)
	if err == nil {
		node, source = price, "AWS Pricing API"
	} else {
		source = fallback + "; Pricing API: " + err.Error()
	}
	var unpriced []string
	if node == 0 {
		source = "no price: the Pricing API could not be asked (" + err.Error() + ") and no list price is known for " + o.SystemNodeType
		unpriced = append(unpriced, "system node "+o.SystemNodeType)
	}
	items := []domain.CostItem{
		{Name: "EKS control plane", Quantity: 1, HourlyUSD: fallbackHourly["eks-control-plane"], Source: "EKS list price"},
		{Name: "NAT gateway", Quantity: 2, HourlyUSD: 2 * fallbackHourly["nat-gateway"], Source: "VPC list price, before data processing"},
		{Name: "system node " + o.SystemNodeType, Quantity: o.SystemNodeCount, HourlyUSD: float64(o.SystemNodeCount) * node, Source: source},
	}
	var est domain.CostEstimate
	for _, it := range items {
		est.HourlyUSD += it.HourlyUSD
	}
	est.Items, est.MonthlyUSD, est.Unpriced = items, est.HourlyUSD*730, unpriced
	return est
}
