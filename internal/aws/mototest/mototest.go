// Package mototest runs moto_server, the AWS API emulator, for tests of the
// AWS adapter. Each Start gives a test its own moto process on a free
// loopback port, stopped when the test ends.
//
// The binary comes from ORCHESTERA_TEST_MOTO (`make test` points it at the
// project venv's pinned moto) or else from moto_server on PATH. When neither
// exists the test is skipped, and fails when CI=true, so CI cannot pass by
// silently skipping every AWS test. What moto does and does not emulate is in
// docs/aws-emulator.md.
//
// Server.Config is the SDK configuration for talking to it.
package mototest

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// AccountID is the account moto answers for with any credentials that did
// not come from AssumeRole or CreateAccessKey.
const AccountID = "123456789012"

// EnvBinary names the moto_server binary to use.
const EnvBinary = "ORCHESTERA_TEST_MOTO"

// readyTimeout bounds the wait for moto to answer; importing moto on a busy
// 2-core machine can take several seconds.
const readyTimeout = 60 * time.Second

// Server is a running moto_server.
type Server struct {
	URL string // http://127.0.0.1:PORT, for every service
}

// Start starts moto_server for t and stops it when t ends. AWS-managed
// policies such as AdministratorAccess are loaded
// (MOTO_IAM_LOAD_MANAGED_POLICIES).
func Start(t testing.TB) *Server {
	t.Helper()
	bin := binary(t)
	var lastErr error
	// The free port is found by listening and closing, so another process
	// can take it before moto binds it; a moto that exits early is retried
	// on a new port.
	for attempt := 0; attempt < 3; attempt++ {
		s, err := start(t, bin)
		if err == nil {
			return s
		}
		lastErr = err
	}
	t.Fatalf("starting moto_server: %v", lastErr)
	return nil
}

func binary(t testing.TB) string {
	t.Helper()
	if bin := os.Getenv(EnvBinary); bin != "" {
		if _, err := os.Stat(bin); err != nil {
			t.Fatalf("%s=%s: %v", EnvBinary, bin, err)
		}
		return bin
	}
	bin, err := exec.LookPath("moto_server")
	if err == nil {
		return bin
	}
	msg := fmt.Sprintf("moto_server not found: set %s or put moto_server on PATH (`make python-env` installs the pinned moto into build/venv)", EnvBinary)
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

func start(t testing.TB, bin string) (*Server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	log := &lockedBuffer{}
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", strconv.Itoa(port))
	cmd.Env = append(os.Environ(), "MOTO_IAM_LOAD_MANAGED_POLICIES=true")
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	exited := make(chan struct{})
	var waitErr error
	go func() { waitErr = cmd.Wait(); close(exited) }()

	s := &Server{URL: fmt.Sprintf("http://127.0.0.1:%d", port)}
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(readyTimeout)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		if resp, err := client.Get(s.URL + "/moto-api/"); err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		select {
		case <-exited:
			return nil, fmt.Errorf("%s exited before answering (%v): %s", bin, waitErr, log.tail())
		case <-tick.C:
		}
		if time.Now().After(deadline) {
			stop(cmd, exited)
			return nil, fmt.Errorf("%s did not answer on %s within %s: %s", bin, s.URL, readyTimeout, log.tail())
		}
	}
	t.Cleanup(func() {
		if !stop(cmd, exited) {
			t.Errorf("moto_server (pid %d) ignored SIGTERM and was killed", cmd.Process.Pid)
		}
	})
	return s, nil
}

// stop sends SIGTERM and waits; it kills the process if it does not exit in
// time and then reports false.
func stop(cmd *exec.Cmd, exited <-chan struct{}) bool {
	select {
	case <-exited:
		return true
	default:
	}
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-exited:
		return true
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		<-exited
		return false
	}
}

// Config talks to the server with static test credentials, ignoring the
// environment and shared config, in region. It makes one attempt per call:
// moto answers unimplemented calls with a 500, which the SDK would otherwise
// retry (docs/aws-emulator.md, gap 15).
func (s *Server) Config(region string) aws.Config {
	return aws.Config{
		Region:           region,
		Credentials:      credentials.NewStaticCredentialsProvider("AKIAIOSFODNN7EXAMPLE", "test-secret", ""),
		BaseEndpoint:     aws.String(s.URL),
		RetryMaxAttempts: 1,
	}
}

// Reset clears all of the server's state (POST /moto-api/reset).
func (s *Server) Reset(t testing.TB) {
	t.Helper()
	resp, err := http.Post(s.URL+"/moto-api/reset", "text/plain", nil)
	if err != nil {
		t.Fatalf("resetting moto: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		t.Fatalf("resetting moto: %s: %s", resp.Status, b)
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// lockedBuffer keeps the end of moto's output (it logs every request) for
// error messages.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.b.Len() > 64<<10 {
		keep := append([]byte(nil), l.b.Bytes()[l.b.Len()-4<<10:]...)
		l.b.Reset()
		l.b.Write(keep)
	}
	return l.b.Write(p)
}

func (l *lockedBuffer) tail() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.b.Bytes()
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(bytes.TrimSpace(b))
}
