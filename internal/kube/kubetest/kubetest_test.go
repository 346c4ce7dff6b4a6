package kubetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/orchestera/orchestera/internal/poll"
)

// ---- the helpers themselves, without a cluster ----

// fakeTB records Skip and Fatal instead of ending the test.
type fakeTB struct {
	testing.TB
	skipped, failed string
}

func (f *fakeTB) Helper()           {}
func (f *fakeTB) Skip(args ...any)  { f.skipped = fmt.Sprint(args...) }
func (f *fakeTB) Fatal(args ...any) { f.failed = fmt.Sprint(args...) }
func (f *fakeTB) Fatalf(format string, args ...any) {
	f.failed = fmt.Sprintf(format, args...)
}

func TestKubeconfigSkipsOrFailsWithoutACluster(t *testing.T) {
	t.Setenv(EnvKubeconfig, "")
	t.Setenv(EnvNode, "")

	t.Setenv("CI", "")
	f := &fakeTB{TB: t}
	if got := Kubeconfig(f); got != "" || f.skipped == "" || f.failed != "" {
		t.Errorf("outside CI: got %q, skipped %q, failed %q; want a skip", got, f.skipped, f.failed)
	}
	f = &fakeTB{TB: t}
	if RequireNode(f); f.skipped == "" || f.failed != "" {
		t.Errorf("RequireNode outside CI: skipped %q, failed %q; want a skip", f.skipped, f.failed)
	}

	t.Setenv("CI", "true")
	f = &fakeTB{TB: t}
	if Kubeconfig(f); f.failed == "" || !strings.Contains(f.failed, EnvKubeconfig) {
		t.Errorf("in CI: failed %q, skipped %q; want a failure naming %s", f.failed, f.skipped, EnvKubeconfig)
	}
	f = &fakeTB{TB: t}
	if RequireNode(f); f.failed == "" || !strings.Contains(f.failed, EnvNode) {
		t.Errorf("RequireNode in CI: failed %q; want a failure naming %s", f.failed, EnvNode)
	}

	t.Setenv(EnvKubeconfig, filepath.Join(t.TempDir(), "missing"))
	f = &fakeTB{TB: t}
	if Kubeconfig(f); f.failed == "" {
		t.Error("a kubeconfig path that does not exist must fail the test")
	}
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv(EnvKubeconfig, path)
	t.Setenv(EnvNode, "1")
	f = &fakeTB{TB: t}
	if got := Kubeconfig(f); got != path || f.failed != "" || f.skipped != "" {
		t.Errorf("got %q (failed %q, skipped %q), want %q", got, f.failed, f.skipped, path)
	}
	if RequireNode(f); f.failed != "" || f.skipped != "" {
		t.Errorf("RequireNode with %s=1: failed %q, skipped %q", EnvNode, f.failed, f.skipped)
	}
}

func client(t *testing.T) *kubernetes.Clientset {
	t.Helper()
	cfg, err := clientcmd.BuildConfigFromFlags("", Kubeconfig(t))
	if err != nil {
		t.Fatal(err)
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

func randomName(prefix string) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return prefix + "-" + hex.EncodeToString(b)
}

// namespace creates a namespace for t. When t ends, if t failed, it logs
// every pod in it with its state and the end of its log; then it deletes
// the namespace and waits until it is gone.
func namespace(t *testing.T, cs *kubernetes.Clientset, prefix string) string {
	t.Helper()
	ctx := context.Background()
	ns, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{
		ObjectMeta: metav1.ObjectMeta{Name: randomName(prefix)},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	name := ns.Name
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("pods of namespace %s:\n%s", name, podReport(cs, name))
		}
		deleteNamespace(t, cs, name)
	})
	// Pods are refused until the namespace has its default ServiceAccount,
	// which the controller-manager adds.
	poll.Until(t, "ServiceAccount "+name+"/default", 60*time.Second, func() error {
		_, err := cs.CoreV1().ServiceAccounts(name).Get(ctx, "default", metav1.GetOptions{})
		return err
	})
	return name
}

func deleteNamespace(t *testing.T, cs *kubernetes.Clientset, name string) {
	t.Helper()
	ctx := context.Background()
	err := cs.CoreV1().Namespaces().Delete(ctx, name, metav1.DeleteOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		t.Errorf("deleting namespace %s: %v", name, err)
		return
	}
	// The namespace controller deletes what is in it, the kubelet stops the
	// pods, then the namespace goes.
	poll.Until(t, "namespace "+name+" to be deleted", 120*time.Second, func() error {
		ns, err := cs.CoreV1().Namespaces().Get(ctx, name, metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
			return nil
		case err != nil:
			return err
		}
		return fmt.Errorf("phase %s", ns.Status.Phase)
	})
}

// podReport lists each pod of ns with its phase, container states and the
// last reportLines lines of its log.
func podReport(cs *kubernetes.Clientset, ns string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pods, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return "listing pods: " + err.Error()
	}
	var b strings.Builder
	for _, p := range pods.Items {
		fmt.Fprintf(&b, "--- pod %s: phase %s, podIP %q, node %q\n", p.Name, p.Status.Phase, p.Status.PodIP, p.Spec.NodeName)
		for _, c := range p.Status.Conditions {
			if c.Status != corev1.ConditionTrue && c.Message != "" {
				fmt.Fprintf(&b, "    %s: %s\n", c.Type, c.Message)
			}
		}
		for _, s := range p.Status.ContainerStatuses {
			st, _ := json.Marshal(s.State)
			fmt.Fprintf(&b, "    container %s: %s\n", s.Name, st)
		}
		fmt.Fprintf(&b, "    log (last %d lines):\n%s\n", reportLines, indent(podLogTail(cs, ns, p.Name, reportLines)))
	}
	if len(pods.Items) == 0 {
		b.WriteString("(none)\n")
	}
	return b.String()
}

const reportLines = 200

// podLog reads a pod's log through the pods/log API.
func podLog(cs *kubernetes.Clientset, ns, name string) string {
	return podLogTail(cs, ns, name, 0)
}

// podLogTail reads the last lines of a pod's log; 0 means all of it.
func podLogTail(cs *kubernetes.Clientset, ns, name string, lines int64) string {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	opts := &corev1.PodLogOptions{}
	if lines > 0 {
		opts.TailLines = &lines
	}
	raw, err := cs.CoreV1().Pods(ns).GetLogs(name, opts).Do(ctx).Raw()
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	return string(raw)
}

func indent(s string) string {
	return "      " + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n      ")
}

// waitPodDone waits until the pod has Succeeded or Failed, and returns it.
func waitPodDone(t *testing.T, cs *kubernetes.Clientset, ns, name string, timeout time.Duration) *corev1.Pod {
	t.Helper()
	return poll.For(t, "pod "+ns+"/"+name+" to finish", timeout, func() (*corev1.Pod, error) {
		p, err := cs.CoreV1().Pods(ns).Get(context.Background(), name, metav1.GetOptions{})
		if err != nil {
			return nil, err
		}
		switch p.Status.Phase {
		case corev1.PodSucceeded, corev1.PodFailed:
			return p, nil
		}
		return nil, fmt.Errorf("phase %s", p.Status.Phase)
	})
}

// driverAccount creates the ServiceAccount a client-mode Spark driver runs
// as, allowed only what the driver does in its namespace: executor pods,
// their ConfigMap, and (with volumes) services and claims. When it stops,
// Spark deletes its executor pods and ConfigMap by label, one DELETE of the
// collection: without deletecollection that is refused and they stay.
func driverAccount(t *testing.T, cs *kubernetes.Clientset, ns string) string {
	t.Helper()
	ctx := context.Background()
	const sa = "spark-driver"
	if _, err := cs.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{
		ObjectMeta: metav1.ObjectMeta{Name: sa},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.RbacV1().Roles(ns).Create(ctx, &rbacv1.Role{
		ObjectMeta: metav1.ObjectMeta{Name: sa},
		Rules: []rbacv1.PolicyRule{{
			APIGroups: []string{""},
			Resources: []string{"pods", "services", "configmaps", "persistentvolumeclaims"},
			Verbs:     []string{"create", "get", "list", "watch", "delete", "deletecollection"},
		}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.RbacV1().RoleBindings(ns).Create(ctx, &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: sa},
		RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: sa},
		Subjects:   []rbacv1.Subject{{Kind: "ServiceAccount", Name: sa, Namespace: ns}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	return sa
}

// TestNamespaceLifecycle needs only the control plane: a namespace gets its
// default ServiceAccount and kube-root-ca.crt from the controller-manager,
// and deleting it goes through the namespace controller.
func TestNamespaceLifecycle(t *testing.T) {
	t.Parallel()
	cs := client(t)
	ctx := context.Background()
	ns := namespace(t, cs, "kubetest-ns")
	poll.Until(t, "ConfigMap "+ns+"/kube-root-ca.crt", 60*time.Second, func() error {
		_, err := cs.CoreV1().ConfigMaps(ns).Get(ctx, "kube-root-ca.crt", metav1.GetOptions{})
		return err
	})
	deleteNamespace(t, cs, ns)
	if _, err := cs.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("namespace %s after deletion: %v, want NotFound", ns, err)
	}
}

// TestBusyboxPod runs a real container on the node and reads its log
// through the pods/log API. A hostNetwork pod on the loopback node has
// podIP 127.0.0.1.
func TestBusyboxPod(t *testing.T) {
	t.Parallel()
	cs := client(t)
	RequireNode(t)
	ctx := context.Background()
	ns := namespace(t, cs, "kubetest-busybox")
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "hello"},
		Spec: corev1.PodSpec{
			HostNetwork:                   true,
			RestartPolicy:                 corev1.RestartPolicyNever,
			TerminationGracePeriodSeconds: new(int64(1)),
			Containers: []corev1.Container{{
				Name:            "main",
				Image:           BusyboxImage,
				ImagePullPolicy: corev1.PullNever,
				Command:         []string{"/bin/sh", "-c", `echo "hello from a pod"; echo "podIP=$POD_IP"`},
				Env: []corev1.EnvVar{{
					Name:      "POD_IP",
					ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "status.podIP"}},
				}},
			}},
		},
	}
	if _, err := cs.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	done := waitPodDone(t, cs, ns, pod.Name, 120*time.Second)
	log := podLog(cs, ns, pod.Name)
	if done.Status.Phase != corev1.PodSucceeded {
		t.Fatalf("pod phase %s, want Succeeded; log:\n%s", done.Status.Phase, log)
	}
	if !strings.Contains(log, "hello from a pod") || !strings.Contains(log, "podIP=127.0.0.1") {
		t.Errorf("pod log:\n%s\nwant the greeting and podIP=127.0.0.1", log)
	}
	if done.Status.PodIP != "127.0.0.1" || done.Spec.NodeName != "127.0.0.1" {
		t.Errorf("podIP %q on node %q, want 127.0.0.1 on 127.0.0.1", done.Status.PodIP, done.Spec.NodeName)
	}
}

// sparkResult is what testdata/spark_job.py prints after RESULT.
type sparkResult struct {
	Count      int            `json:"count"`
	Groups     map[string]int `json:"groups"`
	UDFSum     int            `json:"udf_sum"`
	Executors  int            `json:"executors"`
	RanOn      [][]string     `json:"ran_on"`
	Orchestera string         `json:"orchestera"`
	Master     string         `json:"master"`
	SessionS   float64        `json:"session_s"`
	JobsS      float64        `json:"jobs_s"`
}

// TestSparkOnKubernetes runs a client-mode PySpark driver in a pod, set up by
// the project's runtime as on a kubernetes stack, with two executor pods,
// a shuffle and Python on the executors. The driver's ServiceAccount may
// only do what Spark needs in its namespace.
func TestSparkOnKubernetes(t *testing.T) {
	t.Parallel()
	cs := client(t)
	RequireNode(t)
	ctx := context.Background()
	ns := namespace(t, cs, "kubetest-spark")

	sa := driverAccount(t, cs, ns)

	job, err := os.ReadFile("testdata/spark_job.py")
	if err != nil {
		t.Fatal(err)
	}
	template, err := os.ReadFile("testdata/executor-pod-template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cs.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: "job"},
		Data:       map[string]string{"spark_job.py": string(job), "executor-pod-template.yaml": string(template)},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	driver := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "spark-driver"},
		Spec: corev1.PodSpec{
			HostNetwork: true,
			DNSPolicy:   corev1.DNSClusterFirstWithHostNet,
			// No cluster DNS runs: the in-cluster name of the apiserver
			// resolves to 127.0.0.1, where it listens on 443.
			HostAliases: []corev1.HostAlias{{
				IP:        "127.0.0.1",
				Hostnames: []string{"kubernetes.default.svc", "kubernetes.default", "kubernetes"},
			}},
			ServiceAccountName:            sa,
			RestartPolicy:                 corev1.RestartPolicyNever,
			TerminationGracePeriodSeconds: new(int64(5)),
			Containers: []corev1.Container{{
				Name:            "driver",
				Image:           SparkImage,
				ImagePullPolicy: corev1.PullNever,
				Args:            []string{"python3", "/job/spark_job.py"},
				Env: []corev1.EnvVar{
					{Name: "ORCH_STACK_KIND", Value: "kubernetes"},
					{Name: "ORCH_NAMESPACE", Value: ns},
					{Name: "ORCH_IMAGE", Value: SparkImage},
					{Name: "ORCH_EXECUTOR_POD_TEMPLATE", Value: "/job/executor-pod-template.yaml"},
					// Spark would otherwise advertise the host's first address.
					{Name: "SPARK_LOCAL_IP", Value: "127.0.0.1"},
					{Name: "POD_NAME", ValueFrom: &corev1.EnvVarSource{
						FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.name"},
					}},
				},
				VolumeMounts: []corev1.VolumeMount{{Name: "job", MountPath: "/job"}},
			}},
			Volumes: []corev1.Volume{{
				Name: "job",
				VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
					LocalObjectReference: corev1.LocalObjectReference{Name: "job"},
				}},
			}},
		},
	}
	start := time.Now()
	if _, err := cs.CoreV1().Pods(ns).Create(ctx, driver, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	// Executors come and go while the driver runs; note the names seen.
	executors := map[string]bool{}
	poll.Until(t, "the Spark driver to finish", 6*time.Minute, func() error {
		pods, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "spark-role=executor"})
		if err == nil {
			for _, p := range pods.Items {
				executors[p.Name] = true
			}
		}
		p, err := cs.CoreV1().Pods(ns).Get(ctx, driver.Name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		switch p.Status.Phase {
		case corev1.PodSucceeded, corev1.PodFailed:
			return nil
		}
		return fmt.Errorf("driver %s, %d executor pods seen", p.Status.Phase, len(executors))
	})
	elapsed := time.Since(start)
	p, err := cs.CoreV1().Pods(ns).Get(ctx, driver.Name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	log := podLog(cs, ns, driver.Name)
	if p.Status.Phase != corev1.PodSucceeded {
		t.Fatalf("driver phase %s, want Succeeded", p.Status.Phase)
	}
	var res sparkResult
	found := false
	for _, line := range strings.Split(log, "\n") {
		if rest, ok := strings.CutPrefix(line, "RESULT "); ok {
			if err := json.Unmarshal([]byte(rest), &res); err != nil {
				t.Fatalf("RESULT line %q: %v", rest, err)
			}
			found = true
		}
	}
	if !found {
		t.Fatalf("no RESULT line in the driver's log:\n%s", log)
	}
	t.Logf("Spark driver pod finished in %.1fs (session %.1fs, jobs %.1fs); executor pods %d; result %+v",
		elapsed.Seconds(), res.SessionS, res.JobsS, len(executors), res)

	if res.Count != 1000 {
		t.Errorf("count = %d, want 1000", res.Count)
	}
	if len(res.Groups) != 10 {
		t.Errorf("groups = %v, want 10 keys of 100", res.Groups)
	}
	for k, v := range res.Groups {
		if v != 100 {
			t.Errorf("group %s = %d, want 100", k, v)
		}
	}
	if res.UDFSum != 999000 {
		t.Errorf("sum of the UDF's doubles = %d, want 999000", res.UDFSum)
	}
	if res.Executors != 2 {
		t.Errorf("%d executors registered, want 2", res.Executors)
	}
	if len(executors) < 2 {
		t.Errorf("saw executor pods %v, want 2", executors)
	}
	if res.Master != "k8s://https://kubernetes.default.svc" {
		t.Errorf("master %q, want the in-cluster apiserver the runtime configures", res.Master)
	}
	if res.Orchestera == "" {
		t.Error("the driver could not report orchestera.__version__")
	}
	if len(res.RanOn) == 0 {
		t.Error("no task reported where it ran")
	}
	for _, r := range res.RanOn {
		if len(r) != 2 || r[0] == "" || r[0] == "driver" || r[1] != res.Orchestera {
			t.Errorf("a Python task ran on %v, want an executor id and orchestera %s", r, res.Orchestera)
		}
	}
	if strings.Contains(log, "Forbidden") {
		t.Errorf("the driver was refused something by RBAC:\n%s", log)
	}
	executorsGoWithDriver(t, cs, ns, driver.Name, len(executors))
}
