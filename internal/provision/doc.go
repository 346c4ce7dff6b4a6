// Package provision runs the long cloud work behind a stack as a graph of
// idempotent "ensure" steps.
//
// The Engine starts every step whose dependencies are done, concurrently. It
// records a step's intent in a StateStore before calling it and the outcome
// after, so a crash or a failure resumes where it stopped: done steps are
// skipped, everything else runs again (which is why steps must be ensures,
// never blind creates). A step that answers NotReady is requeued without
// holding up other steps; transient errors are retried with backoff and
// jitter; any other error stops the run and names the step. Destroy walks
// the same graph in reverse and tolerates half-created state.
//
// The package knows nothing of AWS: steps close over their clients, and the
// AWS adapter plugs its error classification in through Engine.Classify.
package provision
