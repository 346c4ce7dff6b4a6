// Command noderun measures a pipeline run on the loopback test cluster's
// real node both ways: `orchestera run` on an attached stack (submission,
// scheduling, the driver and its 2 executor pods, the log streamed and
// kept) against the same driver pod created directly with client-go, what
// a spark-submit in client mode from a pod amounts to, timed from its
// creation to Succeeded. Both run examples/orchestera-lib-style, shipped
// the same way. It alternates the two and prints, last,
// noderun_ratio=<median ours / direct>.
//
//	go run ./bench/noderun -bin build/bin/orchestera -kubeconfig build/kube/kubeconfig
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/orchestera/orchestera/bench/internal/benchkit"
	"github.com/orchestera/orchestera/bench/internal/kubebench"
)

const image = "localhost/orchestera-spark:test"

func main() {
	bin := flag.String("bin", "build/bin/orchestera", "orchestera binary")
	kubeconfig := flag.String("kubeconfig", "build/kube/kubeconfig", "the test cluster with a node (scripts/test-kube.sh start --node)")
	rounds := flag.Int("rounds", 3, "runs each way, alternating")
	project := flag.String("project", "examples/orchestera-lib-style", "the pipeline's project")
	flag.Parse()
	benchkit.Main("noderun", func(ctx context.Context) error { return run(ctx, *bin, *kubeconfig, *project, *rounds) })
}

func run(ctx context.Context, bin, kubeconfig, project string, rounds int) error {
	s, err := kubebench.Start(ctx, bin, kubeconfig, []string{"--run-pod-ttl", "1h"}, []string{"ORCHESTERA_LOOPBACK_NODE=1"})
	if err != nil {
		return err
	}
	defer s.Close(false)
	secret := filepath.Join(s.Home, "pseudonyms.json")
	if err := os.WriteFile(secret, []byte(`{"PSEUDONYM_KEY": "bench-key"}`), 0o600); err != nil {
		return err
	}
	if out, err := s.CLI(ctx, "secrets", "put", "--stack", kubebench.Stack, "--namespace", s.Namespace, "--alias", "pseudonyms", "--from-file", secret); err != nil {
		return fmt.Errorf("%v: %s", err, out)
	}
	abs, err := filepath.Abs(project)
	if err != nil {
		return err
	}
	var ours, direct []time.Duration
	for i := range rounds {
		start := time.Now()
		out, err := s.CLI(ctx, "run", "--stack", kubebench.Stack, "--namespace", s.Namespace, "--image", image, "--project", abs,
			"--classpath", "lib_style.application.ReviewWords", "--application-name", "noderun", "--pull-secrets-from", "pseudonyms",
			"--idempotency-key", fmt.Sprint("noderun-", i))
		if err != nil {
			return fmt.Errorf("orchestera run: %v\n%s", err, out)
		}
		ours = append(ours, time.Since(start))
		d, err := directRun(ctx, s.CS, s.Namespace, i)
		if err != nil {
			return err
		}
		direct = append(direct, d)
		fmt.Printf("round %d: orchestera run %s, direct driver pod %s\n", i+1, ours[i].Round(time.Millisecond), d.Round(time.Millisecond))
	}
	o, d := median(ours), median(direct)
	fmt.Printf("median: orchestera run %s, direct %s (2 executor pods each)\n", o.Round(time.Millisecond), d.Round(time.Millisecond))
	fmt.Printf("noderun_ratio=%.2f\n", o.Seconds()/d.Seconds())
	return nil
}

// directRun copies the platform's last driver pod (its spec, and its
// ConfigMap with the pod template and the packed project) under new names
// and times it from creation to Succeeded.
func directRun(ctx context.Context, cs kubernetes.Interface, ns string, i int) (time.Duration, error) {
	pods, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "orchestera.io/component=driver"})
	if err != nil || len(pods.Items) == 0 {
		return 0, fmt.Errorf("no driver pod of the platform's to copy: %v", err)
	}
	src := pods.Items[0]
	cm, err := cs.CoreV1().ConfigMaps(ns).Get(ctx, src.Name, metav1.GetOptions{})
	if err != nil {
		return 0, err
	}
	name := fmt.Sprint("direct-", i)
	copyCM := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name}, Data: cm.Data, BinaryData: cm.BinaryData}
	if _, err := cs.CoreV1().ConfigMaps(ns).Create(ctx, copyCM, metav1.CreateOptions{}); err != nil {
		return 0, err
	}
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: src.Spec}
	pod.Spec.NodeName = ""
	for j, v := range pod.Spec.Volumes {
		if v.ConfigMap != nil {
			pod.Spec.Volumes[j].ConfigMap.Name = name
		}
	}
	start := time.Now()
	if _, err := cs.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		return 0, err
	}
	for {
		p, err := cs.CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return 0, err
		}
		switch p.Status.Phase {
		case corev1.PodSucceeded:
			return time.Since(start), nil
		case corev1.PodFailed:
			return 0, fmt.Errorf("the direct driver failed: %s", strings.TrimSpace(p.Status.Message))
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func median(l []time.Duration) time.Duration {
	s := slices.Clone(l)
	slices.Sort(s)
	return s[len(s)/2]
}
