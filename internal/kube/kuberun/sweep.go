package kuberun

import (
	"context"

	corev1 "k8s.io/api/core/v1"

	"github.com/orchestera/orchestera/internal/kube/kubestack"
)

// sweep deletes the drivers of runs that ended more than the time to live
// ago, once their logs are kept (a server that stopped before keeping them
// keeps them now). Until then the pods stay for kubectl.
func (e *Executor) sweep(ctx context.Context) {
	e.mu.Lock()
	watches := make(map[string]*stackWatch, len(e.watches))
	for id, w := range e.watches {
		if w != nil {
			watches[id] = w
		}
	}
	e.mu.Unlock()
	now := e.now()
	for _, w := range watches {
		for _, obj := range w.pods.GetStore().List() {
			pod, ok := obj.(*corev1.Pod)
			if !ok || pod.DeletionTimestamp != nil {
				continue
			}
			r, err := e.cfg.Store.GetRun(ctx, pod.Labels[kubestack.LabelOrg], pod.Labels[LabelRun])
			if err != nil || !r.State.Terminal() || r.EndedAt == nil || now.Sub(*r.EndedAt) < e.cfg.TTL {
				continue
			}
			st, err := e.cfg.Store.GetStack(ctx, r.OrgID, r.StackName)
			if err != nil {
				continue
			}
			cs, err := e.client(ctx, st)
			if err != nil {
				continue
			}
			if log := (&logFile{path: e.logPath(r), cap: e.cfg.LogCap}); !log.isComplete() {
				e.keepLogs(ctx, cs, r, log)
			}
			e.deleteDriver(ctx, cs, pod)
		}
	}
}
