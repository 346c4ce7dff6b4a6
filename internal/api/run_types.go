package api

import (
	"time"

	"github.com/orchestera/orchestera/internal/domain"
)

// Stack is a stack as the API shows it.
type Stack struct {
	Name         string               `json:"name" example:"local"`
	Kind         domain.StackKind     `json:"kind" enum:"local,aws"`
	State        domain.StackState    `json:"state" enum:"draft,provisioning,ready,updating,destroying,destroyed,failed"`
	CreatedAt    time.Time            `json:"created_at"`
	ConnectionID string               `json:"connection_id,omitempty"`
	Region       string               `json:"region,omitempty"`
	Options      *domain.StackOptions `json:"options,omitempty"`
	FailedStep   string               `json:"failed_step,omitempty"`
	Hint         string               `json:"hint,omitempty" doc:"The error and its fix, when failed"`
}

// CreateStackRequest is the body of POST /v1/stacks.
type CreateStackRequest struct {
	Name         string              `json:"name" doc:"3-32 lowercase letters, digits and hyphens, starting with a letter" example:"etl"`
	ConnectionID string              `json:"connection_id" doc:"A verified AWS connection" example:"conn_ab12cd34ef56gh78"`
	Region       string              `json:"region,omitempty" doc:"Default: the connection's first region" example:"us-east-1"`
	Namespaces   []string            `json:"namespaces,omitempty" doc:"Default: default"`
	Options      domain.StackOptions `json:"options,omitempty"`
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

// Run is a run as the API shows it.
type Run struct {
	ID        string               `json:"id" example:"run_ab12cd34ef56gh78"`
	Stack     string               `json:"stack"`
	Namespace string               `json:"namespace"`
	State     domain.RunState      `json:"state" enum:"pending,starting,running,succeeded,failed,cancelled"`
	Reason    domain.FailureReason `json:"reason,omitempty" doc:"Why it failed or was cancelled"`
	ExitCode  *int                 `json:"exit_code,omitempty"`
	Hint      string               `json:"hint,omitempty" doc:"One line on what happened and what to do"`
	Spec      domain.RunSpec       `json:"spec"`
	CreatedBy string               `json:"created_by"`
	CreatedAt time.Time            `json:"created_at"`
	StartedAt *time.Time           `json:"started_at,omitempty"`
	EndedAt   *time.Time           `json:"ended_at,omitempty"`
}

// RunPage is one page of a run listing.
type RunPage struct {
	Items      []Run  `json:"items"`
	NextCursor string `json:"next_cursor,omitempty" doc:"Pass as cursor for the next page; absent on the last page"`
}

func toStack(s domain.Stack) Stack {
	out := Stack{Name: s.Name, Kind: s.Kind, State: s.State, CreatedAt: s.CreatedAt,
		ConnectionID: s.ConnectionID, Region: s.Region, FailedStep: s.FailedStep, Hint: s.Hint}
	if s.Kind == domain.StackAWS {
		out.Options = &s.Options
	}
	return out
}

func toNamespace(stack string) func(domain.Namespace) Namespace {
	return func(n domain.Namespace) Namespace {
		return Namespace{Name: n.Name, Stack: stack, CreatedAt: n.CreatedAt}
	}
}

func toRun(r domain.Run) Run {
	return Run{
		ID: r.ID, Stack: r.StackName, Namespace: r.Namespace, State: r.State, Reason: r.Reason, ExitCode: r.ExitCode, Hint: r.Hint,
		Spec: r.Spec, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt, StartedAt: r.StartedAt, EndedAt: r.EndedAt,
	}
}
