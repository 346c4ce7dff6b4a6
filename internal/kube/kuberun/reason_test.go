package kuberun

import (
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/orchestera/orchestera/internal/domain"
)

// The pod statuses below are what a kubelet and the control plane write in
// each case; OOM kills and spot interruptions cannot be produced on the
// test node, so these stand for them, built from the real types.
func TestJudge(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	waiting := func(reason, msg string) *corev1.Pod {
		return &corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodPending, ContainerStatuses: []corev1.ContainerStatus{{
			Name: "driver", Image: "ghcr.io/acme/etl:nope", State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason, Message: msg}}}}}}
	}
	ended := func(phase corev1.PodPhase, reason string, code int32, message string) *corev1.Pod {
		return &corev1.Pod{Status: corev1.PodStatus{Phase: phase, ContainerStatuses: []corev1.ContainerStatus{{
			Name: "driver", State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Reason: reason, ExitCode: code, Message: message}}}}}}
	}
	unschedulable := func(age time.Duration) *corev1.Pod {
		return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{CreationTimestamp: metav1.NewTime(now.Add(-age))}, Status: corev1.PodStatus{Phase: corev1.PodPending,
			Conditions: []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: corev1.PodReasonUnschedulable,
				Message: "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector."}}}}
	}
	// A graceful node shutdown (what a spot interruption notice triggers)
	// fails the pod with reason Terminated and a DisruptionTarget condition.
	spot := ended(corev1.PodFailed, "Error", 143, "")
	spot.Status.Reason = "Terminated"
	spot.Status.Conditions = []corev1.PodCondition{{Type: corev1.DisruptionTarget, Status: corev1.ConditionTrue, Reason: corev1.PodReasonTerminationByKubelet}}

	for _, c := range []struct {
		name   string
		pod    *corev1.Pod
		state  domain.RunState
		reason domain.FailureReason
		stop   bool
		code   int
		hint   string
	}{
		{"image pull", waiting("ErrImagePull", `rpc error: pull access denied`), domain.RunFailed, domain.ReasonImagePull, true, -1, "ghcr.io/acme/etl:nope cannot be pulled"},
		{"image pull back-off", waiting("ImagePullBackOff", "Back-off pulling image"), domain.RunFailed, domain.ReasonImagePull, true, -1, "ImagePullBackOff"},
		{"a missing secret", waiting("CreateContainerConfigError", `secret "db" not found`), domain.RunFailed, domain.ReasonConfigError, true, -1, `secret "db" not found`},
		{"still pulling", waiting("ContainerCreating", ""), "", "", false, -1, ""},
		{"unschedulable, within the deadline", unschedulable(time.Minute), "", "", false, -1, ""},
		{"unschedulable, past the deadline", unschedulable(11 * time.Minute), domain.RunFailed, domain.ReasonUnschedulable, true, -1, "didn't match Pod's node affinity"},
		{"succeeded", ended(corev1.PodSucceeded, "Completed", 0, `{"outcome":"succeeded","exit_code":0}`), domain.RunSucceeded, "", false, 0, ""},
		{"the pipeline raised", ended(corev1.PodFailed, "Error", 1, `{"outcome":"user_error","exit_code":1,"message":"ValueError: no rows for 2026-11-30"}`), domain.RunFailed, domain.ReasonUserError, false, 1, "ValueError"},
		{"bad arguments", ended(corev1.PodFailed, "Error", 64, `{"outcome":"invalid_arguments","exit_code":64,"message":"missing required argument --date"}`), domain.RunFailed, domain.ReasonInvalidArguments, false, 64, "--date"},
		{"exit without a result: the log's last line", ended(corev1.PodFailed, "Error", 3, "Traceback...\nSystemExit: 3"), domain.RunFailed, domain.ReasonUserError, false, 3, "SystemExit: 3"},
		{"the driver's OOM kill", ended(corev1.PodFailed, "OOMKilled", 137, ""), domain.RunFailed, domain.ReasonOOM, false, 137, "--memory-limit"},
		{"killed by a signal", ended(corev1.PodFailed, "Error", 139, ""), domain.RunFailed, domain.ReasonPlatformError, false, 139, "signal 11"},
		{"a spot interruption", spot, domain.RunFailed, domain.ReasonSpotInterrupted, false, -1, "node went away"},
		{"running", &corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodRunning}}, "", "", false, -1, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			v := judge(c.pod, now, 10*time.Minute)
			if v.state != c.state || v.reason != c.reason || v.stop != c.stop || !strings.Contains(v.hint, c.hint) {
				t.Errorf("got %+v", v)
			}
			if (c.code < 0) != (v.code == nil) || (v.code != nil && *v.code != c.code) {
				t.Errorf("exit code %v, want %d", v.code, c.code)
			}
		})
	}
}

// A driver that failed because an executor was OOM-killed or lost its
// node says so.
func TestExecutorsVerdict(t *testing.T) {
	ok := corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "exec-1"}, Status: corev1.PodStatus{Phase: corev1.PodSucceeded}}
	oom := corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "exec-2"}, Status: corev1.PodStatus{Phase: corev1.PodFailed, ContainerStatuses: []corev1.ContainerStatus{{
		State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Reason: "OOMKilled", ExitCode: 137}}}}}}
	lost := corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "exec-3"}, Status: corev1.PodStatus{Phase: corev1.PodFailed,
		Conditions: []corev1.PodCondition{{Type: corev1.DisruptionTarget, Status: corev1.ConditionTrue, Reason: "DeletionByTaintManager"}}}}
	if reason, hint, found := executorsVerdict([]corev1.Pod{ok, oom}); !found || reason != domain.ReasonOOM || !strings.Contains(hint, "exec-2") {
		t.Errorf("an OOM-killed executor: %s %q %v", reason, hint, found)
	}
	if reason, _, found := executorsVerdict([]corev1.Pod{ok, lost}); !found || reason != domain.ReasonSpotInterrupted {
		t.Errorf("an executor whose node was lost: %s %v", reason, found)
	}
	if _, _, found := executorsVerdict([]corev1.Pod{ok}); found {
		t.Error("healthy executors explain nothing")
	}
}
