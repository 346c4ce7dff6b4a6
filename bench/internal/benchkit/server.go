package benchkit

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Server is a running `orchestera server` child process.
type Server struct {
	URL  string
	cmd  *exec.Cmd
	done chan error // receives cmd.Wait's result once
}

// StartServer runs `bin server --listen <free loopback port> args...` with
// env added to this process's environment.
func StartServer(bin string, args, env []string) (*Server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	cmd := exec.Command(bin, append([]string{"server", "--listen", addr}, args...)...)
	// Drop inherited ORCHESTERA_* settings (a database URL would silently
	// move the benchmark to PostgreSQL).
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "ORCHESTERA_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, env...)
	// Stdout and stderr stay nil, i.e. /dev/null. The server still formats
	// one access-log line per request, as in production, so that cost is
	// measured; a pipe we would have to drain is not.
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", bin, err)
	}
	s := &Server{URL: "http://" + addr, cmd: cmd, done: make(chan error, 1)}
	go func() { s.done <- cmd.Wait() }()
	return s, nil
}

// freePort asks the kernel for a free loopback port. Another process could
// take it before the server binds it; on a test machine that is rare enough.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// WaitReady polls /readyz until it answers 200, the process exits, or the
// deadline passes.
func (s *Server) WaitReady(ctx context.Context, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+"/readyz", nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case err := <-s.done:
			s.done <- err // Stop still wants it
			return fmt.Errorf("server exited before it was ready (%v); run it by hand to see why: %s", err, strings.Join(s.cmd.Args, " "))
		case <-ctx.Done():
			return fmt.Errorf("server not ready at %s/readyz: %w", s.URL, ctx.Err())
		case <-tick.C:
		}
	}
}

// Mem is a process's memory in MB, where MB means MiB as ps and top count
// them: resident (VmRSS), its peak (VmHWM), and the anonymous part of the
// resident (RssAnon: heap and stacks, not the binary's mapped pages).
type Mem struct{ RSS, Peak, Anon float64 }

// Memory reads the server's Mem from /proc.
func (s *Server) Memory() (Mem, error) {
	var m Mem
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return m, err
	}
	defer f.Close()
	fields := map[string]*float64{"VmRSS": &m.RSS, "VmHWM": &m.Peak, "RssAnon": &m.Anon}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), ":")
		dst, ok := fields[k]
		if !ok {
			continue
		}
		kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
		if err != nil {
			return m, fmt.Errorf("parsing %s %q: %w", k, v, err)
		}
		*dst = kb / 1024
	}
	if m.RSS == 0 {
		return m, errors.New("no VmRSS in /proc/PID/status")
	}
	return m, sc.Err()
}

// Stop sends SIGTERM, as a process manager would, and waits for the
// graceful shutdown; after 20s (the server allows itself 15) it kills.
func (s *Server) Stop() error {
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	select {
	case err := <-s.done:
		if err != nil {
			return fmt.Errorf("server exit: %w", err)
		}
		return nil
	case <-time.After(20 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
		return errors.New("server ignored SIGTERM for 20s; killed it")
	}
}
