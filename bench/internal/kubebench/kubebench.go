// Package kubebench runs the real binary in local mode with the loopback
// test cluster attached as a stack, for the benchmarks of runs on
// Kubernetes stacks.
package kubebench

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
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

// Stack is the attached stack's name.
const Stack = "bench"

// Server is `orchestera server` on a temporary home, with the test cluster
// attached as stack "bench" and a namespace of it.
type Server struct {
	Home, URL, Token string
	Namespace        string // the stack's first namespace
	CS               kubernetes.Interface
	bin              string
	cmd              *exec.Cmd
	namespaces       []string
}

// Start starts the server with extra flags and environment, and attaches
// the cluster through the CLI, as a user would.
func Start(ctx context.Context, bin, kubeconfig string, flags, env []string) (*Server, error) {
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return nil, fmt.Errorf("%w (start the test cluster: scripts/test-kube.sh start)", err)
	}
	cfg.QPS, cfg.Burst = 1000, 1000 // unthrottled, as the platform's client
	s := &Server{CS: kubernetes.NewForConfigOrDie(cfg), bin: bin, Namespace: "bench-" + suffix()}
	if s.Home, err = os.MkdirTemp("", "orchestera-bench"); err != nil {
		return nil, err
	}
	log, err := os.Create(filepath.Join(s.Home, "server.log"))
	if err != nil {
		return nil, err
	}
	defer log.Close()
	s.cmd = exec.Command(bin, append([]string{"server", "--listen", "127.0.0.1:0", "--log-format", "text",
		"--token-rate-limit", "0", "--address-rate-limit", "0"}, flags...)...)
	s.cmd.Env = append(append(os.Environ(), "ORCHESTERA_HOME="+s.Home), env...)
	s.cmd.Stderr = log
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	if err := s.waitConfig(ctx); err != nil {
		s.Close(true)
		return nil, err
	}
	if out, err := s.CLI(ctx, "stacks", "attach", Stack, "--kubeconfig", kubeconfig, "--namespace", s.Namespace, "--wait"); err != nil {
		s.Close(true)
		return nil, fmt.Errorf("attaching the test cluster: %v\n%s", err, out)
	}
	s.namespaces = []string{s.Namespace}
	return s, nil
}

func suffix() string {
	b := make([]byte, 3)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// waitConfig waits for local mode's client config: the URL and token.
func (s *Server) waitConfig(ctx context.Context) error {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		raw, err := os.ReadFile(filepath.Join(s.Home, "config.json"))
		var c struct{ Server, Token string }
		if err == nil && json.Unmarshal(raw, &c) == nil && c.Server != "" {
			s.URL, s.Token = c.Server, c.Token
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	return fmt.Errorf("the server did not start; its log: %s", filepath.Join(s.Home, "server.log"))
}

// CLI runs the binary as a client of the server.
func (s *Server) CLI(ctx context.Context, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, s.bin, args...)
	cmd.Env = append(os.Environ(), "ORCHESTERA_HOME="+s.Home, "ORCHESTERA_SERVER=")
	return cmd.CombinedOutput()
}

// Post calls the server's API.
func (s *Server) Post(ctx context.Context, path string, body any, header map[string]string) (*http.Response, error) {
	raw, _ := json.Marshal(body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL+path, bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+s.Token)
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	return http.DefaultClient.Do(req)
}

// AddNamespace adds a namespace to the stack (bootstrapped at once).
func (s *Server) AddNamespace(ctx context.Context, name string) error {
	resp, err := s.Post(ctx, "/v1/stacks/"+Stack+"/namespaces", map[string]string{"name": name}, nil)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		return fmt.Errorf("adding namespace %s: %s", name, resp.Status)
	}
	s.namespaces = append(s.namespaces, name)
	return nil
}

// Close stops the server, deletes the namespaces, and the home unless kept.
func (s *Server) Close(keep bool) {
	ctx := context.Background()
	for _, ns := range s.namespaces {
		s.CS.CoreV1().Namespaces().Delete(ctx, ns, metav1.DeleteOptions{})
	}
	if s.cmd != nil && s.cmd.Process != nil {
		s.cmd.Process.Signal(os.Interrupt)
		done := make(chan error, 1)
		go func() { done <- s.cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			s.cmd.Process.Kill()
		}
	}
	if keep {
		fmt.Fprintln(os.Stderr, "kept the server's home:", s.Home)
		return
	}
	os.RemoveAll(s.Home)
}
