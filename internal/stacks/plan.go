package stacks

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/orchestera/orchestera/internal/domain"
)

// Plan lists what provisioning the stack will create and need, checks every
// step's permissions against its connection's latest verification, and
// estimates the cost and the time, without creating anything. It calls AWS
// as the customer's role (prices, what exists), so it is for admins.
func (s *Service) Plan(ctx context.Context, p domain.Principal, name string) (domain.Stack, domain.StackPlan, error) {
	st, err := s.Store.GetStack(ctx, p.OrgID, name)
	if err != nil {
		return st, domain.StackPlan{}, err
	}
	if err := domain.RequireAdmin(p); err != nil {
		return st, domain.StackPlan{}, err
	}
	prov, err := s.provider(st, "there is nothing to plan")
	if err != nil {
		return st, domain.StackPlan{}, err
	}
	var plan domain.StackPlan
	missing, err := s.unverified(ctx, st, &plan)
	if err != nil {
		return st, plan, err
	}
	history, err := s.Store.StepDurations(ctx)
	if err != nil {
		return st, plan, err
	}
	g := prov.Model(st)
	estimates := map[string]time.Duration{}
	for _, step := range g {
		ps := domain.PlannedStep{Name: step.Name, After: step.After, Resources: step.Resources, Actions: step.Actions, Estimate: step.Estimate}
		if d, ok := history[step.Name]; ok {
			ps.Estimate = d
		}
		for _, a := range step.Actions {
			if coveredBy(a, missing) {
				ps.Missing = append(ps.Missing, a)
			}
		}
		if len(ps.Missing) > 0 {
			plan.Errors = append(plan.Errors, fmt.Sprintf("step %s needs %v, which the role was not verified to have: add them to OrchesteraAccessPolicy and verify again", step.Name, ps.Missing))
		}
		estimates[step.Name] = ps.Estimate
		plan.Steps = append(plan.Steps, ps)
	}
	extras, err := prov.Plan(ctx, st)
	if err != nil {
		return st, plan, err
	}
	plan.OptionalAdditions, plan.Cost = extras.OptionalAdditions, extras.Cost
	plan.Duration, _ = domain.CriticalPath(g, estimates)
	return st, plan, nil
}

// unverified returns what the stack's connection was last found to lack,
// adding a plan error when it was never verified or failed.
func (s *Service) unverified(ctx context.Context, st domain.Stack, plan *domain.StackPlan) ([]string, error) {
	if st.ConnectionID == "" {
		return nil, nil
	}
	ver, err := s.Store.LatestVerification(ctx, st.OrgID, st.ConnectionID)
	switch {
	case domain.IsNotFound(err):
		plan.Errors = append(plan.Errors, "the connection was never verified: run orchestera connections verify "+st.ConnectionID)
	case err != nil:
		return nil, err
	case !ver.Verified:
		plan.Errors = append(plan.Errors, "the connection's last verification failed: run orchestera connections verify "+st.ConnectionID)
	}
	var missing []string
	for _, ch := range ver.Checks {
		missing = append(missing, ch.Missing...)
	}
	return missing, nil
}

// coveredBy reports whether a required action's verification said missing
// (entries may be whole services such as "eks:*").
func coveredBy(action string, missing []string) bool {
	for _, m := range missing {
		if service, ok := strings.CutSuffix(m, ":*"); m == action || ok && strings.HasPrefix(action, service+":") {
			return true
		}
	}
	return false
}

// Progress returns the stack with each step's state and, while it is being
// built, the time left along the critical path from past durations and the
// steps' estimates (nil when that is not known: destroys, settled stacks, a
// step without an estimate). While a stack is destroyed, a step not
// destroyed yet is pending, never done. A stack without a provider (the
// local stack) has no steps.
func (s *Service) Progress(ctx context.Context, p domain.Principal, name string) (domain.Stack, []domain.StepState, *time.Duration, error) {
	st, err := s.Store.GetStack(ctx, p.OrgID, name)
	prov, ok := s.Providers[st.Kind]
	if err != nil || !ok {
		return st, nil, nil, err
	}
	states, err := s.Store.LoadStackSteps(ctx, st.ID)
	if err != nil {
		return st, nil, nil, err
	}
	history, err := s.Store.StepDurations(ctx)
	if err != nil {
		return st, nil, nil, err
	}
	g := prov.Model(st)
	steps := make([]domain.StepState, 0, len(g))
	known := st.State == domain.StackProvisioning || st.State == domain.StackUpdating
	for _, step := range g {
		ss := states[step.Name]
		ss.Step, ss.Outputs = step.Name, nil
		if ss.Status == "" || (st.State == domain.StackDestroying && ss.Status == domain.StepDone) {
			ss.Status = domain.StepPending
		}
		if _, ok := history[step.Name]; !ok && step.Estimate == 0 && ss.Status != domain.StepDone {
			known = false
		}
		steps = append(steps, ss)
	}
	if !known {
		return st, steps, nil, nil
	}
	eta := domain.ETA(g, states, history, s.Store.Now())
	return st, steps, &eta, nil
}
