package domain

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// A stack is built as a graph of idempotent steps: each "ensure" makes the
// world match its intent whatever it finds, each "destroy" removes what its
// step owns. The step engine (package provision) runs a Graph and keeps every
// step's StepState in the store; a StackProvider supplies the steps of one
// kind of stack. This file is the vocabulary both sides share.

// StepStatus is where a step is. A step with no stored state is pending.
type StepStatus string

// The step statuses. Provisioning moves a step through running (intent
// recorded, the cloud call may have happened) and waiting (requeued: not
// ready yet, or backing off after a transient error) to done or failed.
// Destroying moves it through destroying to destroyed or failed.
const (
	StepPending    StepStatus = "pending"
	StepRunning    StepStatus = "running"
	StepWaiting    StepStatus = "waiting"
	StepDone       StepStatus = "done"
	StepFailed     StepStatus = "failed"
	StepDestroying StepStatus = "destroying"
	StepDestroyed  StepStatus = "destroyed"
)

// StepState is the stored progress of one step of one stack.
type StepState struct {
	Step     string
	Status   StepStatus
	Outputs  map[string]string // what the step set with StepRun.SetOutput
	Attempts int               // calls in the current try; a crash resumes the count
	Error    string            // why it failed, or the transient error it is retrying
	// StartedAt is when the current try began; it survives requeues and
	// crashes so elapsed times (and ETAs) count the cloud's real work.
	StartedAt, EndedAt time.Time
}

// StepRun is what a step sees while it runs: the outputs of the steps before
// it (and its own, from an earlier try), and a way to publish its own.
type StepRun interface {
	Output(step, key string) (string, bool)
	SetOutput(key, value string)
}

// StepFunc does one step's work for a stack. It returns NotReady when what
// it ensures exists but is not usable yet.
type StepFunc func(ctx context.Context, r StepRun) error

// Step is one node of a Graph.
type Step struct {
	Name    string
	After   []string // the steps that must be done before this one starts
	Ensure  StepFunc
	Destroy StepFunc // nil when the step leaves nothing to remove

	// For plans and ETAs only; the engine does not read them.
	Actions   []string      // cloud permissions the step needs
	Resources []string      // what it creates, such as "AWS::EC2::VPC"
	Estimate  time.Duration // typical duration, until history knows better
}

// Graph is the steps of one stack, in any order: After alone decides what
// runs when. Where several steps are ready at once they start in Graph
// order.
type Graph []Step

// StepError names the step a provision or destroy failed at, with the fix
// the stack shows (empty until the stack's lifecycle adds one, from
// FixOf(Err) or from what kind of failure Err is).
type StepError struct {
	Step string
	Err  error
	Fix  string
}

func (e *StepError) Error() string { return "step " + e.Step + ": " + e.Err.Error() }
func (e *StepError) Unwrap() error { return e.Err }

// Hint is the one line a failed stack shows: the error and its fix.
func (e *StepError) Hint() string {
	if e.Fix == "" {
		return e.Err.Error()
	}
	return e.Err.Error() + "; fix: " + e.Fix
}

// NotReadyError is what a step returns when what it ensures exists but is
// not usable yet (an EKS cluster still CREATING). The engine runs the step
// again after After; it is not a failure and uses none of the retries.
type NotReadyError struct {
	After  time.Duration
	Reason string
}

func (e *NotReadyError) Error() string { return "not ready: " + e.Reason }

// NotReady asks the engine to run the step again after the given time.
func NotReady(after time.Duration, format string, args ...any) error {
	return &NotReadyError{After: after, Reason: fmt.Sprintf(format, args...)}
}

// IsNotReady reports whether err (or one it wraps) asks for a requeue, and
// when to try again.
func IsNotReady(err error) (time.Duration, bool) {
	var nr *NotReadyError
	if errors.As(err, &nr) {
		return nr.After, true
	}
	return 0, false
}

// outputKey is where ReadOutput and WriteOutput keep a step's one JSON value.
const outputKey = "json"

// WriteOutput records v as the current step's output, for the steps after
// it.
func WriteOutput(r StepRun, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	r.SetOutput(outputKey, string(b))
	return nil
}

// ReadOutput reads the output a step recorded with WriteOutput.
func ReadOutput(r StepRun, step string, into any) error {
	raw, ok := r.Output(step, outputKey)
	if !ok {
		return errors.New("the outputs of step " + step + " are missing; provision again")
	}
	return json.Unmarshal([]byte(raw), into)
}

// WithFix attaches the fix a person should apply to err: a step that knows
// exactly what is wrong (a missing permission, a name taken) says so, and
// the stack shows it. WithFix(nil, ...) is nil.
func WithFix(err error, fix string) error {
	if err == nil {
		return nil
	}
	return &fixedError{err: err, fix: fix}
}

// FixOf is the fix attached to err (or an error it wraps), or "".
func FixOf(err error) string {
	var f *fixedError
	if errors.As(err, &f) {
		return f.fix
	}
	return ""
}

type fixedError struct {
	err error
	fix string
}

func (e *fixedError) Error() string { return e.err.Error() }
func (e *fixedError) Unwrap() error { return e.err }
