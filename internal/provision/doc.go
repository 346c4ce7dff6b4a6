// Package provision is the step engine: it runs a domain.Graph of
// idempotent "ensure" steps for one stack.
//
// The Engine starts every step whose dependencies are done, concurrently. It
// records a step's intent in the store (domain.StepStore) before calling it
// and the outcome after, so a crash or a failure resumes where it stopped:
// done steps are skipped, everything else runs again (which is why steps
// must be ensures, never blind creates). A step that answers
// domain.NotReady is requeued through the engine's clock without holding up
// other steps; errors the caller's Classify calls transient are retried with
// backoff and jitter; any other error stops the run and names the step.
// Destroy walks the same graph in reverse and tolerates half-created state.
//
// The package knows no cloud: steps close over their clients, and the
// provider's classification plugs in through Engine.Classify.
package provision
