// Package kubetest connects tests to the throwaway Kubernetes cluster that
// scripts/test-kube.sh runs on loopback (see docs/testing-kubernetes.md).
//
// `make test` starts the cluster with a node and points the tests at it
// with two variables: ORCHESTERA_TEST_KUBECONFIG, the path of a kubeconfig
// with a system:masters token, and ORCHESTERA_TEST_KUBE_NODE=1 when a real
// node (containerd and a kubelet) runs pods. A test that needs the cluster
// calls Kubeconfig, and RequireNode when it runs pods; without the
// variables the test is skipped, and with CI=true it fails instead, so CI
// cannot pass by skipping every Kubernetes test.
//
// The node's pods must use hostNetwork: the node is 127.0.0.1 and there is no
// pod network. The images localhost/pause:local, localhost/busybox:local and
// localhost/orchestera-spark:test are imported into the node; pods use them
// with imagePullPolicy Never.
//
// It imports only the standard library; tests build their clients with
// client-go from the kubeconfig path.
package kubetest

import (
	"os"
	"testing"
)

// The variables `make test` sets.
const (
	EnvKubeconfig = "ORCHESTERA_TEST_KUBECONFIG"
	EnvNode       = "ORCHESTERA_TEST_KUBE_NODE"
)

// Images imported into the node.
const (
	BusyboxImage = "localhost/busybox:local"
	SparkImage   = "localhost/orchestera-spark:test"
)

const startHint = "`make test` starts it; by hand: scripts/test-kube.sh start --node, then " +
	EnvKubeconfig + "=$PWD/build/kube/kubeconfig " + EnvNode + "=1"

// Kubeconfig returns the path of the test cluster's kubeconfig. Without
// ORCHESTERA_TEST_KUBECONFIG the test is skipped, or fails when CI=true.
func Kubeconfig(t testing.TB) string {
	t.Helper()
	path := os.Getenv(EnvKubeconfig)
	if path == "" {
		missing(t, "no test Kubernetes cluster: "+EnvKubeconfig+" is not set; "+startHint)
		return ""
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("%s=%s: %v (is the cluster running? scripts/test-kube.sh status)", EnvKubeconfig, path, err)
		return ""
	}
	return path
}

// RequireNode skips the test, or fails it when CI=true, unless the test
// cluster has a node that runs pods (ORCHESTERA_TEST_KUBE_NODE=1).
func RequireNode(t testing.TB) {
	t.Helper()
	if os.Getenv(EnvNode) != "1" {
		missing(t, "the test Kubernetes cluster has no node: "+EnvNode+" is not 1; "+startHint)
	}
}

func missing(t testing.TB, msg string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
		return
	}
	t.Skip(msg)
}
