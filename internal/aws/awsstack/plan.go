package awsstack

import (
	"context"
	"fmt"
	"slices"

	"github.com/orchestera/orchestera/internal/domain"
)

// Plan is what only the AWS side knows of a stack's plan: the fixed cost,
// and what the stack is better with that OrchesteraAccessPolicy does not
// allow. It creates nothing.
func (p *Provider) Plan(ctx context.Context, st domain.Stack) (domain.ProviderPlan, error) {
	var plan domain.ProviderPlan
	for fn, acts := range GuideGaps() {
		plan.OptionalAdditions = append(plan.OptionalAdditions,
			fmt.Sprintf("%s uses %v, which OrchesteraAccessPolicy does not grant: add them for it to work", fn, acts))
	}
	for _, a := range OptionalAdditions {
		plan.OptionalAdditions = append(plan.OptionalAdditions, fmt.Sprintf("%s (needs %v): %s. %s", a.Name, a.Actions, a.What, a.Why))
	}
	slices.Sort(plan.OptionalAdditions)
	plan.Cost = p.estimate(ctx, st)
	return plan, nil
}

// estimate prices the fixed part: the EKS control plane, one NAT gateway per
// AZ and the system nodes. Instance prices come from the Pricing API as the
// customer's role; anything it cannot answer uses a labelled list price.
func (p *Provider) estimate(ctx context.Context, st domain.Stack) domain.CostEstimate {
	o := st.Options.WithDefaults()
	fallback := "fallback list price (us-east-1, 2026)"
	node, source := fallbackHourly[o.SystemNodeType], fallback
	if cfg, err := p.roleConfig(ctx, st, "plan"); err == nil {
		if price, err := instanceHourly(ctx, p.pricing(cfg), o.SystemNodeType, st.Region); err == nil {
			node, source = price, "AWS Pricing API"
		} else {
			source = fallback + "; Pricing API: " + err.Error()
		}
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
	est.Items, est.MonthlyUSD = items, est.HourlyUSD*730
	return est
}
