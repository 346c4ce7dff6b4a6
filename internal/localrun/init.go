package localrun

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unsafe"
)

// InitCommand is the hidden first argument with which this binary runs as
// a run's init: `orchestera internal-run-init <run id>`, its spec on stdin.
// The server's main (and the tests' TestMain) hand it to InitMain.
const InitCommand = "internal-run-init"

// initSpec is what the executor tells a run's init, on its stdin: it holds
// the run's environment (secrets included), so it never touches the disk.
type initSpec struct {
	Probe    bool       `json:"probe,omitempty"`
	Argv     []string   `json:"argv"`
	Env      []string   `json:"env"`
	Dir      string     `json:"dir"`
	LogFile  string     `json:"log_file"`
	ExitFile string     `json:"exit_file"`
	LogCap   int64      `json:"log_cap"`
	UID      int        `json:"uid"` // 0: run as the init's own user
	GID      int        `json:"gid"`
	Mounts   *mountPlan `json:"mounts,omitempty"` // nil without a mount namespace
}

// mountPlan is the run's view of the machine, built in its own mount
// namespace.
type mountPlan struct {
	// Tmp is the run's own directory mounted on /tmp, /var/tmp and /dev/shm.
	Tmp string `json:"tmp,omitempty"`
	// Hide are directories covered by an empty, read-only tmpfs: the data
	// directory, or the private directory above it.
	Hide []string `json:"hide"`
	// Reveal are directories mounted back at their own path when a cover
	// hides them: the run's directory (writable), its project, interpreter
	// and Java (read-only).
	Reveal []reveal `json:"reveal"`
	// ReadOnlyRoot makes every other mount read-only (and nosuid).
	ReadOnlyRoot bool `json:"read_only_root"`
}

type reveal struct {
	Path     string `json:"path"`
	Writable bool   `json:"writable,omitempty"`
}

// exitRecord is what the init writes to the exit file once every process of
// the run is gone: a restarted server reads it.
type exitRecord struct {
	Code   *int   `json:"exit_code,omitempty"`
	Signal int    `json:"signal,omitempty"`
	Error  string `json:"error,omitempty"` // the init could not start the pipeline
}

// probeReport is a probe's answer: what failed, by part.
type probeReport struct {
	Mounts   string `json:"mounts,omitempty"`
	ReadOnly string `json:"read_only,omitempty"`
}

// InitMain is a run's init. It is started by the executor in the run's new
// namespaces (when it has them) and outlives the server. It builds the
// run's view of the machine, starts the pipeline as the run's user with
// its output capped into the log, ignores the SIGTERM the executor sends to
// the whole process group, waits, ends every other process of the run, and
// writes the exit file. As PID 1 of its namespace its own exit kills every
// descendant; without one it is their subreaper and kills them itself.
func InitMain() int {
	// no_new_privs and the parent-death signal are per thread: keep the
	// thread that forks the pipeline.
	runtime.LockOSThread()
	var spec initSpec
	if err := json.NewDecoder(os.Stdin).Decode(&spec); err != nil {
		fmt.Fprintln(os.Stderr, "orchestera internal-run-init: reading the spec:", err)
		return 125
	}
	if spec.Probe {
		return probeMain(spec)
	}
	signal.Notify(make(chan os.Signal, 1), syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	code, rec := run(spec)
	if rec.Error != "" {
		if log, err := os.OpenFile(spec.LogFile, os.O_WRONLY|os.O_APPEND, 0); err == nil {
			fmt.Fprintf(log, "[orchestera] %s\n", rec.Error)
			log.Close()
		}
	}
	writeExit(spec, rec)
	return code
}

func probeMain(spec initSpec) int {
	var report probeReport
	if err := buildView(spec.Mounts); err != nil {
		report.Mounts = err.Error()
	} else if err := setReadOnly("/", true, true); err != nil {
		report.ReadOnly = err.Error()
	}
	json.NewEncoder(os.Stdout).Encode(report)
	return 0
}

// run starts the pipeline and waits for the end of every process of it.
func run(spec initSpec) (int, exitRecord) {
	if err := prctl(pr_SET_CHILD_SUBREAPER, 1); err != nil {
		return 125, exitRecord{Error: "becoming a subreaper: " + err.Error()}
	}
	if spec.Mounts != nil {
		if err := buildView(spec.Mounts); err != nil {
			return 125, exitRecord{Error: "building the run's sandbox: " + err.Error()}
		}
	}
	// Opened only now: a file open for writing keeps a mount from becoming
	// read-only.
	log, err := os.OpenFile(spec.LogFile, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return 125, exitRecord{Error: "opening the log: " + err.Error()}
	}
	defer log.Close()
	if err := prctl(pr_SET_NO_NEW_PRIVS, 1); err != nil {
		return 125, exitRecord{Error: "setting no_new_privs: " + err.Error()}
	}
	syscall.Umask(0o077)
	devnull, err := os.Open(os.DevNull)
	if err != nil {
		return 125, exitRecord{Error: err.Error()}
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		return 125, exitRecord{Error: err.Error()}
	}
	attr := &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if spec.UID != 0 {
		attr.Credential = &syscall.Credential{Uid: uint32(spec.UID), Gid: uint32(spec.GID), Groups: []uint32{}}
	}
	child, err := syscall.ForkExec(spec.Argv[0], spec.Argv, &syscall.ProcAttr{
		Dir: spec.Dir, Env: spec.Env, Files: []uintptr{devnull.Fd(), pw.Fd(), pw.Fd()}, Sys: attr,
	})
	pw.Close()
	devnull.Close()
	if err != nil {
		pr.Close()
		who := "the server's user"
		if spec.UID != 0 {
			who = "an unprivileged user (uid " + strconv.Itoa(spec.UID) + ")"
		}
		return 125, exitRecord{Error: fmt.Sprintf("starting %s in %s as %s: %v; the interpreter and the project directory must be readable by that user (chmod o+rX)",
			spec.Argv[0], spec.Dir, who, err)}
	}
	copied := make(chan struct{})
	go func() { capCopy(log, pr, spec.LogCap); close(copied) }()

	status := make(chan syscall.WaitStatus, 1)
	allGone := make(chan struct{})
	go func() { // the one reaper: of the pipeline and of every orphan of the run
		for {
			var ws syscall.WaitStatus
			pid, err := syscall.Wait4(-1, &ws, 0, nil)
			if errors.Is(err, syscall.EINTR) {
				continue
			}
			if err != nil {
				close(allGone)
				return
			}
			if pid == child {
				status <- ws
			}
		}
	}()
	ws := <-status
	// The pipeline is done: nothing it started may outlive it.
	for done := false; !done; {
		killRest()
		select {
		case <-allGone:
			done = true
		case <-time.After(100 * time.Millisecond):
		}
	}
	pr.SetReadDeadline(time.Now().Add(5 * time.Second))
	<-copied
	pr.Close()
	switch {
	case ws.Exited():
		code := ws.ExitStatus()
		return code, exitRecord{Code: &code}
	case ws.Signaled():
		return 128 + int(ws.Signal()), exitRecord{Signal: int(ws.Signal())}
	}
	return 125, exitRecord{Error: "the pipeline ended in an unknown way: " + strconv.Itoa(int(ws))}
}

// killRest ends every other process of the run: as PID 1 of a namespace,
// all of its processes; otherwise every descendant, which as a subreaper
// includes the orphans of the run.
func killRest() {
	if os.Getpid() == 1 {
		syscall.Kill(-1, syscall.SIGKILL)
		return
	}
	for _, pid := range descendants(os.Getpid()) {
		syscall.Kill(pid, syscall.SIGKILL)
	}
}

// descendants lists the processes below pid, from /proc.
func descendants(root int) []int {
	entries, _ := os.ReadDir("/proc")
	children := map[int][]int{}
	for _, en := range entries {
		pid, err := strconv.Atoi(en.Name())
		if err != nil {
			continue
		}
		if ppid, ok := parentOf(pid); ok {
			children[ppid] = append(children[ppid], pid)
		}
	}
	var out []int
	queue := []int{root}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, c := range children[p] {
			out = append(out, c)
			queue = append(queue, c)
		}
	}
	return out
}

func parentOf(pid int) (int, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, false
	}
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 2 {
		return 0, false
	}
	ppid, err := strconv.Atoi(f[1])
	return ppid, err == nil
}

// capCopy copies the pipeline's output into the log, at most limit bytes;
// past that one line says so and the rest is discarded.
func capCopy(log io.Writer, r io.Reader, limit int64) {
	buf := make([]byte, 32<<10)
	var n int64
	truncated := false
	for {
		k, err := r.Read(buf)
		if k > 0 && !truncated {
			chunk := buf[:k]
			if n+int64(k) > limit {
				chunk = chunk[:limit-n]
				if i := lastNewline(chunk); i >= 0 {
					chunk = chunk[:i+1]
				} else if n > 0 {
					chunk = nil
				}
				if len(chunk) > 0 && chunk[len(chunk)-1] != '\n' {
					chunk = append(chunk[:len(chunk):len(chunk)], '\n')
				}
				log.Write(chunk)
				fmt.Fprintf(log, "[orchestera: log truncated at %d bytes]\n", limit)
				truncated = true
			} else {
				log.Write(chunk)
				n += int64(k)
			}
		}
		if err != nil {
			return
		}
	}
}

func lastNewline(b []byte) int {
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] == '\n' {
			return i
		}
	}
	return -1
}

// writeExit writes the exit record atomically and returns the init's own
// exit code for an error record.
func writeExit(spec initSpec, rec exitRecord) int {
	b, _ := json.Marshal(rec)
	tmp := spec.ExitFile + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o600); err == nil {
		os.Rename(tmp, spec.ExitFile)
	}
	return 125
}

// buildView makes the run's view of the machine in its mount namespace.
func buildView(plan *mountPlan) error {
	if err := syscall.Mount("", "/", "", syscall.MS_REC|syscall.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("making mounts private: %w", err)
	}
	// Hold every source before anything covers it.
	fds := map[string]int{}
	defer func() {
		for _, fd := range fds {
			syscall.Close(fd)
		}
	}()
	hold := func(path string) error {
		if _, ok := fds[path]; ok {
			return nil
		}
		fd, err := syscall.Open(path, o_PATH|syscall.O_DIRECTORY|syscall.O_CLOEXEC, 0)
		if err != nil {
			return fmt.Errorf("opening %s: %w", path, err)
		}
		fds[path] = fd
		return nil
	}
	if plan.Tmp != "" {
		if err := hold(plan.Tmp); err != nil {
			return err
		}
	}
	for _, r := range plan.Reveal {
		if err := hold(r.Path); err != nil {
			return err
		}
	}
	if err := syscall.Mount("proc", "/proc", "proc", syscall.MS_NOSUID|syscall.MS_NODEV|syscall.MS_NOEXEC, ""); err != nil {
		return fmt.Errorf("mounting /proc: %w", err)
	}
	fdPath := func(path string) string { return "/proc/self/fd/" + strconv.Itoa(fds[path]) }
	var covers, hidden, writable []string
	if plan.Tmp != "" {
		for _, t := range []string{"/tmp", "/var/tmp", "/dev/shm"} {
			if fi, err := os.Lstat(t); err != nil || !fi.IsDir() {
				continue
			}
			if err := syscall.Mount(fdPath(plan.Tmp), t, "", syscall.MS_BIND, ""); err != nil {
				return fmt.Errorf("mounting the run's own %s: %w", t, err)
			}
			covers, writable = append(covers, t), append(writable, t)
		}
	}
	for _, h := range plan.Hide {
		if fi, err := os.Lstat(h); err != nil || !fi.IsDir() {
			continue // hidden already by a cover above it
		}
		if err := syscall.Mount("tmpfs", h, "tmpfs", syscall.MS_NOSUID|syscall.MS_NODEV|syscall.MS_NOEXEC, "mode=0711,size=1m"); err != nil {
			return fmt.Errorf("hiding %s: %w", h, err)
		}
		covers, hidden = append(covers, h), append(hidden, h)
	}
	for _, r := range plan.Reveal {
		if !under(r.Path, covers) {
			continue
		}
		if err := os.MkdirAll(r.Path, 0o711); err != nil {
			return fmt.Errorf("making the mount point %s: %w", r.Path, err)
		}
		if err := syscall.Mount(fdPath(r.Path), r.Path, "", syscall.MS_BIND|syscall.MS_REC, ""); err != nil {
			return fmt.Errorf("mounting %s back: %w", r.Path, err)
		}
		if r.Writable {
			writable = append(writable, r.Path)
		} else if !plan.ReadOnlyRoot {
			if err := syscall.Mount("", r.Path, "", syscall.MS_REMOUNT|syscall.MS_BIND|syscall.MS_RDONLY|syscall.MS_NOSUID|syscall.MS_NODEV, ""); err != nil {
				return fmt.Errorf("making %s read-only: %w", r.Path, err)
			}
		}
	}
	if plan.ReadOnlyRoot {
		if err := setReadOnly("/", true, true); err != nil {
			return fmt.Errorf("making the machine read-only: %w", err)
		}
		for _, w := range append(writable, "/proc") {
			if err := setReadOnly(w, false, false); err != nil {
				return fmt.Errorf("making %s writable: %w", w, err)
			}
		}
		return nil
	}
	for _, h := range hidden {
		if err := syscall.Mount("", h, "", syscall.MS_REMOUNT|syscall.MS_RDONLY|syscall.MS_NOSUID|syscall.MS_NODEV|syscall.MS_NOEXEC, ""); err != nil {
			return fmt.Errorf("making %s read-only: %w", h, err)
		}
	}
	return nil
}

// under reports whether path is one of dirs or below one.
func under(path string, dirs []string) bool {
	for _, d := range dirs {
		if path == d || strings.HasPrefix(path, strings.TrimSuffix(d, "/")+"/") {
			return true
		}
	}
	return false
}

// Linux constants the syscall package lacks.
const (
	o_PATH                 = 0x200000
	pr_SET_NO_NEW_PRIVS    = 38
	pr_SET_CHILD_SUBREAPER = 36
	sys_MOUNT_SETATTR      = 442
	at_RECURSIVE           = 0x8000
	mount_ATTR_RDONLY      = 0x1
	mount_ATTR_NOSUID      = 0x2
	mountAttrSize          = 32
)

func prctl(option, arg int) error {
	if _, _, errno := syscall.RawSyscall6(syscall.SYS_PRCTL, uintptr(option), uintptr(arg), 0, 0, 0, 0); errno != 0 {
		return errno
	}
	return nil
}

// setReadOnly sets (or clears) the read-only flag of the mount at path, and
// of every mount below it when recursive; setting also sets nosuid.
func setReadOnly(path string, readOnly, recursive bool) error {
	attr := struct{ set, clr, propagation, userns uint64 }{}
	if readOnly {
		attr.set = mount_ATTR_RDONLY | mount_ATTR_NOSUID
	} else {
		attr.clr = mount_ATTR_RDONLY
	}
	flags := 0
	if recursive {
		flags |= at_RECURSIVE
	}
	p, err := syscall.BytePtrFromString(filepath.Clean(path))
	if err != nil {
		return err
	}
	dirfd := -100 // AT_FDCWD
	if _, _, errno := syscall.Syscall6(sys_MOUNT_SETATTR, uintptr(dirfd), uintptr(unsafe.Pointer(p)), uintptr(flags),
		uintptr(unsafe.Pointer(&attr)), mountAttrSize, 0); errno != 0 {
		return errno
	}
	return nil
}
