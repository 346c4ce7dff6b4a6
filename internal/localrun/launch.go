package localrun

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"unicode"
	"unicode/utf8"

	"github.com/orchestera/orchestera/internal/domain"
	"github.com/orchestera/orchestera/internal/runenv"
)

// start moves a pending run to starting, launches it and supervises it.
func (e *Executor) start(ctx context.Context, r domain.Run) {
	r.State = domain.RunStarting
	if err := e.cfg.Store.UpdateRun(ctx, r, domain.RunPending); err != nil {
		return // cancelled or taken meanwhile
	}
	p, err := e.launch(r)
	if err != nil {
		e.fail(ctx, r, domain.ReasonPlatformError, err.Error())
		return
	}
	now := e.now()
	r.State, r.StartedAt, r.PID = domain.RunRunning, &now, p.pid
	r.PIDStart, _ = startTime(p.pid)
	if err := e.cfg.Store.UpdateRun(ctx, r, domain.RunStarting); err != nil {
		// Cancelled while it was starting: stop what we just launched.
		p.stop(domain.ReasonCancelled)
	}
	e.cfg.Log.InfoContext(ctx, "run started", "run_id", r.ID, "org_id", r.OrgID, "pid", p.pid, "user", p.user)
	e.supervise(r, p)
}

// launch checks the machine, prepares the run's directories and starts its
// init, which starts the pipeline.
func (e *Executor) launch(r domain.Run) (*proc, error) {
	if err := javaInstalled(e.cfg.Java); err != nil {
		return nil, err
	}
	python, err := exec.LookPath(e.cfg.Python)
	if err == nil {
		python, err = filepath.Abs(python)
	}
	if err != nil {
		return nil, fmt.Errorf("the Python interpreter %q was not found; start the server with --python pointing at one with the orchestera runtime and pyspark (make demo builds build/venv)", e.cfg.Python)
	}
	if fi, err := os.Stat(r.Spec.Project); err != nil || !fi.IsDir() {
		return nil, fmt.Errorf("the project directory %s is gone", r.Spec.Project)
	}
	if filepath.Base(r.OrgID) != r.OrgID || filepath.Base(r.ID) != r.ID {
		return nil, fmt.Errorf("run %q of organization %q: unexpected ids", r.ID, r.OrgID)
	}
	secretEnv, err := e.secretEnv(r.OrgID, r.Namespace, r.Spec.PullSecretsFrom)
	if err != nil {
		return nil, err
	}
	slot := e.freeSlot()
	u := slotUser{name: currentUser()}
	if e.box.switchUser {
		if u, err = e.user(slot); err != nil {
			return nil, err
		}
	}
	d, err := e.prepare(r, slot, u)
	if err != nil {
		return nil, err
	}
	argv := []string{python, "-m", "orchestera.entrypoints.run", r.Spec.Classpath, "--application-name", r.Spec.ApplicationName}
	for _, a := range r.Spec.Args {
		argv = append(argv, "--"+a.Key, a.Value)
	}
	if err := writeHeader(d.log, r, argv); err != nil {
		return nil, err
	}
	spec := initSpec{
		Argv: argv, Env: e.runEnv(r, d, python, secretEnv), Dir: r.Spec.Project,
		LogFile: d.log, ExitFile: filepath.Join(d.run, "exit"), LogCap: e.cfg.LogCap, UID: u.uid, GID: u.gid,
	}
	attr := &syscall.SysProcAttr{Setpgid: true}
	if e.box.namespaces {
		attr.Cloneflags = cloneFlags
		reach := append([]string{r.Spec.Project}, interpreterDirs(python)...)
		if jh := os.Getenv("JAVA_HOME"); filepath.IsAbs(jh) {
			if fi, err := os.Stat(jh); err == nil && fi.IsDir() {
				reach = append(reach, filepath.Clean(jh))
			}
		}
		spec.Mounts = &mountPlan{Tmp: d.tmp, Hide: covers(e.cfg.Home, reach...), ReadOnlyRoot: e.box.readOnlyRoot,
			Reveal: []reveal{{Path: d.run, Writable: true}}}
		for _, p := range reach {
			spec.Mounts.Reveal = append(spec.Mounts.Reveal, reveal{Path: p})
		}
	}
	b, err := json.Marshal(spec)
	if err != nil {
		return nil, err
	}
	// The init's own environment is empty: it is readable wherever its
	// process is, and everything it needs is in the spec.
	cmd := exec.Command(e.cfg.Self, InitCommand, r.ID)
	cmd.Env = []string{}
	cmd.Stdin = bytes.NewReader(b)
	cmd.SysProcAttr = attr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting the run's init %s: %w", e.cfg.Self, err)
	}
	p := &proc{pid: cmd.Process.Pid, slot: slot, uid: u.uid, user: u.name, done: make(chan struct{}), settled: make(chan struct{})}
	go func() { cmd.Wait(); close(p.done) }()
	return p, nil
}

// runDirs are the paths of one run.
type runDirs struct {
	run  string // Home/runs/<org>/<run>: log, exit, result (the run may write only the result)
	work string // ORCH_RUN_DIR: outputs
	home string // HOME
	tmp  string // its /tmp, removed when it ends
	log  string
}

// prepare makes a run's directories. As root, the run's user owns only
// its work, home and tmp directories and its result file; the run
// directory itself, its log and exit file stay root's. Without a mount
// namespace the way to them must be searchable by others, never listable.
func (e *Executor) prepare(r domain.Run, slot int, u slotUser) (runDirs, error) {
	org := filepath.Join(e.cfg.Home, "runs", r.OrgID)
	d := runDirs{run: filepath.Join(org, r.ID), tmp: e.tmpDir(r)}
	d.work, d.home, d.log = filepath.Join(d.run, "work"), filepath.Join(d.run, "home"), filepath.Join(d.run, "log")
	shared := os.FileMode(0o700) // directories the run must cross
	if e.box.switchUser && !e.box.namespaces {
		shared = 0o711
	}
	for _, dir := range []string{org, filepath.Dir(d.tmp)} {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return d, fmt.Errorf("creating the run directory: %w", err)
		}
	}
	if shared != 0o700 {
		// Searchable, never listable: the data directory and what is in it
		// on the way to the run's directories; its parents only gain o+x.
		for _, dir := range []string{e.cfg.Home, filepath.Dir(org), org, filepath.Dir(d.tmp)} {
			if err := os.Chmod(dir, shared); err != nil {
				return d, fmt.Errorf("making %s searchable for runs: %w", dir, err)
			}
		}
		if err := makeTraversable(filepath.Dir(e.cfg.Home)); err != nil {
			return d, fmt.Errorf("making the way to %s searchable for runs: %w", e.cfg.Home, err)
		}
		privateFiles(e.cfg.Home)
	}
	runMode := os.FileMode(0o700)
	if e.box.switchUser {
		runMode = 0o711
	}
	if err := os.Mkdir(d.run, runMode); err != nil && !os.IsExist(err) {
		return d, fmt.Errorf("creating the run directory: %w", err)
	}
	os.Chmod(d.run, runMode)
	for _, dir := range []string{d.work, d.home, d.tmp} {
		if err := os.Mkdir(dir, 0o700); err != nil && !os.IsExist(err) {
			return d, fmt.Errorf("creating the run directory: %w", err)
		}
	}
	result := filepath.Join(d.run, "result")
	if err := os.WriteFile(result, nil, 0o600); err != nil {
		return d, fmt.Errorf("creating the run's result file: %w", err)
	}
	if e.box.switchUser {
		for _, p := range []string{d.work, d.home, d.tmp, result} {
			if err := os.Lchown(p, u.uid, u.gid); err != nil {
				return d, fmt.Errorf("giving %s to %s: %w", p, u.name, err)
			}
		}
	}
	meta, _ := json.Marshal(runMeta{Slot: slot, UID: u.uid, GID: u.gid})
	if err := os.WriteFile(filepath.Join(d.run, "sandbox.json"), meta, 0o600); err != nil {
		return d, err
	}
	return d, nil
}

// runEnv is everything a run's environment holds, and nothing else of the
// server's: the pulled secrets, then the runtime contract (package runenv),
// PATH, HOME and TMPDIR of its own, Java, the locale and time zone, and its
// code on PYTHONPATH. The platform's values win over a secret's.
func (e *Executor) runEnv(r domain.Run, d runDirs, python string, secretEnv []string) []string {
	vars := map[string]string{}
	var order []string
	set := func(k, v string) {
		if _, ok := vars[k]; !ok {
			order = append(order, k)
		}
		vars[k] = v
	}
	for _, kv := range secretEnv {
		k, v, _ := strings.Cut(kv, "=")
		set(k, v)
	}
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		if k == "PATH" || k == "JAVA_HOME" || k == "LANG" || k == "TZ" || strings.HasPrefix(k, "LC_") {
			set(k, v)
		}
	}
	if vars["PATH"] == "" {
		set("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
	}
	tmp := d.tmp
	if e.box.namespaces {
		tmp = "/tmp" // its own
	}
	set("HOME", d.home)
	set("TMPDIR", tmp)
	for _, kv := range (runenv.Vars{StackKind: "local", Namespace: r.Namespace, RunID: r.ID, RunDir: d.work, Secrets: r.Spec.PullSecretsFrom,
		ExecutorInstances: r.Spec.ExecutorInstances, ExecutorCores: r.Spec.ExecutorCores, ExecutorMemory: r.Spec.ExecutorMemory,
		ResultFile: filepath.Join(d.run, "result")}).Environ() {
		k, v, _ := strings.Cut(kv, "=")
		set(k, v)
	}
	set("PYTHONPATH", r.Spec.Project)
	set("PYSPARK_PYTHON", python)
	env := make([]string, 0, len(order))
	for _, k := range order {
		env = append(env, k+"="+vars[k])
	}
	return env
}

func currentUser() string {
	if u, err := user.LookupId(strconv.Itoa(os.Geteuid())); err == nil {
		return u.Username
	}
	return strconv.Itoa(os.Geteuid())
}

// writeHeader writes the log's first line: the exact command, each
// argument quoted as a shell would need it, so a value can never start a
// line of its own.
func writeHeader(path string, r domain.Run, argv []string) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("creating the log: %w", err)
	}
	defer f.Close()
	quoted := make([]string, len(argv))
	for i, a := range argv {
		quoted[i] = shellQuote(a)
	}
	_, err = fmt.Fprintf(f, "[orchestera] run %s on stack %s, namespace %s: %s\n", r.ID, r.StackName, r.Namespace, strings.Join(quoted, " "))
	return err
}

// shellQuote quotes s for bash: bare when it is plain, in single quotes when
// it is printable, else as $'...' with every control character escaped.
func shellQuote(s string) string {
	plain := s != ""
	printable := utf8.ValidString(s)
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("_-./:=,@%+", c)) {
			plain = false
		}
		if !unicode.IsPrint(c) && c != ' ' {
			printable = false
		}
	}
	switch {
	case plain:
		return s
	case printable:
		return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
	}
	var b strings.Builder
	b.WriteString("$'")
	for i := 0; i < len(s); {
		c, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case c == '\\' || c == '\'':
			b.WriteByte('\\')
			b.WriteRune(c)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\t':
			b.WriteString(`\t`)
		case c == '\r':
			b.WriteString(`\r`)
		case c == utf8.RuneError && size == 1, !unicode.IsPrint(c) && c != ' ':
			for _, x := range []byte(s[i : i+size]) {
				fmt.Fprintf(&b, `\x%02x`, x)
			}
		default:
			b.WriteRune(c)
		}
		i += size
	}
	b.WriteString("'")
	return b.String()
}

// javaInstalled: Spark needs a Java runtime; say exactly what to install.
func javaInstalled(java string) error {
	if home := os.Getenv("JAVA_HOME"); home != "" {
		if _, err := os.Stat(filepath.Join(home, "bin", "java")); err == nil {
			return nil
		}
	}
	if _, err := exec.LookPath(java); err == nil {
		return nil
	}
	return fmt.Errorf("Java was not found, and Spark needs it: install a Java 17 runtime (Debian/Ubuntu: apt-get install openjdk-17-jre-headless) or set JAVA_HOME")
}
