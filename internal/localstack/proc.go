package localstack

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/orchestera/orchestera/internal/domain"
)

// proc is a run's process group under supervision.
type proc struct {
	pid     int
	done    chan struct{} // closed when the process has exited
	settled chan struct{} // closed when its outcome is in the store

	mu     sync.Mutex
	reason domain.FailureReason // why we stopped it, if we did
}

// stop records why the run is being stopped and signals its whole process
// group: SIGTERM, then SIGKILL after grace. Spark's JVM is a child of the
// Python process, so signalling the group reaches it too.
func (p *proc) stop(reason domain.FailureReason, grace time.Duration) {
	p.mu.Lock()
	if p.reason == "" {
		p.reason = reason
	}
	p.mu.Unlock()
	syscall.Kill(-p.pid, syscall.SIGTERM)
	go func() {
		select {
		case <-p.done:
		case <-time.After(grace):
			syscall.Kill(-p.pid, syscall.SIGKILL)
		}
	}()
}

func (p *proc) stoppedFor() domain.FailureReason {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.reason
}

// startTime reads a process's start time (clock ticks since boot) from
// /proc, so a pid reused by another process after a reboot or a long
// downtime is never mistaken for the run's.
func startTime(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) may hold spaces; fields after it are fixed.
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0, errors.New("unexpected /proc stat format")
	}
	fields := strings.Fields(string(b[i+1:]))
	if len(fields) < 20 {
		return 0, errors.New("unexpected /proc stat format")
	}
	return strconv.ParseInt(fields[19], 10, 64) // field 22 overall
}

// alive reports whether pid is still the process that started at start.
// A zombie counts as gone: it has exited.
func alive(pid int, start int64) bool {
	if pid <= 0 {
		return false
	}
	got, err := startTime(pid)
	if err != nil || got != start {
		return false
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	i := strings.LastIndexByte(string(b), ')')
	return !strings.HasPrefix(strings.TrimSpace(string(b[i+1:])), "Z")
}
