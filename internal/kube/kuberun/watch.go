package kuberun

import (
	"context"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/tools/cache"

	"github.com/orchestera/orchestera/internal/domain"
	"github.com/orchestera/orchestera/internal/kube/kubestack"
)

// resyncEvery replays every driver to the handler, so deadlines (timeout,
// unschedulable) are checked without a change of the pod.
const resyncEvery = 10 * time.Second

// stackWatch follows one stack's driver pods in every namespace.
type stackWatch struct {
	pods cache.SharedIndexInformer
}

// watch starts following the stack's drivers, once.
func (e *Executor) watch(ctx context.Context, st domain.Stack) {
	e.mu.Lock()
	_, ok := e.watches[st.ID]
	if !ok {
		e.watches[st.ID] = nil // claimed; set below
	}
	e.mu.Unlock()
	if ok {
		return
	}
	cs, err := e.client(ctx, st)
	if err != nil {
		e.cfg.Log.WarnContext(ctx, "following a stack's drivers", "stack_id", st.ID, "err", err)
		e.mu.Lock()
		delete(e.watches, st.ID) // tried again at the next start
		e.mu.Unlock()
		return
	}
	selector := kubestack.Owner{OrgID: st.OrgID, Stack: st.Name}.Selector() + "," + LabelComponent + "=" + componentDriver
	f := informers.NewSharedInformerFactoryWithOptions(cs, resyncEvery,
		informers.WithTweakListOptions(func(o *metav1.ListOptions) { o.LabelSelector = selector }))
	pods := f.Core().V1().Pods().Informer()
	handle := func(obj any) {
		if pod, ok := obj.(*corev1.Pod); ok {
			e.reconcile(ctx, st, pod)
		}
	}
	pods.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    handle,
		UpdateFunc: func(_, obj any) { handle(obj) },
		DeleteFunc: func(obj any) {
			if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				obj = d.Obj
			}
			if pod, ok := obj.(*corev1.Pod); ok {
				e.gone(ctx, st, pod)
			}
		},
	})
	e.mu.Lock()
	e.watches[st.ID] = &stackWatch{pods: pods}
	e.mu.Unlock()
	f.Start(ctx.Done())
}

// reconcile brings a live run in line with its driver pod.
func (e *Executor) reconcile(ctx context.Context, st domain.Stack, pod *corev1.Pod) {
	r, err := e.cfg.Store.GetRun(ctx, st.OrgID, pod.Labels[LabelRun])
	if err != nil || !r.State.Live() {
		return
	}
	now := e.now()
	v := judge(pod, now, e.cfg.Unschedulable)
	switch {
	case v.ended:
		e.finish(ctx, st, r, pod, v)
	case v.running:
		if r.State == domain.RunStarting {
			r.State, r.StartedAt = domain.RunRunning, &now
			if err := e.cfg.Store.UpdateRun(ctx, r, domain.RunStarting); err != nil {
				return
			}
		}
		e.followLog(ctx, st, r, pod)
		if t := r.Spec.TimeoutSeconds; t > 0 && r.StartedAt != nil && now.Sub(*r.StartedAt) > time.Duration(t)*time.Second {
			e.stop(ctx, st, r, pod, verdict{ended: true, state: domain.RunFailed, reason: domain.ReasonTimeout,
				hint: "stopped after its timeout of " + (time.Duration(t) * time.Second).String() + "; raise --timeout or make the job faster"})
		}
	}
}

// gone is a driver pod deleted: by this server (its run is finished), by
// the time to live (likewise) or from outside while it ran.
func (e *Executor) gone(ctx context.Context, st domain.Stack, pod *corev1.Pod) {
	r, err := e.cfg.Store.GetRun(ctx, st.OrgID, pod.Labels[LabelRun])
	if err != nil || !r.State.Live() {
		return
	}
	e.finish(ctx, st, r, pod, verdict{ended: true, state: domain.RunFailed, reason: domain.ReasonPlatformError,
		hint: "the driver pod " + pod.Name + " was deleted from outside Orchestera while the run was live"})
}
