package awsx

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/pricing"

	"github.com/orchestera/orchestera/internal/domain"
	"github.com/orchestera/orchestera/internal/provision"
)

// Plan lists what provisioning the stack will create, checks every step's
// IAM actions against the connection's latest verification, and estimates
// the fixed hourly cost. It creates nothing.
func (c *StackCloud) Plan(ctx context.Context, st domain.Stack) (domain.StackPlan, error) {
	var plan domain.StackPlan
	ver, err := c.Store.LatestVerification(ctx, st.OrgID, st.ConnectionID)
	var missing []string
	switch {
	case domain.IsNotFound(err):
		plan.Errors = append(plan.Errors, "the connection was never verified: run orchestera connections verify "+st.ConnectionID)
	case err != nil:
		return plan, err
	case !ver.Verified:
		plan.Errors = append(plan.Errors, "the connection's last verification failed: run orchestera connections verify "+st.ConnectionID)
	}
	for _, ch := range ver.Checks {
		missing = append(missing, ch.Missing...)
	}
	gaps := GuideGaps()
	o := st.Options.WithDefaults()
	spec := StackSpec{OrgID: st.OrgID, StackName: st.Name, Region: st.Region, KubernetesVersion: o.KubernetesVersion,
		SystemNodeType: o.SystemNodeType, SystemNodeCount: int32(o.SystemNodeCount), VPCCIDR: "10.0.0.0/16"}
	g := stackGraph(spec, stackClients{}, 0)
	history, err := c.Store.StepDurations(ctx)
	if err != nil {
		return plan, err
	}
	for _, s := range g {
		p := domain.PlannedStep{Name: s.Name, After: s.After, Resources: s.Resources, Actions: s.Actions, Estimate: s.Estimate}
		if d, ok := history[s.Name]; ok {
			p.Estimate = d
		}
		for _, a := range s.Actions {
			if coveredBy(a, missing) {
				p.Missing = append(p.Missing, a)
			}
		}
		if len(p.Missing) > 0 {
			plan.Errors = append(plan.Errors, fmt.Sprintf("step %s needs %v, which the role was not verified to have: add them to OrchesteraAccessPolicy and verify again", s.Name, p.Missing))
		}
		plan.Steps = append(plan.Steps, p)
	}
	for fn, acts := range gaps {
		plan.OptionalAdditions = append(plan.OptionalAdditions,
			fmt.Sprintf("%s uses %v, which OrchesteraAccessPolicy does not grant: add them for it to work", fn, acts))
	}
	for _, a := range OptionalAdditions {
		plan.OptionalAdditions = append(plan.OptionalAdditions, fmt.Sprintf("%s (needs %v): %s. %s", a.Name, a.Actions, a.What, a.Why))
	}
	slices.Sort(plan.OptionalAdditions)
	plan.Duration, _ = provision.CriticalPath(g, estimates(plan.Steps))
	plan.Cost = c.estimate(ctx, st, o)
	return plan, nil
}

func estimates(steps []domain.PlannedStep) map[string]time.Duration {
	m := map[string]time.Duration{}
	for _, s := range steps {
		m[s.Name] = s.Estimate
	}
	return m
}

// coveredBy reports whether a required action's verification said missing
// (entries may be whole services such as "eks:*").
func coveredBy(action string, missing []string) bool {
	for _, m := range missing {
		if m == action || (len(m) > 2 && m[len(m)-2:] == ":*" && len(action) > len(m)-1 && action[:len(m)-1] == m[:len(m)-1]) {
			return true
		}
	}
	return false
}

// estimate prices the fixed part: the EKS control plane, one NAT gateway per
// AZ and the system nodes. Instance prices come from the Pricing API as the
// customer's role; anything it cannot answer uses a labelled list price.
func (c *StackCloud) estimate(ctx context.Context, st domain.Stack, o domain.StackOptions) domain.CostEstimate {
	fallback := "fallback list price (us-east-1, 2026)"
	node, source := fallbackHourly[o.SystemNodeType], fallback
	if c.Pricing != nil {
		if api, err := c.Pricing(ctx, st); err == nil {
			if p, err := instanceHourly(ctx, api, o.SystemNodeType, st.Region); err == nil {
				node, source = p, "AWS Pricing API"
			} else {
				source = fallback + "; Pricing API: " + err.Error()
			}
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

// PricingClient is the Pricing API as the stack's connection role; the API
// lives in us-east-1 whatever the stack's region.
func (c *StackCloud) PricingClient(ctx context.Context, st domain.Stack) (PricingAPI, error) {
	cfg, err := c.roleConfig(ctx, st, "plan")
	if err != nil {
		return nil, err
	}
	cfg.Region = "us-east-1"
	return pricing.NewFromConfig(cfg), nil
}

// Progress is the state of each step of the stack and the time left along
// the critical path, from past durations and defaults.
func (c *StackCloud) Progress(ctx context.Context, st domain.Stack) ([]domain.StackStep, time.Duration, error) {
	states, err := stepStore{c.Store}.Load(ctx, st.ID)
	if err != nil {
		return nil, 0, err
	}
	history, err := c.Store.StepDurations(ctx)
	if err != nil {
		return nil, 0, err
	}
	g := StackModel()
	var steps []domain.StackStep
	for _, s := range g {
		ss := states[s.Name]
		status := string(ss.Status)
		if status == "" {
			status = string(provision.StatusPending)
		}
		steps = append(steps, domain.StackStep{Step: s.Name, Status: status, Attempts: ss.Attempts, Error: ss.Error, StartedAt: ss.StartedAt, EndedAt: ss.EndedAt})
	}
	return steps, provision.ETA(g, states, history, time.Now()), nil
}
