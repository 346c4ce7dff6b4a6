package api

import (
	"time"

	"github.com/orchestera/orchestera/internal/domain"
)

// Stack is a stack as the API shows it.
type Stack struct {
	Name         string               `json:"name" example:"local"`
	Kind         domain.StackKind     `json:"kind" enum:"local,aws-eks,kubernetes"`
	State        domain.StackState    `json:"state" enum:"draft,provisioning,ready,updating,destroying,destroyed,failed"`
	CreatedAt    time.Time            `json:"created_at"`
	ConnectionID string               `json:"connection_id,omitempty"`
	Region       string               `json:"region,omitempty"`
	Options      *domain.StackOptions `json:"options,omitempty"`
	FailedStep   string               `json:"failed_step,omitempty"`
	Hint         string               `json:"hint,omitempty" doc:"The error and its fix, when failed"`
	Endpoint     string               `json:"endpoint,omitempty" doc:"The Kubernetes API server of a cluster stack"`
	ClusterName  string               `json:"cluster_name,omitempty" doc:"An aws-eks stack's EKS cluster: its SSM parameters are under /orchestera/sparklith/<cluster_name>/"`
	Sync         *SyncStatus          `json:"sync,omitempty" doc:"The last sync of secrets, IAM roles and datasources (get-stack only)"`
}

// CreateStackRequest is the body of POST /v1/stacks.
type CreateStackRequest struct {
	Name         string              `json:"name" doc:"3-32 lowercase letters, digits and hyphens, starting with a letter" example:"etl"`
	ConnectionID string              `json:"connection_id" doc:"A verified AWS connection" example:"conn_ab12cd34ef56gh78"`
	Region       string              `json:"region,omitempty" doc:"Default: the connection's first region" example:"us-east-1"`
	Namespaces   []string            `json:"namespaces,omitempty" doc:"Default: spark"`
	Options      domain.StackOptions `json:"options,omitempty"`

	givenOptions keys
}

// StackEvent is one line of a stack's progress.
type StackEvent struct {
	At      time.Time `json:"at"`
	Step    string    `json:"step,omitempty"`
	Status  string    `json:"status"`
	Message string    `json:"message"`
}

// Namespace is a namespace of a stack.
type Namespace struct {
	Name      string    `json:"name" example:"default"`
	Stack     string    `json:"stack"`
	CreatedAt time.Time `json:"created_at"`
}

func toStack(s domain.Stack) Stack {
	out := Stack{Name: s.Name, Kind: s.Kind, State: s.State, CreatedAt: s.CreatedAt,
		ConnectionID: s.ConnectionID, Region: s.Region, FailedStep: s.FailedStep, Hint: s.Hint, Endpoint: s.Endpoint}
	if s.Kind == domain.StackAWS {
		out.Options, out.ClusterName = &s.Options, domain.EKSClusterName(s.Name)
	}
	return out
}

func toNamespace(stack string) func(domain.Namespace) Namespace {
	return func(n domain.Namespace) Namespace {
		return Namespace{Name: n.Name, Stack: stack, CreatedAt: n.CreatedAt}
	}
}

// StackPlan is what provisioning a stack will do.
type StackPlan struct {
	Stack             string        `json:"stack"`
	Steps             []PlannedStep `json:"steps"`
	Errors            []string      `json:"errors,omitempty" doc:"What would make provisioning fail, with the fix"`
	OptionalAdditions []string      `json:"optional_additions,omitempty" doc:"What needs more than OrchesteraAccessPolicy allows"`
	HourlyUSD         float64       `json:"hourly_usd"`
	MonthlyUSD        float64       `json:"monthly_usd"`
	CostItems         []CostItem    `json:"cost_items"`
	Unpriced          []string      `json:"unpriced,omitempty" doc:"Parts no price was found for; they are not in the totals"`
	DurationSeconds   float64       `json:"duration_seconds" doc:"Expected time to provision: the critical path"`
}

// PlannedStep is one step of a plan.
type PlannedStep struct {
	Name            string   `json:"name"`
	After           []string `json:"after,omitempty"`
	Resources       []string `json:"resources,omitempty"`
	Actions         []string `json:"actions"`
	Missing         []string `json:"missing,omitempty"`
	EstimateSeconds float64  `json:"estimate_seconds"`
}

// CostItem is one priced part of a stack.
type CostItem struct {
	Name      string  `json:"name"`
	Quantity  int     `json:"quantity"`
	HourlyUSD float64 `json:"hourly_usd"`
	Source    string  `json:"source"`
}

func toPlan(st domain.Stack, p domain.StackPlan) StackPlan {
	out := StackPlan{Stack: st.Name, Errors: p.Errors, OptionalAdditions: p.OptionalAdditions, HourlyUSD: p.Cost.HourlyUSD,
		MonthlyUSD: p.Cost.MonthlyUSD, Unpriced: p.Cost.Unpriced, DurationSeconds: p.Duration.Seconds()}
	for _, s := range p.Steps {
		out.Steps = append(out.Steps, PlannedStep{Name: s.Name, After: s.After, Resources: s.Resources, Actions: s.Actions, Missing: s.Missing, EstimateSeconds: s.Estimate.Seconds()})
	}
	for _, c := range p.Cost.Items {
		out.CostItems = append(out.CostItems, CostItem(c))
	}
	return out
}

// StackProgress is a stack's state, each step's and the time left.
type StackProgress struct {
	Stack      Stack          `json:"stack"`
	Steps      []StepProgress `json:"steps"`
	ETASeconds *float64       `json:"eta_seconds,omitempty" doc:"Time left along the critical path, from past runs; absent when not known (destroys, settled stacks)"`
}

// StepProgress is one step's state.
type StepProgress struct {
	Name      string     `json:"name"`
	Status    string     `json:"status"`
	Attempts  int        `json:"attempts,omitempty"`
	Error     string     `json:"error,omitempty"`
	StartedAt *time.Time `json:"started_at,omitempty"`
	EndedAt   *time.Time `json:"ended_at,omitempty"`
}

func toProgress(st domain.Stack, steps []domain.StepState, eta *time.Duration) StackProgress {
	out := StackProgress{Stack: toStack(st)}
	if eta != nil {
		secs := eta.Seconds()
		out.ETASeconds = &secs
	}
	for _, s := range steps {
		sp := StepProgress{Name: s.Step, Status: string(s.Status), Attempts: s.Attempts, Error: s.Error}
		if !s.StartedAt.IsZero() && s.StartedAt.Unix() > 0 {
			sp.StartedAt = &s.StartedAt
		}
		if !s.EndedAt.IsZero() && s.EndedAt.Unix() > 0 {
			sp.EndedAt = &s.EndedAt
		}
		out.Steps = append(out.Steps, sp)
	}
	return out
}
