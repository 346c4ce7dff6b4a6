package kuberun

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/orchestera/orchestera/internal/domain"
	"github.com/orchestera/orchestera/internal/runenv"
)

// verdict is what a driver pod's status says of its run.
type verdict struct {
	running bool // the driver's container runs
	ended   bool // the run is over (or will not get anywhere)
	stop    bool // delete the driver: it waits for what will not come
	state   domain.RunState
	reason  domain.FailureReason
	code    *int
	hint    string
}

// The waiting reasons that mean a pod will not start by itself.
var (
	imagePullReasons = map[string]bool{"ErrImagePull": true, "ImagePullBackOff": true, "InvalidImageName": true, "ErrImageNeverPull": true}
	configReasons    = map[string]bool{"CreateContainerConfigError": true, "CreateContainerError": true}
)

// judge reads a driver pod's status. unschedulableAfter bounds how long it
// may wait for a node: Karpenter brings one up in a minute or two.
func judge(pod *corev1.Pod, now time.Time, unschedulableAfter time.Duration) verdict {
	for _, cs := range pod.Status.ContainerStatuses {
		if w := cs.State.Waiting; w != nil {
			switch {
			case imagePullReasons[w.Reason]:
				return failed(domain.ReasonImagePull, true, nil, fmt.Sprintf("the image %s cannot be pulled (%s: %s): check its name and tag, and that the cluster's nodes may pull it", cs.Image, w.Reason, oneLine(w.Message)))
			case configReasons[w.Reason]:
				return failed(domain.ReasonConfigError, true, nil, fmt.Sprintf("the driver cannot be set up (%s): %s; a secret pulled with --pull-secrets-from must exist in the namespace (orchestera secrets list)", w.Reason, oneLine(w.Message)))
			}
		}
	}
	if disrupted(pod) {
		return failed(domain.ReasonSpotInterrupted, false, nil, "the driver's node went away (a spot interruption, a node failure or a drain): run it again, or use on-demand capacity for long runs")
	}
	switch pod.Status.Phase {
	case corev1.PodPending:
		for _, c := range pod.Status.Conditions {
			if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse && c.Reason == corev1.PodReasonUnschedulable &&
				now.Sub(pod.CreationTimestamp.Time) > unschedulableAfter {
				return failed(domain.ReasonUnschedulable, true, nil, fmt.Sprintf("no node took the driver in %s: %s; check the stack's CPU limit and its Spark nodes' capacity, or lower --cpu-request/--memory-request", unschedulableAfter, oneLine(c.Message)))
			}
		}
		return verdict{}
	case corev1.PodRunning:
		return verdict{running: true}
	case corev1.PodSucceeded:
		return verdict{ended: true, state: domain.RunSucceeded, code: new(int)}
	case corev1.PodFailed:
		return terminated(pod)
	}
	return verdict{}
}

// terminated reads how a failed driver ended: out of memory, what the
// runtime wrote to the termination message, or its exit code.
func terminated(pod *corev1.Pod) verdict {
	t := driverState(pod)
	if t == nil {
		return failed(domain.ReasonPlatformError, false, nil, "the driver pod failed without running ("+oneLine(pod.Status.Reason+" "+pod.Status.Message)+")")
	}
	code := int(t.ExitCode)
	if t.Reason == "OOMKilled" || code == 137 {
		return failed(domain.ReasonOOM, false, &code, "the driver ran out of memory (exit 137): raise --memory-limit, or collect less to the driver")
	}
	var res runenv.Result
	if json.Unmarshal([]byte(t.Message), &res) == nil && res.Outcome != "" {
		switch res.Outcome {
		case runenv.OutcomeInvalidArguments:
			return failed(domain.ReasonInvalidArguments, false, &code, res.Message)
		case runenv.OutcomeUserError:
			return failed(domain.ReasonUserError, false, &code, res.Message)
		}
	}
	if code > 128 {
		return failed(domain.ReasonPlatformError, false, &code, fmt.Sprintf("the driver was killed by signal %d; see its log", code-128))
	}
	return failed(domain.ReasonUserError, false, &code, fmt.Sprintf("the pipeline exited with code %d: %s", code, lastLine(t.Message)))
}

// executorsVerdict refines a failed run from its executors: one killed for
// memory, or lost with its node, is why the driver failed.
func executorsVerdict(pods []corev1.Pod) (domain.FailureReason, string, bool) {
	for _, p := range pods {
		if disrupted(&p) {
			return domain.ReasonSpotInterrupted, "executor " + p.Name + "'s node went away (a spot interruption, a node failure or a drain): run it again, or use on-demand capacity", true
		}
		for _, cs := range p.Status.ContainerStatuses {
			if t := cs.State.Terminated; t != nil && (t.Reason == "OOMKilled" || t.ExitCode == 137) {
				return domain.ReasonOOM, "executor " + p.Name + " ran out of memory (exit 137): raise --executor-memory, or use more, smaller partitions", true
			}
		}
	}
	return "", "", false
}

// disrupted reports whether Kubernetes took the pod away: a node failure,
// a graceful node shutdown (a spot interruption), an eviction by a drain.
func disrupted(pod *corev1.Pod) bool {
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.DisruptionTarget && c.Status == corev1.ConditionTrue {
			return true
		}
	}
	return pod.Status.Reason == "NodeLost" || pod.Status.Reason == "Shutdown" || pod.Status.Reason == "Terminated"
}

func driverState(pod *corev1.Pod) *corev1.ContainerStateTerminated {
	for _, cs := range pod.Status.ContainerStatuses {
		if cs.State.Terminated != nil {
			return cs.State.Terminated
		}
	}
	return nil
}

func failed(reason domain.FailureReason, stop bool, code *int, hint string) verdict {
	return verdict{ended: true, stop: stop, state: domain.RunFailed, reason: reason, code: code, hint: hint}
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// lastLine is the last line of what a failed container left (its log's
// tail, when it wrote no termination message).
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return oneLine(lines[len(lines)-1])
}
