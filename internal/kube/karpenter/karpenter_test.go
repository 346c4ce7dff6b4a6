package karpenter

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/orchestera/orchestera/internal/domain"
	"github.com/orchestera/orchestera/internal/kube/kubetest"
	"github.com/orchestera/orchestera/internal/poll"
)

func suffix(t *testing.T) string {
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// Helm SDK against the real API server, with the test chart: install,
// upgrade with new values, the Spark pool applied with its CRDs, deleted,
// uninstalled.
func TestKarpenterAgainstKubernetes(t *testing.T) {
	cfg, err := clientcmd.BuildConfigFromFlags("", kubetest.Kubeconfig(t))
	if err != nil {
		t.Fatal(err)
	}
	cs := kubernetes.NewForConfigOrDie(cfg)
	dc := dynamic.NewForConfigOrDie(cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	ns := "karpenter-" + suffix(t)
	t.Cleanup(func() { cs.CoreV1().Namespaces().Delete(context.Background(), ns, metav1.DeleteOptions{}) })

	ch := Chart{Ref: "testdata/chart", Version: "1.8.1-test"}
	s := Settings{ClusterName: "orchestera-etl-cluster", ClusterEndpoint: "https://ABC.gr7.us-east-1.eks.amazonaws.com",
		InterruptionQueue: "orchestera-etl-karpenter", ControllerRoleARN: "arn:aws:iam::111122223333:role/orchestera-etl-karpenter", SystemNodegroup: "orchestera-etl-system"}
	r := Release{Namespace: ns, Name: "karpenter", Values: Values(s)}
	if err := Install(ctx, cfg, ch, r, nil); err != nil {
		t.Fatal(err)
	}
	settings := func() map[string]string {
		cm, err := cs.CoreV1().ConfigMaps(ns).Get(ctx, "karpenter-settings", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return cm.Data
	}
	if got := settings(); got["clusterName"] != s.ClusterName || got["interruptionQueue"] != s.InterruptionQueue ||
		got["clusterEndpoint"] != s.ClusterEndpoint || got["nodeSelector"] != `{"eks.amazonaws.com/nodegroup":"orchestera-etl-system"}` {
		t.Errorf("the chart got %v", got)
	}
	sa, err := cs.CoreV1().ServiceAccounts(ns).Get(ctx, "karpenter", metav1.GetOptions{})
	if err != nil || sa.Annotations["eks.amazonaws.com/role-arn"] != s.ControllerRoleARN {
		t.Fatalf("karpenter's service account: %v %v", err, sa.Annotations)
	}

	// Installing again upgrades the release with the new values.
	s.InterruptionQueue = "orchestera-etl-karpenter-2"
	r.Values = Values(s)
	if err := Install(ctx, cfg, ch, r, nil); err != nil {
		t.Fatal(err)
	}
	if got := settings(); got["interruptionQueue"] != s.InterruptionQueue {
		t.Errorf("after the upgrade the chart has %v", got)
	}
	if v, _, err := Installed(cfg, r); err != nil || v != "1.8.1-test" {
		t.Errorf("installed version %q: %v", v, err)
	}
	if err := Install(ctx, cfg, Chart{Ref: ch.Ref, Version: "1.9.0"}, r, nil); err == nil || domain.FixOf(err) == "" {
		t.Errorf("a chart of another version than configured: %v", err)
	}

	// The Spark pool, on the CRDs the chart brought.
	p := Pool{Name: "spark-" + suffix(t), Labels: map[string]string{"orchestera.io/stack": "etl"}, CPULimit: 256,
		CapacityTypes: []string{"spot", "on-demand"}, InstanceFamilies: []string{"m6i", "r6i"}, NodeRole: "orchestera-etl-node-role",
		Subnets: []string{"subnet-1", "subnet-2"}, Cluster: s.ClusterName, Tags: map[string]string{"orchestera.io/stack": "etl"}}
	poll.Until(t, "the NodePool to apply", time.Minute, func() error { return Apply(ctx, dc, p) })
	np, err := dc.Resource(NodePoolGVR).Get(ctx, p.Name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	taint, _, _ := unstructured.NestedSlice(np.Object, "spec", "template", "spec", "taints")
	label, _, _ := unstructured.NestedString(np.Object, "spec", "template", "metadata", "labels", "dedicated")
	limit, _, _ := unstructured.NestedString(np.Object, "spec", "limits", "cpu")
	policy, _, _ := unstructured.NestedString(np.Object, "spec", "disruption", "consolidationPolicy")
	if len(taint) != 1 || taint[0].(map[string]any)["effect"] != "NoSchedule" || label != "spark" || limit != "256" || policy != "WhenEmpty" {
		t.Errorf("NodePool spec: taints %v, label %q, cpu %q, consolidation %q", taint, label, limit, policy)
	}
	nc, err := dc.Resource(EC2NodeClassGVR).Get(ctx, p.Name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if role, _, _ := unstructured.NestedString(nc.Object, "spec", "role"); role != p.NodeRole {
		t.Errorf("EC2NodeClass role %q", role)
	}
	before := np.GetResourceVersion()
	if err := Apply(ctx, dc, p); err != nil {
		t.Fatal(err)
	}
	if again, _ := dc.Resource(NodePoolGVR).Get(ctx, p.Name, metav1.GetOptions{}); again.GetResourceVersion() != before {
		t.Error("applying the same pool again changed the NodePool")
	}
	other := p
	other.Labels = map[string]string{"orchestera.io/stack": "another"}
	if err := Apply(ctx, dc, other); domain.ErrorCode(err) != domain.CodeConflict {
		t.Errorf("another stack's pool of the same name: %v", err)
	}

	if err := Delete(ctx, dc, p); err != nil {
		t.Fatal(err)
	}
	if _, err := dc.Resource(NodePoolGVR).Get(ctx, p.Name, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("the NodePool outlived Delete: %v", err)
	}
	if err := Uninstall(ctx, cfg, r, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.CoreV1().ConfigMaps(ns).Get(ctx, "karpenter-settings", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("the release's objects outlived Uninstall: %v", err)
	}
	if err := Uninstall(ctx, cfg, r, nil); err != nil {
		t.Errorf("uninstalling twice: %v", err)
	}
}
