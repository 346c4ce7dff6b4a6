package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// server is a running `orchestera server` in local mode.
type server struct {
	cmd  *exec.Cmd
	url  string
	done chan error
}

// startServer runs the binary on home. Its logs go to /dev/null, but the
// server still formats one access-log line per request, as in production.
func startServer(bin, home string) (*server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(bin, "server", "--listen", addr, "--home", home, "--database-url=", "--log-format", "json", "--verify-every", "0")
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "ORCHESTERA_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "ORCHESTERA_HOME="+home)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", bin, err)
	}
	s := &server{cmd: cmd, url: "http://" + addr, done: make(chan error, 1)}
	go func() { s.done <- cmd.Wait() }()
	return s, nil
}

func (s *server) waitReady(ctx context.Context, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		if resp, err := http.Get(s.url + "/readyz"); err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case err := <-s.done:
			s.done <- err
			return fmt.Errorf("server exited before it was ready (%v): %s", err, strings.Join(s.cmd.Args, " "))
		case <-ctx.Done():
			return fmt.Errorf("server not ready at %s/readyz: %w", s.url, ctx.Err())
		case <-tick.C:
		}
	}
}

func (s *server) stop() error {
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	select {
	case err := <-s.done:
		return err
	case <-time.After(20 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
		return errors.New("server ignored SIGTERM for 20s; killed it")
	}
}

// session signs in as a browser on this machine does in local mode, and
// returns the Cookie header that carries the session.
func session(base string) (string, error) {
	req, _ := http.NewRequest(http.MethodGet, base+"/stacks", nil)
	req.Header.Set("Accept", "text/html")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	for _, c := range resp.Cookies() {
		if c.Name == "orchestera_session" {
			return "Cookie: " + c.Name + "=" + c.Value, nil
		}
	}
	return "", fmt.Errorf("GET /stacks from loopback set no session cookie (%s)", resp.Status)
}

// fetch reads one page with the session and insists on a 200.
func fetch(url, cookie string) ([]byte, error) {
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	k, v, _ := strings.Cut(cookie, ": ")
	req.Header.Set(k, v)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return b, err
}
