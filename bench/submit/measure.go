package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/tools/cache"

	"github.com/orchestera/orchestera/bench/internal/kubebench"
)

// seen records when each pod of a namespace first appears in a watch.
type seen struct {
	mu   sync.Mutex
	at   map[string]time.Time
	want int
	all  chan struct{}
	stop context.CancelFunc // the watch, once all were seen
}

func (b *bench) watchPods(ctx context.Context, ns string, n int, key func(*corev1.Pod) string) *seen {
	ctx, cancel := context.WithCancel(ctx)
	s := &seen{at: map[string]time.Time{}, want: n, all: make(chan struct{}), stop: cancel}
	f := informers.NewSharedInformerFactoryWithOptions(b.cs, 0, informers.WithNamespace(ns))
	inf := f.Core().V1().Pods().Informer()
	inf.AddEventHandler(cache.ResourceEventHandlerFuncs{AddFunc: func(obj any) {
		now := time.Now()
		pod := obj.(*corev1.Pod)
		s.mu.Lock()
		defer s.mu.Unlock()
		k := key(pod)
		if _, ok := s.at[k]; ok || k == "" {
			return
		}
		s.at[k] = now
		if len(s.at) == s.want {
			close(s.all)
			s.stop()
		}
	}})
	f.Start(ctx.Done())
	cache.WaitForCacheSync(ctx.Done(), inf.HasSynced)
	return s
}

func (s *seen) wait(ctx context.Context) error {
	select {
	case <-s.all:
		return nil
	case <-ctx.Done():
		s.mu.Lock()
		defer s.mu.Unlock()
		return fmt.Errorf("%d of %d pods seen: %w", len(s.at), s.want, ctx.Err())
	}
}

// parallel runs f for 0..n-1, c at a time; with a rate, item i starts no
// earlier than i/rate seconds in (an offered load both sides get alike).
// It returns when each item was answered, and the first error.
func parallel(n, c int, rate float64, f func(i int) (time.Time, error)) ([]time.Time, error) {
	out := make([]time.Time, n)
	errs := make([]error, n)
	sem := make(chan struct{}, c)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range n {
		if rate > 0 {
			time.Sleep(time.Until(start.Add(time.Duration(float64(i) / rate * float64(time.Second)))))
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			out[i], errs[i] = f(i)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

// ours submits n runs through the API, at the rate (0: all at once); a
// run's driver pod carries its id in the orchestera.io/run label.
func (b *bench) ours(ctx context.Context, n int, rate float64, round string) (result, error) {
	ns, err := b.namespace(ctx, round)
	if err != nil {
		return result{}, err
	}
	s := b.watchPods(ctx, ns, n, func(p *corev1.Pod) string { return p.Labels["orchestera.io/run"] })
	ids := make([]string, n)
	start := time.Now()
	accepted, err := parallel(n, b.o.c, rate, func(i int) (time.Time, error) {
		// A CPU request no node has: the drivers stay pending, so only
		// their creation is measured, on a cluster with a node too.
		body := map[string]any{"classpath": "bench.jobs.Noop", "application_name": "bench", "image": "localhost/orchestera-spark:test",
			"resources": map[string]string{"cpu_request": "900"}}
		resp, err := b.s.Post(ctx, "/v1/stacks/"+kubebench.Stack+"/namespaces/"+ns+"/runs", body, map[string]string{"Idempotency-Key": fmt.Sprint(round, i)})
		if err != nil {
			return time.Time{}, err
		}
		defer resp.Body.Close()
		at := time.Now()
		raw, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusCreated {
			return at, fmt.Errorf("submitting run %d: %d %s", i, resp.StatusCode, raw)
		}
		ids[i] = runID(raw)
		return at, nil
	})
	if err != nil {
		return result{}, err
	}
	if err := s.wait(ctx); err != nil {
		return result{}, err
	}
	return s.result(start, ids, accepted), nil
}

// raw creates n such pods with client-go, at the rate, named by round
// and index.
func (b *bench) raw(ctx context.Context, n int, rate float64, round string) (result, error) {
	list, err := b.cs.CoreV1().Pods(b.s.Namespace+"-burst").List(ctx, metav1.ListOptions{Limit: 1})
	if err != nil || len(list.Items) == 0 {
		return result{}, fmt.Errorf("no driver pod to copy: %v", err)
	}
	template := list.Items[0]
	s := b.watchPods(ctx, b.rawNS, n, func(p *corev1.Pod) string {
		if !strings.HasPrefix(p.Name, round) {
			return ""
		}
		return p.Name
	})
	names := make([]string, n)
	start := time.Now()
	called, err := parallel(n, b.o.c, rate, func(i int) (time.Time, error) {
		pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprint(round, i), Labels: template.Labels}, Spec: template.Spec}
		pod.Spec.NodeName, pod.Spec.ServiceAccountName, pod.Spec.DeprecatedServiceAccount, pod.Spec.Volumes = "", "", "", nil
		c := template.Spec.Containers[0]
		pod.Spec.Containers = []corev1.Container{{Name: "driver", Image: c.Image, Command: c.Command, Args: c.Args, Env: c.Env, Resources: c.Resources}}
		names[i] = pod.Name
		at := time.Now()
		_, err := b.cs.CoreV1().Pods(b.rawNS).Create(ctx, pod, metav1.CreateOptions{})
		return at, err
	})
	if err != nil {
		return result{}, err
	}
	if err := s.wait(ctx); err != nil {
		return result{}, err
	}
	return s.result(start, names, called), nil
}

func (s *seen) result(start time.Time, keys []string, from []time.Time) result {
	s.mu.Lock()
	defer s.mu.Unlock()
	var r result
	var last time.Time
	for i, k := range keys {
		r.latencies = append(r.latencies, max(s.at[k].Sub(from[i]), 0))
		if s.at[k].After(last) {
			last = s.at[k]
		}
	}
	r.elapsed = last.Sub(start)
	return r
}

func runID(body []byte) string {
	var r struct {
		ID string `json:"id"`
	}
	json.Unmarshal(body, &r)
	return r.ID
}

func median(l []time.Duration) time.Duration { return quantile(l, 0.5) }
func p99(l []time.Duration) time.Duration    { return quantile(l, 0.99) }

func quantile(l []time.Duration, q float64) time.Duration {
	s := slices.Clone(l)
	slices.Sort(s)
	return s[min(int(q*float64(len(s))), len(s)-1)]
}
