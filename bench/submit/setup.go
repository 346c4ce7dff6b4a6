package main

import (
	"context"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/orchestera/orchestera/bench/internal/kubebench"
)

// bench is the server with its attached stack, and a namespace of raw pods.
type bench struct {
	o     options
	s     *kubebench.Server
	cs    kubernetes.Interface
	rawNS string
}

func setup(ctx context.Context, o options) (*bench, error) {
	s, err := kubebench.Start(ctx, o.bin, o.kubeconfig, []string{"--runs-per-stack", "10000"}, nil)
	if err != nil {
		return nil, err
	}
	b := &bench{o: o, s: s, cs: s.CS, rawNS: s.Namespace + "-raw"}
	if _, err := b.cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: b.rawNS}}, metav1.CreateOptions{}); err != nil {
		b.close()
		return nil, err
	}
	return b, nil
}

// namespace adds a namespace to the stack for one round, so its watch
// sees that round's drivers only.
func (b *bench) namespace(ctx context.Context, round string) (string, error) {
	name := b.s.Namespace + "-" + strings.TrimSuffix(round, "-")
	return name, b.s.AddNamespace(ctx, name)
}

func (b *bench) close() {
	b.cs.CoreV1().Namespaces().Delete(context.Background(), b.rawNS, metav1.DeleteOptions{})
	b.s.Close(b.o.keep)
}
