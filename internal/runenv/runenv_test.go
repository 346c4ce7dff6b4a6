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
