package localrun

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

// proc is a run's process group under supervision: its init and what the
// init started.
type proc struct {
	pid     int // the init's, which leads the group
	slot    int // 0 for a run reattached from before slots
	uid     int // the run's user; 0 when it runs as the server's
	user    string
	done    chan struct{} // closed when the process has exited
	settled chan struct{} // closed when its outcome is in the store

	mu     sync.Mutex
	reason domain.FailureReason // why we stopped it, if we did
}

// stop records why the run is being stopped and sends SIGTERM to its whole
// process group: Spark's JVM is a child of the Python process, so
// signalling the group reaches it too. reap finishes the job.
func (p *proc) stop(reason domain.FailureReason) {
	p.mu.Lock()
	if p.reason == "" {
		p.reason = reason
	}
	p.mu.Unlock()
	syscall.Kill(-p.pid, syscall.SIGTERM)
}

// reap waits, after the group leader exited, until no process of the group
// is left, sending SIGKILL to stragglers after grace: a run leaves nothing
// behind, whether it ended, failed or was stopped.
func (p *proc) reap(grace time.Duration) {
	deadline := time.Now().Add(grace)
	killed := false
	for groupAlive(p.pid) {
		if !killed && time.Now().After(deadline) {
			syscall.Kill(-p.pid, syscall.SIGKILL)
			killed = true
		}
		time.Sleep(50 * time.Millisecond)
	}
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

// groupAlive reports whether any live (non-zombie) process is in process
// group pgid. Zombies do not count: whether they are reaped depends on the
// machine's init, and they hold no resources.
func groupAlive(pgid int) bool {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return false
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		state, pgrp, ok := statFields(pid)
		if ok && pgrp == pgid && state != "Z" {
			return true
		}
	}
	return false
}

// statFields reads a process's state and process group from /proc.
func statFields(pid int) (state string, pgrp int, ok bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return "", 0, false
	}
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return "", 0, false
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 3 {
		return "", 0, false
	}
	pgrp, err = strconv.Atoi(f[2])
	return f[0], pgrp, err == nil
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
	state, _, ok := statFields(pid)
	return ok && state != "Z"
}
