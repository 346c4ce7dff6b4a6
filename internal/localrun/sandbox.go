package localrun

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/orchestera/orchestera/internal/domain"
)

// sandbox is how runs are isolated on this machine, found out at start.
type sandbox struct {
	// switchUser: the server is root, so each run runs as its slot's user.
	switchUser bool
	// namespaces: runs get PID, mount and IPC namespaces of their own.
	namespaces bool
	// readOnlyRoot: inside its mount namespace the machine is read-only to
	// a run, but for its own directories.
	readOnlyRoot bool
}

// cloneFlags are the namespaces of a run's init.
const cloneFlags = syscall.CLONE_NEWPID | syscall.CLONE_NEWNS | syscall.CLONE_NEWIPC

// probe finds out what isolation this machine allows by starting an init
// that sets up the namespaces and mounts a run would get, and logs a
// WARNING for everything it cannot have.
func (e *Executor) probe(ctx context.Context) sandbox {
	log := e.cfg.Log
	if os.Geteuid() != 0 {
		log.WarnContext(ctx, "WARNING: the server does not run as root, so runs run as the server's own user, without namespaces: a pipeline can read what the server can (its files, the data directory, its processes). Run the server as root for sandboxed runs (docs/sandbox.md)",
			"uid", os.Geteuid())
		return sandbox{}
	}
	box := sandbox{switchUser: true}
	if e.cfg.NoNamespaces {
		log.WarnContext(ctx, "WARNING: namespaces are turned off: runs run as unprivileged users, but can see the machine's processes, and every descendant of a run is stopped by its init (a subreaper) rather than by the kernel")
		return box
	}
	scratch, err := os.MkdirTemp("", "orchestera-probe-")
	if err != nil {
		log.WarnContext(ctx, "WARNING: cannot probe for namespaces; runs run without them", "err", err)
		return box
	}
	defer os.RemoveAll(scratch)
	sub := filepath.Join(scratch, "sub")
	os.Mkdir(sub, 0o700)
	spec, _ := json.Marshal(initSpec{Probe: true, Mounts: &mountPlan{Hide: []string{scratch}, Reveal: []reveal{{Path: sub, Writable: true}}}})
	cmd := exec.Command(e.cfg.Self, InitCommand, "probe")
	cmd.Env = []string{}
	cmd.Stdin = bytes.NewReader(spec)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: cloneFlags, Setpgid: true}
	runErr := cmd.Run()
	var report probeReport
	if jerr := json.Unmarshal(out.Bytes(), &report); runErr != nil && jerr != nil {
		log.WarnContext(ctx, "WARNING: the kernel refused namespaces for runs (PID, mount, IPC): runs run as unprivileged users, but can see the machine's processes, and every descendant of a run is stopped by its init (a subreaper) rather than by the kernel",
			"err", runErr, "self", e.cfg.Self)
		return box
	}
	if report.Mounts != "" {
		log.WarnContext(ctx, "WARNING: namespaces work but mounting in them does not: runs run as unprivileged users without namespaces", "err", report.Mounts)
		return box
	}
	box.namespaces = true
	if report.ReadOnly != "" {
		log.WarnContext(ctx, "WARNING: the kernel cannot make the machine read-only inside a run's mount namespace (mount_setattr, Linux 5.12+): a run can write wherever its user may", "err", report.ReadOnly)
	} else {
		box.readOnlyRoot = true
	}
	log.InfoContext(ctx, "runs are sandboxed", "user", e.cfg.RunUserPrefix+"N", "namespaces", "pid,mount,ipc", "read_only_root", box.readOnlyRoot)
	return box
}

// slotUser is the unprivileged user a slot's runs run as.
type slotUser struct {
	name     string
	uid, gid int
}

// user returns a slot's user, creating it (a system user with its own
// group, no home and no shell) if needed.
func (e *Executor) user(slot int) (slotUser, error) {
	e.mu.Lock()
	u, ok := e.users[slot]
	e.mu.Unlock()
	if ok {
		return u, nil
	}
	name := e.cfg.RunUserPrefix + strconv.Itoa(slot)
	pw, err := user.Lookup(name)
	for attempt := 0; err != nil && attempt < 10; attempt++ {
		// Another server on this machine may be creating it at the same
		// time, or holding the password file's lock: look again.
		out, aerr := exec.Command("useradd", "--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent",
			"--shell", "/usr/sbin/nologin", "--comment", "Orchestera run slot "+strconv.Itoa(slot), name).CombinedOutput()
		if pw, err = user.Lookup(name); err == nil {
			break
		}
		if errors.Is(aerr, exec.ErrNotFound) {
			return slotUser{}, fmt.Errorf("runs run as the user %s, which does not exist, and useradd is not installed to create it: create it (a system user with its own group), or install useradd (Debian: passwd)", name)
		}
		if attempt == 9 {
			return slotUser{}, fmt.Errorf("creating the user %s for runs: %v: %s", name, aerr, strings.TrimSpace(string(out)))
		}
		time.Sleep(time.Duration(attempt+1) * 50 * time.Millisecond)
	}
	uid, _ := strconv.Atoi(pw.Uid)
	gid, _ := strconv.Atoi(pw.Gid)
	if uid == 0 || gid == 0 {
		return slotUser{}, fmt.Errorf("the user %s for runs has uid %s, gid %s: it must be an unprivileged user", name, pw.Uid, pw.Gid)
	}
	u = slotUser{name: name, uid: uid, gid: gid}
	e.mu.Lock()
	e.users[slot] = u
	e.mu.Unlock()
	return u, nil
}

// freeSlot is the lowest slot no live run holds.
func (e *Executor) freeSlot() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	used := map[int]bool{}
	for _, p := range e.live {
		used[p.slot] = true
	}
	for s := 1; ; s++ {
		if !used[s] {
			return s
		}
	}
}

// runMeta is what a restarted server needs to know of a run it did not
// start: the slot and user it runs as. Kept in the run directory (root only).
type runMeta struct {
	Slot int `json:"slot"`
	UID  int `json:"uid"`
	GID  int `json:"gid"`
}

func (e *Executor) readMeta(r domain.Run) runMeta {
	var m runMeta
	b, err := os.ReadFile(filepath.Join(e.runDir(r), "sandbox.json"))
	if err == nil {
		json.Unmarshal(b, &m)
	}
	return m
}

// makeTraversable gives others the search (not the read) permission on dir
// and each of its parents, so an unprivileged run can reach a directory
// below it by name: needed only without a mount namespace.
func makeTraversable(dir string) error {
	for d := dir; ; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if err != nil {
			return err
		}
		if fi.Mode().Perm()&0o001 == 0 {
			if err := os.Chmod(d, fi.Mode().Perm()|0o011); err != nil {
				return err
			}
		}
		if d == filepath.Dir(d) {
			return nil
		}
	}
}

// privateFiles makes the files directly in the data directory (the SQLite
// store, the client config) unreadable to others, since runs can traverse
// it when they have no mount namespace.
func privateFiles(home string) {
	entries, _ := os.ReadDir(home)
	for _, en := range entries {
		if en.Type().IsRegular() {
			if fi, err := en.Info(); err == nil && fi.Mode().Perm()&0o077 != 0 {
				os.Chmod(filepath.Join(home, en.Name()), fi.Mode().Perm()&0o700)
			}
		}
	}
}

// privateAncestor is the topmost directory above path that others cannot
// search, if any: a run's user cannot reach path through it.
func privateAncestor(path string) (string, bool) {
	parts := strings.Split(strings.TrimPrefix(filepath.Clean(path), "/"), "/")
	d := "/"
	for _, p := range parts[:len(parts)-1] {
		d = filepath.Join(d, p)
		if fi, err := os.Stat(d); err == nil && fi.Mode().Perm()&0o001 == 0 {
			return d, true
		}
	}
	return "", false
}

// covers are the directories a run's mount namespace covers with an empty
// tmpfs, outermost first: the data directory (or the private directory
// above it, which hides everything private below it), and the private
// directories above what the run must reach (its project, interpreter and
// Java), which are then mounted back by themselves.
func covers(home string, reach ...string) []string {
	out := []string{home}
	if d, ok := privateAncestor(home); ok {
		out[0] = d
	}
	for _, p := range reach {
		if d, ok := privateAncestor(p); ok && !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	slices.SortFunc(out, func(a, b string) int { return len(a) - len(b) })
	return out
}

// interpreterDirs are the directories an interpreter needs: its own prefix
// (a virtual environment's) and the prefix of the binary it links to.
func interpreterDirs(python string) []string {
	dirs := []string{filepath.Dir(filepath.Dir(python))}
	if real, err := filepath.EvalSymlinks(python); err == nil {
		if d := filepath.Dir(filepath.Dir(real)); !slices.Contains(dirs, d) {
			dirs = append(dirs, d)
		}
	}
	return dirs
}

// giveBack returns what a run's user created to root when the run is over,
// so no later run (of any slot) can read it, and removes its /tmp. Only
// files the run's user owns are touched, never through a symbolic link.
func giveBack(uid int, dirs ...string) {
	for _, dir := range dirs {
		filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return nil
			}
			fi, err := os.Lstat(path)
			if err != nil {
				return nil
			}
			st, ok := fi.Sys().(*syscall.Stat_t)
			if !ok || int(st.Uid) != uid {
				return nil
			}
			os.Lchown(path, 0, 0)
			if fi.Mode()&(fs.ModeSetuid|fs.ModeSetgid) != 0 && fi.Mode()&fs.ModeSymlink == 0 {
				os.Chmod(path, fi.Mode().Perm())
			}
			return nil
		})
	}
}
