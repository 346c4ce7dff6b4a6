// Package stacks holds the rules of stacks and their namespaces, and runs
// their lifecycle: the workers that take a stack's lease, build its graph
// from the StackProvider of its kind, run it with the step engine (package
// provision) keeping every step's state in the store, turn a failure into
// the step, the error and its fix, and serve plans, progress and ETAs. A
// cloud adapter only supplies steps; everything around them lives here.
package stacks
