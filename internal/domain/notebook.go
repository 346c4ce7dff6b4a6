package domain

import (
	"context"
	"regexp"
	"time"
)

// Notebook is a Jupyter server in a namespace of a Kubernetes stack, with
// the runs' runtime, account, secrets and connections, so its Spark
// sessions start executors as runs do.
type Notebook struct {
	Name, Namespace, Image string
	Phase                  string // the pod's: Pending, Running, ...
	Ready                  bool   // Jupyter answers
	CreatedAt              time.Time
}

// NotebookAccess is what connecting to a notebook needs: the pod and port
// to forward to, and the Jupyter token.
type NotebookAccess struct {
	Pod   string
	Port  int
	Token string
}

// NotebookHost runs notebooks on a stack kind's clusters.
type NotebookHost interface {
	StartNotebook(ctx context.Context, st Stack, namespace, name, image string, secrets []string) (Notebook, error)
	Notebooks(ctx context.Context, st Stack, namespace string) ([]Notebook, error)
	StopNotebook(ctx context.Context, st Stack, namespace, name string) error
	NotebookAccess(ctx context.Context, st Stack, namespace, name string) (NotebookAccess, error)
}

var notebookName = regexp.MustCompile(`^[a-z]([a-z0-9-]{0,38}[a-z0-9])?$`)

// ValidateNotebookName: a DNS label of at most 40 characters, starting
// with a letter (it names a pod and a Secret).
func ValidateNotebookName(name string) error {
	if !notebookName.MatchString(name) {
		return Invalid("name", "notebook_name", "must be 1-40 lowercase letters, digits or '-', starting with a letter and ending with a letter or digit")
	}
	return nil
}
