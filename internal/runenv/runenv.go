// Package runenv is the Go side of the runtime contract: the environment
// variables the platform sets for a pipeline run, which the Python runtime
// (python/orchestera/platform.py) reads. docs/runtime-contract.md describes
// each one; both sides change together.
package runenv

import (
	"strconv"
	"strings"
)

// The variables. Values never carry secrets: secret values arrive as their
// own variables (the keys of the pulled secrets), never inside these.
const (
	StackKind           = "ORCH_STACK_KIND" // "local" or "kubernetes"
	Namespace           = "ORCH_NAMESPACE"
	RunID               = "ORCH_RUN_ID"
	RunDir              = "ORCH_RUN_DIR" // the run's own writable directory
	Image               = "ORCH_IMAGE"   // kubernetes: the executors' image
	ExecutorPodTemplate = "ORCH_EXECUTOR_POD_TEMPLATE"
	Secrets             = "ORCH_SECRETS" // comma-separated aliases pulled into the environment
	ConnectionsFile     = "ORCH_CONNECTIONS_FILE"
	ExecutorInstances   = "ORCH_EXECUTOR_INSTANCES"
	ExecutorCores       = "ORCH_EXECUTOR_CORES"
	ExecutorMemory      = "ORCH_EXECUTOR_MEMORY"
	// ResultFile is where the runtime writes how the run ended (JSON:
	// outcome, exit_code, message), so the platform never infers the
	// reason from the exit code alone.
	ResultFile = "ORCH_RESULT_FILE"
)

// The outcomes the runtime writes to ResultFile.
const (
	OutcomeSucceeded        = "succeeded"
	OutcomeInvalidArguments = "invalid_arguments"
	OutcomeUserError        = "user_error"
)

// Result is what the runtime writes to ResultFile.
type Result struct {
	Outcome  string `json:"outcome"`
	ExitCode int    `json:"exit_code"`
	Message  string `json:"message"`
}

// Prefix starts every variable of the contract; a user's secret key may not.
const Prefix = "ORCH_"

// Vars are the contract's values for one run.
type Vars struct {
	StackKind           string
	Namespace           string
	RunID               string
	RunDir              string
	Image               string
	ExecutorPodTemplate string
	Secrets             []string
	ConnectionsFile     string
	ExecutorInstances   int
	ExecutorCores       int
	ExecutorMemory      string
	ResultFile          string
}

// Environ is the variables as KEY=value pairs, leaving out empty ones so
// the runtime's defaults apply.
func (v Vars) Environ() []string {
	var out []string
	add := func(k, val string) {
		if val != "" {
			out = append(out, k+"="+val)
		}
	}
	count := func(n int) string {
		if n == 0 {
			return ""
		}
		return strconv.Itoa(n)
	}
	add(StackKind, v.StackKind)
	add(Namespace, v.Namespace)
	add(RunID, v.RunID)
	add(RunDir, v.RunDir)
	add(Image, v.Image)
	add(ExecutorPodTemplate, v.ExecutorPodTemplate)
	add(Secrets, strings.Join(v.Secrets, ","))
	add(ConnectionsFile, v.ConnectionsFile)
	add(ExecutorInstances, count(v.ExecutorInstances))
	add(ExecutorCores, count(v.ExecutorCores))
	add(ExecutorMemory, v.ExecutorMemory)
	add(ResultFile, v.ResultFile)
	return out
}
