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
	// KubernetesMaster is the API server Spark asks for executor pods, as a
	// Spark master URL; unset, the in-cluster k8s://https://kubernetes.default.svc.
	KubernetesMaster = "ORCH_KUBERNETES_MASTER"
	// ProjectArchive is a gzip'd tar of the run's --project directory; the
	// runtime extracts it, runs the classpath from it and ships it to the
	// executors. Unset, the code in the image runs.
	ProjectArchive = "ORCH_PROJECT_ARCHIVE"
	// DriverPodName and DriverHost are the driver pod's own name and IP, set
	// from the downward API (DriverFields): executors are owned by that pod
	// and connect to that address.
	DriverPodName = "ORCH_DRIVER_POD_NAME"
	DriverHost    = "ORCH_DRIVER_HOST"
)

// DriverFields are the variables a driver pod gets from the downward API,
// each with the field it reads.
var DriverFields = []struct{ Name, FieldPath string }{
	{DriverPodName, "metadata.name"},
	{DriverHost, "status.podIP"},
}

// Where the variables point in a driver pod on a Kubernetes stack; the
// connections file is ConnectionsMount/ConnectionsKey.
const (
	ExecutorPodTemplatePath = "/etc/orchestera/run/executor-pod-template.yaml"
	ProjectArchivePath      = "/etc/orchestera/project/project.tar.gz"
	// TerminationLog is the container's terminationMessagePath: Kubernetes
	// keeps its first 4096 bytes as the terminated state's message, which
	// the runtime keeps the result within.
	TerminationLog = "/dev/termination-log"
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
	KubernetesMaster    string
	ProjectArchive      string
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
	add(KubernetesMaster, v.KubernetesMaster)
	add(ProjectArchive, v.ProjectArchive)
	return out
}
