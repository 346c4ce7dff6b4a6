package kuberun

import (
	"strings"

	"github.com/orchestera/orchestera/internal/domain"
)

// The labels of a run's objects, beside the stack's ownership labels.
const (
	LabelRun         = "orchestera.io/run"
	LabelComponent   = "orchestera.io/component"
	LabelApplication = "orchestera.io/application"
	componentDriver  = "driver"
	componentExec    = "executor"
)

// objectName is the name of a run's driver pod, service and ConfigMap:
// the run id as a DNS label ("run_0abc" becomes "run-0abc").
func objectName(r domain.Run) string { return strings.ReplaceAll(r.ID, "_", "-") }

// The paths inside the driver and executors.
const (
	runDir          = "/etc/orchestera/run"
	templateKey     = "executor-pod-template.yaml"
	archiveKey      = "project.tar.gz"
	terminationPath = "/dev/termination-log"
)
