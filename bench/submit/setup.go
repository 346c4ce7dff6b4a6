package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

// bench is a server with an attached stack and a namespace for each side.
type bench struct {
	o             options
	cs            kubernetes.Interface
	home, url     string
	token         string
	server        *exec.Cmd
	oursNS, rawNS string
	namespaces    []string // the stack's, one per round of ours
}

// namespace adds a namespace to the stack for one round, so its watch
// sees that round's drivers only.
func (b *bench) namespace(ctx context.Context, round string) (string, error) {
	name := b.oursNS + "-" + strings.TrimSuffix(round, "-")
	resp, err := b.post(ctx, "/v1/stacks/bench/namespaces", map[string]string{"name": name}, nil)
	if err != nil {
		return "", err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		return "", fmt.Errorf("adding namespace %s: %s", name, resp.Status)
	}
	b.namespaces = append(b.namespaces, name)
	return name, nil
}

func setup(ctx context.Context, o options) (*bench, error) {
	cfg, err := clientcmd.BuildConfigFromFlags("", o.kubeconfig)
	if err != nil {
		return nil, fmt.Errorf("%w (start the test cluster: scripts/test-kube.sh start)", err)
	}
	cfg.QPS, cfg.Burst = 1000, 1000 // raw client-go unthrottled, as the platform's
	b := &bench{o: o, cs: kubernetes.NewForConfigOrDie(cfg)}
	suffix := make([]byte, 3)
	rand.Read(suffix)
	b.oursNS, b.rawNS = "bench-"+hex.EncodeToString(suffix), "bench-raw-"+hex.EncodeToString(suffix)
	if b.home, err = os.MkdirTemp("", "orchestera-bench-submit"); err != nil {
		return nil, err
	}
	log, err := os.Create(filepath.Join(b.home, "server.log"))
	if err != nil {
		return nil, err
	}
	defer log.Close()
	b.server = exec.Command(o.bin, "server", "--listen", "127.0.0.1:0", "--log-format", "text",
		"--runs-per-stack", fmt.Sprint(3*o.runs), "--token-rate-limit", "0", "--address-rate-limit", "0")
	b.server.Env = append(os.Environ(), "ORCHESTERA_HOME="+b.home)
	b.server.Stderr = log
	if err := b.server.Start(); err != nil {
		return nil, err
	}
	if err := b.waitConfig(ctx); err != nil {
		b.close()
		return nil, err
	}
	// The stack, through the CLI as a user would attach it.
	attach := exec.CommandContext(ctx, o.bin, "stacks", "attach", "bench", "--kubeconfig", o.kubeconfig, "--namespace", b.oursNS, "--wait")
	attach.Env = append(os.Environ(), "ORCHESTERA_HOME="+b.home)
	if out, err := attach.CombinedOutput(); err != nil {
		b.close()
		return nil, fmt.Errorf("attaching the test cluster: %v\n%s", err, out)
	}
	if _, err := b.cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: b.rawNS}}, metav1.CreateOptions{}); err != nil {
		b.close()
		return nil, err
	}
	return b, nil
}

// waitConfig waits for local mode's client config: the server's URL and
// its admin token.
func (b *bench) waitConfig(ctx context.Context) error {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		raw, err := os.ReadFile(filepath.Join(b.home, "config.json"))
		var c struct{ Server, Token string }
		if err == nil && json.Unmarshal(raw, &c) == nil && c.Server != "" {
			b.url, b.token = c.Server, c.Token
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	return fmt.Errorf("the server did not start; its log: %s", filepath.Join(b.home, "server.log"))
}

// post calls the server's API.
func (b *bench) post(ctx context.Context, path string, body any, header map[string]string) (*http.Response, error) {
	raw, _ := json.Marshal(body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, b.url+path, bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+b.token)
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	return http.DefaultClient.Do(req)
}

// close stops the server and deletes what the benchmark made.
func (b *bench) close() {
	ctx := context.Background()
	for _, ns := range append([]string{b.oursNS, b.rawNS}, b.namespaces...) {
		b.cs.CoreV1().Namespaces().Delete(ctx, ns, metav1.DeleteOptions{})
	}
	if b.server != nil && b.server.Process != nil {
		b.server.Process.Signal(os.Interrupt)
		done := make(chan error, 1)
		go func() { done <- b.server.Wait() }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			b.server.Process.Kill()
		}
	}
	if b.o.keep {
		fmt.Fprintln(os.Stderr, "kept the server's home:", b.home)
		return
	}
	os.RemoveAll(b.home)
}
