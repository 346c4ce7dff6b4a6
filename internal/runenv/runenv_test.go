package runenv

import (
	"slices"
	"testing"
)

func TestEnviron(t *testing.T) {
	got := Vars{StackKind: "local", Namespace: "default", RunID: "run_1", RunDir: "/w", Secrets: []string{"db", "s3"},
		ExecutorInstances: 2, ExecutorCores: 1, ExecutorMemory: "1g", ResultFile: "/r"}.Environ()
	want := []string{"ORCH_STACK_KIND=local", "ORCH_NAMESPACE=default", "ORCH_RUN_ID=run_1", "ORCH_RUN_DIR=/w",
		"ORCH_SECRETS=db,s3", "ORCH_EXECUTOR_INSTANCES=2", "ORCH_EXECUTOR_CORES=1", "ORCH_EXECUTOR_MEMORY=1g", "ORCH_RESULT_FILE=/r"}
	if !slices.Equal(got, want) {
		t.Errorf("Environ() =\n%q\nwant\n%q", got, want)
	}
}

// TestKubernetesEnviron is what a driver pod gets besides DriverFields.
func TestKubernetesEnviron(t *testing.T) {
	got := Vars{StackKind: "kubernetes", Namespace: "etl", RunID: "run_2", Image: "acme/etl:1",
		ExecutorPodTemplate: ExecutorPodTemplatePath, Secrets: []string{"db"}, ConnectionsFile: ConnectionsPath,
		ExecutorInstances: 2, ExecutorCores: 1, ExecutorMemory: "2g", ResultFile: TerminationLog,
		KubernetesMaster: "k8s://https://10.0.0.1:443", ProjectArchive: ProjectArchivePath}.Environ()
	want := []string{"ORCH_STACK_KIND=kubernetes", "ORCH_NAMESPACE=etl", "ORCH_RUN_ID=run_2", "ORCH_IMAGE=acme/etl:1",
		"ORCH_EXECUTOR_POD_TEMPLATE=/etc/orchestera/run/executor-pod-template.yaml", "ORCH_SECRETS=db",
		"ORCH_CONNECTIONS_FILE=/var/run/orchestera/connections/connections.json",
		"ORCH_EXECUTOR_INSTANCES=2", "ORCH_EXECUTOR_CORES=1", "ORCH_EXECUTOR_MEMORY=2g", "ORCH_RESULT_FILE=/dev/termination-log",
		"ORCH_KUBERNETES_MASTER=k8s://https://10.0.0.1:443", "ORCH_PROJECT_ARCHIVE=/etc/orchestera/project/project.tar.gz"}
	if !slices.Equal(got, want) {
		t.Errorf("Environ() =\n%q\nwant\n%q", got, want)
	}
}
