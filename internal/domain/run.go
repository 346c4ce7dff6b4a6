package domain

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// RunState is where a run is in its life.
type RunState string

// The run states: pending -> starting -> running -> succeeded | failed |
// cancelled.
const (
	RunPending   RunState = "pending"
	RunStarting  RunState = "starting"
	RunRunning   RunState = "running"
	RunSucceeded RunState = "succeeded"
	RunFailed    RunState = "failed"
	RunCancelled RunState = "cancelled"
)

// Terminal reports whether the state is final.
func (s RunState) Terminal() bool {
	return s == RunSucceeded || s == RunFailed || s == RunCancelled
}

// Live reports whether a process may be running for the run.
func (s RunState) Live() bool { return s == RunStarting || s == RunRunning }

// FailureReason types a failure so users and scripts can act on it.
type FailureReason string

// The failure reasons. The last five come from Kubernetes stacks, where
// the cluster tells what went wrong with the driver or an executor.
const (
	ReasonUserError        FailureReason = "user_error"
	ReasonInvalidArguments FailureReason = "invalid_arguments"
	ReasonPlatformError    FailureReason = "platform_error"
	ReasonTimeout          FailureReason = "timeout"
	ReasonCancelled        FailureReason = "cancelled"
	ReasonImagePull        FailureReason = "image_pull"       // the image cannot be pulled
	ReasonConfigError      FailureReason = "config_error"     // the pod cannot be set up, e.g. a missing secret
	ReasonOOM              FailureReason = "oom"              // a container ran out of memory
	ReasonSpotInterrupted  FailureReason = "spot_interrupted" // the node went away
	ReasonUnschedulable    FailureReason = "unschedulable"    // no node could take the pod in time
)

// ExitInvalidArguments is the runtime's exit code for bad arguments
// (EX_USAGE): it happens before Spark starts. The reason of a run never
// comes from this number alone: the runtime reports what happened (see
// docs/runtime-contract.md), so a pipeline's own exit(64) is a user error.
const ExitInvalidArguments = 64

// The limits of a run spec. A timeout beyond a week is a mistake (and one
// beyond ~292 years overflows a duration); arguments travel on a command
// line, whose size the kernel caps.
const (
	MaxTimeoutSeconds = 7 * 24 * 3600
	MaxRunArgs        = 100
	MaxRunArgValue    = 8 << 10 // bytes
	// MaxProjectArchive is the packed project a Kubernetes run ships: it
	// travels in a ConfigMap, which Kubernetes caps at 1 MiB.
	MaxProjectArchive = 900 << 10
)

// RunSpec is what the user asked to run.
type RunSpec struct {
	Classpath       string `json:"classpath"`
	ApplicationName string `json:"application_name"`
	Project         string `json:"project,omitempty"`
	// Image runs the driver and executors on Kubernetes stacks.
	Image string `json:"image,omitempty"`
	// ProjectArchive is the project packed (tar.gz) for a Kubernetes run;
	// the stored spec keeps its digest only.
	ProjectArchive    []byte            `json:"project_archive,omitempty"`
	ProjectDigest     string            `json:"project_digest,omitempty"`
	Args              []RunArg          `json:"args,omitempty"`
	ExecutorInstances int               `json:"executor_instances,omitempty"`
	ExecutorCores     int               `json:"executor_cores,omitempty"`
	ExecutorMemory    string            `json:"executor_memory,omitempty"`
	Resources         map[string]string `json:"resources,omitempty"` // cpu_request, cpu_limit, memory_request, memory_limit
	PullSecretsFrom   []string          `json:"pull_secrets_from,omitempty"`
	TimeoutSeconds    int64             `json:"timeout_seconds,omitempty"`
}

// RunArg is one --key value argument of the entrypoint, in order.
type RunArg struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Run is one execution of a pipeline on a stack's namespace.
type Run struct {
	ID             string
	OrgID          string
	StackID        string
	StackName      string
	StackKind      StackKind
	Namespace      string
	IdempotencyKey string
	Spec           RunSpec
	State          RunState
	Reason         FailureReason // set when failed or cancelled
	ExitCode       *int
	Hint           string
	CreatedBy      string
	CreatedAt      time.Time
	StartedAt      *time.Time
	EndedAt        *time.Time
	PID            int   // the process group leader on a local stack
	PIDStart       int64 // its start time, so a reused pid is not mistaken for it
}

// RunFilter narrows a run listing; empty fields match everything.
type RunFilter struct {
	StackName string
	Namespace string
	State     RunState
	// Application is a run's application_name.
	Application string
	// After is the cursor: runs created before this one (newest first).
	AfterCreatedAt time.Time
	AfterID        string
	Limit          int
}

var (
	classpathPattern = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+$`)
	appNamePattern   = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)
	argKeyPattern    = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]{0,62}$`)
	memoryPattern    = regexp.MustCompile(`^[1-9][0-9]{0,5}[kmgKMG]$`)
	k8sMemoryPattern = regexp.MustCompile(`^[1-9][0-9]{0,6}(Ki|Mi|Gi|Ti|k|M|G|T)?$`)
	k8sCPUPattern    = regexp.MustCompile(`^([1-9][0-9]{0,3}m|[0-9]{1,3}(\.[0-9]{1,3})?)$`)
)

// Normalize fills defaults and validates a spec, naming the first bad field.
func (s *RunSpec) Normalize() error {
	if len(s.ProjectArchive) > 0 {
		sum := sha256.Sum256(s.ProjectArchive)
		s.ProjectDigest = hex.EncodeToString(sum[:])
	}
	if s.ExecutorInstances == 0 {
		s.ExecutorInstances = 1
	}
	if s.ExecutorCores == 0 {
		s.ExecutorCores = 1
	}
	if s.ExecutorMemory == "" {
		s.ExecutorMemory = "1g"
	}
	switch {
	case !classpathPattern.MatchString(s.Classpath):
		return Invalid("classpath", "python_classpath", "must be module.Class, e.g. example.spark.application.HelloWorld")
	case !appNamePattern.MatchString(s.ApplicationName):
		return Invalid("application_name", "dns1123_label", "must be 1-63 lowercase letters, digits or '-', starting and ending with a letter or digit")
	case s.Project != "" && s.ProjectArchive == nil && !strings.HasPrefix(s.Project, "/"):
		return Invalid("project", "absolute_path", "must be the absolute path of the pipeline's project directory")
	case len(s.ProjectArchive) > MaxProjectArchive:
		return Invalid("project_archive", "max_size", fmt.Sprintf("the packed project is %d KiB; at most %d KiB: leave data and dependencies out (put dependencies in the image)", len(s.ProjectArchive)>>10, MaxProjectArchive>>10))
	case len(s.Image) > 512 || strings.ContainsAny(s.Image, " \t\n"):
		return Invalid("image", "image_reference", "must be an image reference such as ghcr.io/acme/etl:1.4")
	case s.ExecutorInstances < 1 || s.ExecutorInstances > 1000:
		return Invalid("executor_instances", "range", "must be between 1 and 1000")
	case s.ExecutorCores < 1 || s.ExecutorCores > 64:
		return Invalid("executor_cores", "range", "must be between 1 and 64")
	case !memoryPattern.MatchString(s.ExecutorMemory):
		return Invalid("executor_memory", "spark_memory", "must be a size such as 512m or 2g")
	case s.TimeoutSeconds < 0 || s.TimeoutSeconds > MaxTimeoutSeconds:
		return Invalid("timeout_seconds", "range", fmt.Sprintf("must be between 0 (none) and %d seconds (7 days)", MaxTimeoutSeconds))
	case len(s.Args) > MaxRunArgs:
		return Invalid("args", "max_items", fmt.Sprintf("at most %d arguments; pass larger inputs as a file in the project", MaxRunArgs))
	}
	for _, a := range s.Args {
		if !argKeyPattern.MatchString(a.Key) {
			return Invalid("args", "argument_name", "each key must start with a letter and hold letters, digits, '-' or '_' ("+a.Key+")")
		}
		if len(a.Value) > MaxRunArgValue {
			return Invalid("args", "max_length", fmt.Sprintf("the value of %s is %d bytes; each value must be at most %d bytes (pass larger inputs as a file)", a.Key, len(a.Value), MaxRunArgValue))
		}
		if strings.IndexByte(a.Value, 0) >= 0 {
			return Invalid("args", "no_nul", "the value of "+a.Key+" holds a NUL byte, which a command line cannot carry")
		}
	}
	for k, v := range s.Resources {
		switch k {
		case "cpu_request", "cpu_limit":
			if !k8sCPUPattern.MatchString(v) {
				return Invalid(k, "kubernetes_cpu", "must be a CPU quantity such as 500m or 2")
			}
		case "memory_request", "memory_limit":
			if !k8sMemoryPattern.MatchString(v) {
				return Invalid(k, "kubernetes_memory", "must be a memory quantity such as 512Mi or 4Gi")
			}
		default:
			return Invalid("resources", "enum", "keys are cpu_request, cpu_limit, memory_request and memory_limit")
		}
	}
	for _, alias := range s.PullSecretsFrom {
		if !dnsLabel.MatchString(alias) {
			return Invalid("pull_secrets_from", "dns1123_label", "each secret alias must be a DNS label ("+alias+")")
		}
	}
	return nil
}
