package provision

import (
	"errors"
	"fmt"
	"time"
)

// ErrNotReady is what a step returns when what it ensures exists but is not
// usable yet (an EKS cluster still CREATING). The engine requeues the step
// after RetryAfter; it is not a failure and uses none of the retry attempts.
type ErrNotReady struct {
	RetryAfter time.Duration
	Reason     string
}

func (e *ErrNotReady) Error() string { return "not ready: " + e.Reason }

// NotReady asks the engine to call the step again after the given time.
func NotReady(after time.Duration, msg string) error {
	return &ErrNotReady{RetryAfter: after, Reason: msg}
}

// IsNotReady reports whether err (or one it wraps) is an ErrNotReady, and
// when to try again.
func IsNotReady(err error) (time.Duration, bool) {
	var nr *ErrNotReady
	if errors.As(err, &nr) {
		return nr.RetryAfter, true
	}
	return 0, false
}

type transientError struct{ err error }

func (e transientError) Error() string { return e.err.Error() }
func (e transientError) Unwrap() error { return e.err }

// Transient marks err as worth retrying (throttling, a 5xx, a dropped
// connection). Transient(nil) is nil.
func Transient(err error) error {
	if err == nil {
		return nil
	}
	return transientError{err}
}

// IsTransient reports whether err, or one it wraps, was marked Transient.
func IsTransient(err error) bool {
	var t transientError
	return errors.As(err, &t)
}

// Classifier reports whether an error a step returned is transient. The AWS
// adapter supplies one that knows AWS error codes, so steps can return SDK
// errors as they are.
type Classifier func(error) (transient bool)

// StepError is how Provision and Destroy report the step that failed.
type StepError struct {
	Step string
	Err  error
}

func (e *StepError) Error() string { return fmt.Sprintf("step %s: %v", e.Step, e.Err) }
func (e *StepError) Unwrap() error { return e.Err }
