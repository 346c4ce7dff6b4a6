package api

import (
	"time"

	"github.com/orchestera/orchestera/internal/domain"
)

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
	// QueuedBehind is, for a pending run, how many runs of its stack it
	// waits for: the live ones and the pending ones submitted before it.
	QueuedBehind *int `json:"queued_behind,omitempty" doc:"For a pending run: the runs of its stack it waits for"`
}

// RunPage is one page of a run listing.
type RunPage struct {
	Items      []Run  `json:"items"`
	NextCursor string `json:"next_cursor,omitempty" doc:"Pass as cursor for the next page; absent on the last page"`
}

func toRun(r domain.Run) Run {
	r.Spec.ProjectArchive = nil // the digest says which
	return Run{
		ID: r.ID, Stack: r.StackName, Namespace: r.Namespace, State: r.State, Reason: r.Reason, ExitCode: r.ExitCode, Hint: r.Hint,
		Spec: r.Spec, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt, StartedAt: r.StartedAt, EndedAt: r.EndedAt,
	}
}
