package kuberun

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/orchestera/orchestera/internal/domain"
)

// finish records how a run ended, once: its logs are kept first (the
// driver's, then each executor's), a driver that will never start is
// deleted, and a failure is refined by what happened to the executors.
// It works in the background: the watch goes on meanwhile.
func (e *Executor) finish(ctx context.Context, st domain.Stack, r domain.Run, pod *corev1.Pod, v verdict) {
	lr, ok := e.finishOnce(r)
	if !ok {
		return
	}
	go func() {
		ctx := context.WithoutCancel(ctx)
		cs, err := e.client(ctx, st)
		if err == nil {
			executors := e.keepLogs(ctx, cs, r, lr.log)
			if v.state == domain.RunFailed && (v.reason == domain.ReasonUserError || v.reason == domain.ReasonPlatformError) {
				if reason, hint, ok := executorsVerdict(executors); ok {
					v.reason, v.hint = reason, hint
				}
			}
			if v.stop {
				e.deleteDriver(ctx, cs, pod)
			}
		}
		e.record(ctx, r, v, domain.RunStarting, domain.RunRunning)
		e.forget(r)
	}()
}

// stop ends a live run from this side (a timeout, a cancel): its logs are
// kept, then its driver is deleted (its executors go with it).
func (e *Executor) stop(ctx context.Context, st domain.Stack, r domain.Run, pod *corev1.Pod, v verdict) {
	v.stop = true
	e.finish(ctx, st, r, pod, v)
}

// Cancel stops a live run: the driver is deleted once its logs are kept,
// and the run is recorded cancelled. It returns once it is recorded.
func (e *Executor) Cancel(ctx context.Context, r domain.Run) error {
	st, err := e.cfg.Store.GetStack(ctx, r.OrgID, r.StackName)
	if err != nil {
		return err
	}
	cs, err := e.client(ctx, st)
	if err != nil {
		return err
	}
	pod, err := cs.CoreV1().Pods(r.Namespace).Get(ctx, objectName(r), metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		pod, err = &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: objectName(r), Namespace: r.Namespace}}, nil
	}
	if err != nil {
		return err
	}
	lr, ok := e.finishOnce(r)
	if !ok {
		return nil // already ending
	}
	e.keepLogs(ctx, cs, r, lr.log)
	e.deleteDriver(ctx, cs, pod)
	e.record(ctx, r, verdict{ended: true, state: domain.RunCancelled, reason: domain.ReasonCancelled, hint: "cancelled on request"},
		domain.RunStarting, domain.RunRunning)
	e.forget(r)
	return nil
}

// deleteDriver deletes a driver pod; its executors, service and ConfigMap
// are owned by it and go with it.
func (e *Executor) deleteDriver(ctx context.Context, cs kubernetes.Interface, pod *corev1.Pod) {
	grace := int64(5)
	background := metav1.DeletePropagationBackground
	err := cs.CoreV1().Pods(pod.Namespace).Delete(ctx, pod.Name, metav1.DeleteOptions{GracePeriodSeconds: &grace, PropagationPolicy: &background})
	if err != nil && !apierrors.IsNotFound(err) {
		e.cfg.Log.WarnContext(ctx, "deleting a driver pod", "pod", pod.Name, "namespace", pod.Namespace, "err", err)
	}
}

// record writes a run's outcome if it is still in one of the from states.
func (e *Executor) record(ctx context.Context, r domain.Run, v verdict, from ...domain.RunState) {
	now := e.now()
	r.State, r.Reason, r.Hint, r.EndedAt = v.state, v.reason, v.hint, &now
	if v.state == domain.RunSucceeded {
		r.Reason, r.Hint = "", ""
	}
	if v.code != nil {
		r.ExitCode = v.code
	}
	if err := e.cfg.Store.UpdateRun(ctx, r, from...); err != nil {
		if domain.ErrorCode(err) != domain.CodeConflict {
			e.cfg.Log.ErrorContext(ctx, "recording a run's outcome", "run_id", r.ID, "err", err)
		}
		return
	}
	e.cfg.Log.InfoContext(ctx, "run finished", "run_id", r.ID, "org_id", r.OrgID, "state", r.State, "reason", r.Reason)
}
