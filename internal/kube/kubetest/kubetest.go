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
	"context"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"
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

// ErrTimeout is wrapped by the error Poll returns when time runs out.
var ErrTimeout = errors.New("timed out")

// Poll calls cond every interval, first at once, until it reports done,
// fails, or timeout passes (or ctx ends). A cond that reports an error
// stops the poll with that error. On a timeout the error wraps ErrTimeout
// and names what was awaited and, if cond gave one, its last note: cond
// returns a note (say, the pod's phase) to explain why it is not done yet.
func Poll(ctx context.Context, what string, timeout, interval time.Duration, cond func(context.Context) (done bool, note string, err error)) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	var note string
	for {
		done, n, err := cond(ctx)
		if err != nil {
			return fmt.Errorf("waiting for %s: %w", what, err)
		}
		if done {
			return nil
		}
		if n != "" {
			note = n
		}
		select {
		case <-ctx.Done():
			err := ctx.Err()
			if errors.Is(err, context.DeadlineExceeded) {
				err = fmt.Errorf("%w after %v", ErrTimeout, timeout)
			}
			if note != "" {
				return fmt.Errorf("waiting for %s: %w (last: %s)", what, err, note)
			}
			return fmt.Errorf("waiting for %s: %w", what, err)
		case <-ticker.C:
		}
	}
}
