package localrun

import (
	"context"
	"fmt"
	"os"

	"github.com/orchestera/orchestera/internal/domain"
)

// Check refuses what would fail at launch anyway: a missing project
// directory or secret alias, or a secret whose keys a run may not get.
func (e *Executor) Check(_ context.Context, orgID, namespace string, spec domain.RunSpec) error {
	switch {
	case spec.Image != "":
		return domain.Invalid("image", "local_stack", "the local stack runs pipelines with the server's Python and Spark; --image is for Kubernetes stacks")
	case spec.Project == "" || spec.ProjectArchive != nil:
		return domain.Invalid("project", "required", "the local stack runs a project directory on the server's machine: give --project")
	}
	if fi, err := os.Stat(spec.Project); err != nil || !fi.IsDir() {
		return domain.Invalid("project", "directory_exists", fmt.Sprintf("%s is not a directory on the server's machine", spec.Project))
	}
	_, err := e.secretEnv(orgID, namespace, spec.PullSecretsFrom)
	return err
}
