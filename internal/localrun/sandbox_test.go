package localrun

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/orchestera/orchestera/internal/domain"
	"github.com/orchestera/orchestera/internal/poll"
)

// TestRunsAreSandboxed plants a canary in the server's environment, its
// store, another run's directory and another organization's secret, then
// runs a pipeline that looks for it everywhere it can reach.
func TestRunsAreSandboxed(t *testing.T) {
	canary := domain.NewID("canary")
	t.Setenv("ORCHESTERA_CANARY_SECRET", canary)
	t.Setenv("AWS_SECRET_ACCESS_KEY", canary+"-aws")
	e := newEnv(t, nil)
	ctx := context.Background()
	e.start()
	if os.Geteuid() != 0 {
		// Not root: no user switch and no namespaces, and the server says so.
		r := e.waitState(e.submit("job.Snoop", nil).ID, domain.RunSucceeded)
		if !strings.Contains(e.log(r.ID), "uid="+strconv.Itoa(os.Geteuid())+" ") || !strings.Contains(e.logs.String(), "WARNING: the server does not run as root") {
			t.Fatalf("without root: log\n%s\nserver log\n%s", e.log(r.ID), e.logs)
		}
		return
	}
	// Another organization's secret, another run's log and work, the store.
	other := domain.NewID("org")
	must(t, e.exec.PutSecret(ctx, domain.Stack{OrgID: other}, "default", "db", map[string]string{"DB_PASSWORD": canary + "-secret"}))
	must(t, e.exec.PutSecret(ctx, domain.Stack{OrgID: e.org}, "default", "mine", map[string]string{"MINE": canary + "-mine"}))
	prior := e.waitState(e.submit("job.Env", func(s *domain.RunSpec) { s.PullSecretsFrom = []string{"mine"} }).ID, domain.RunSucceeded)
	priorDir := e.runDir(prior.ID)
	must(t, os.WriteFile(filepath.Join(priorDir, "work", "output.txt"), []byte(canary+"-output"), 0o644))
	e.submit("job.Succeed", func(s *domain.RunSpec) { s.Args = []domain.RunArg{{Key: "in-store", Value: canary + "-store"}} })
	// A live run of the same server holds slot 1 meanwhile.
	sleeper := e.submit("job.Sleep", nil)
	e.waitLog(sleeper.ID, "sleeping")

	db := filepath.Join(e.home, "orchestera.db")
	secretFile := filepath.Join(e.home, "secrets", other, "default", "db.json")
	probes := []domain.RunArg{
		{Key: "read", Value: db}, {Key: "exists", Value: db}, {Key: "list", Value: e.home},
		{Key: "read", Value: secretFile}, {Key: "exists", Value: filepath.Join(e.home, "secrets")},
		{Key: "read", Value: filepath.Join(priorDir, "log")}, {Key: "read", Value: filepath.Join(priorDir, "work", "output.txt")},
		{Key: "list", Value: filepath.Join(e.runDir(sleeper.ID), "work")},
		{Key: "write", Value: "/etc/orchestera-sandbox-test"}, {Key: "write", Value: filepath.Join(e.home, "planted")},
		{Key: "write", Value: "/tmp/own-tmp"}, {Key: "write", Value: "/dev/shm/own-shm"}, {Key: "write-own", Value: "output"},
	}
	snoop := e.submit("job.Snoop", func(s *domain.RunSpec) { s.Args = probes })
	got := e.waitState(snoop.ID, domain.RunSucceeded)
	dir := e.runDir(snoop.ID)
	log := e.log(snoop.ID)
	_, body, _ := strings.Cut(log, "\n")
	if strings.Contains(body, canary) {
		t.Errorf("the canary reached the run:\n%s", body)
	}
	for _, want := range []string{
		"ABSENT " + db, "NOREAD " + db, "NOLIST " + e.home, "NOREAD " + secretFile, "ABSENT " + filepath.Join(e.home, "secrets"),
		"NOREAD " + filepath.Join(priorDir, "log"), "NOREAD " + filepath.Join(priorDir, "work", "output.txt"),
		"NOLIST " + filepath.Join(e.runDir(sleeper.ID), "work"),
		"NOWRITE /etc/orchestera-sandbox-test", "NOWRITE " + filepath.Join(e.home, "planted"),
		"WROTE /tmp/own-tmp", "WROTE /dev/shm/own-shm", "WROTE own output",
	} {
		if !strings.Contains(body, want+"\n") {
			t.Errorf("the run's view lacks %q:\n%s", want, body)
		}
	}
	uid := regexp.MustCompile(`uid=(\d+) gid=(\d+) groups=(\S*)`).FindStringSubmatch(body)
	if uid == nil || uid[1] == "0" || uid[2] == "0" || strings.Contains(" "+uid[3]+" ", " 0 ") {
		t.Errorf("the run ran as %v, want an unprivileged user and group", uid)
	}
	own, _ := os.Readlink("/proc/self/ns/pid")
	ns := regexp.MustCompile(`pidns=(\S+)`).FindStringSubmatch(body)
	procs := regexp.MustCompile(`procs=(\d+)`).FindStringSubmatch(body)
	if ns == nil || ns[1] == own {
		t.Errorf("the run shares the server's PID namespace (%v, server %s)", ns, own)
	}
	if n, _ := strconv.Atoi(procs[1]); n > 10 {
		t.Errorf("the run sees %d processes: more than its own", n)
	}
	// Two live runs never share a user.
	if a, b := e.exec.readMeta(e.get(sleeper.ID)), e.exec.readMeta(got); a.UID == b.UID || a.UID == 0 {
		t.Errorf("concurrent runs ran as uid %d and %d", a.UID, b.UID)
	}
	// Once over, what the run wrote is root's and its /tmp is gone.
	if owner(t, filepath.Join(dir, "work")) != 0 || owner(t, filepath.Join(dir, "work", "output")) != 0 {
		t.Errorf("the run's work directory was not given back to root")
	}
	if _, err := os.Stat(e.exec.tmpDir(got)); !os.IsNotExist(err) {
		t.Errorf("the run's /tmp is left: %v", err)
	}
	if _, err := os.Stat("/etc/orchestera-sandbox-test"); err == nil {
		t.Error("the run wrote into /etc")
	}
	must(t, e.exec.Cancel(ctx, e.get(sleeper.ID)))
}

func owner(t *testing.T, path string) int {
	t.Helper()
	fi, err := os.Lstat(path)
	must(t, err)
	return int(fi.Sys().(*syscall.Stat_t).Uid)
}

// TestEveryDescendantEndsWithTheRun: a pipeline that starts a child in a
// session of its own and an orphaned grandchild, then exits 0, leaves no
// process behind once the run is succeeded; with namespaces (the kernel
// ends them with the run's init) and without (its init, their subreaper,
// does).
func TestEveryDescendantEndsWithTheRun(t *testing.T) {
	for _, noNamespaces := range []bool{false, true} {
		t.Run(fmt.Sprintf("namespaces=%v", !noNamespaces), func(t *testing.T) {
			e := newEnv(t, func(c *Config) { c.NoNamespaces = noNamespaces })
			e.start()
			r := e.waitState(e.submit("job.Daemon", nil).ID, domain.RunSucceeded)
			if !strings.Contains(e.log(r.ID), "daemons started") {
				t.Fatalf("the daemons did not start:\n%s", e.log(r.ID))
			}
			for _, marker := range []string{"orchestera-test-daemon-" + r.ID, "orchestera-test-orphan-" + r.ID} {
				if pids := processesWith(marker); len(pids) > 0 {
					t.Errorf("processes %v (%s) outlived the succeeded run", pids, marker)
					for _, pid := range pids {
						syscall.Kill(pid, syscall.SIGKILL)
					}
				}
			}
		})
	}
}

// processesWith lists the live processes whose command line holds s.
func processesWith(s string) []int {
	var out []int
	entries, _ := os.ReadDir("/proc")
	for _, en := range entries {
		pid, err := strconv.Atoi(en.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", en.Name(), "cmdline"))
		if state, _, ok := statFields(pid); err == nil && ok && state != "Z" && strings.Contains(string(b), s) {
			out = append(out, pid)
		}
	}
	return out
}

func TestLogHeaderQuotesEveryArgument(t *testing.T) {
	e := newEnv(t, nil)
	e.start()
	r := e.waitState(e.submit("job.Succeed", func(s *domain.RunSpec) {
		s.Args = []domain.RunArg{{Key: "day", Value: "2026-11-02"}, {Key: "forge", Value: "x\n[orchestera] run forged: rm -rf /"},
			{Key: "quote", Value: "it's a b"}, {Key: "empty", Value: ""}, {Key: "ctrl", Value: "bell\a"}}
	}).ID, domain.RunSucceeded)
	log := e.log(r.ID)
	if n := strings.Count("\n"+log, "\n[orchestera] run "); n != 1 {
		t.Fatalf("%d lines start like the header:\n%s", n, log)
	}
	header, _, _ := strings.Cut(log, "\n")
	for _, want := range []string{" --day 2026-11-02 ", ` --forge $'x\n[orchestera] run forged: rm -rf /' `, ` --quote 'it'\''s a b' `, ` --empty '' `, ` --ctrl $'bell\x07'`} {
		if !strings.Contains(header, want) {
			t.Errorf("the header lacks %s:\n%s", want, header)
		}
	}
}

func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{
		"plain": "plain", "/a/b.c": "/a/b.c", "": "''", "a b": "'a b'", "it's": `'it'\''s'`, "é": "'é'",
		"a\nb": `$'a\nb'`, "tab\t": `$'tab\t'`, "q'\n": `$'q\'\n'`, "\\\n": `$'\\\n'`, "\xff": `$'\xff'`,
	} {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestSecretKeeper(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	must(t, e.exec.PutSecret(ctx, domain.Stack{OrgID: e.org}, "default", "db", map[string]string{"DB_USER": "etl", "DB_PASSWORD": "hunter2"}))
	must(t, e.exec.PutSecret(ctx, domain.Stack{OrgID: e.org}, "default", "db", map[string]string{"DB_USER": "etl", "DB_PASSWORD": "hunter3"})) // replaced
	must(t, e.exec.PutSecret(ctx, domain.Stack{OrgID: e.org}, "default", "s3", map[string]string{"AWS_KEY": "k"}))
	path := filepath.Join(e.home, "secrets", e.org, "default", "db.json")
	fi, err := os.Stat(path)
	must(t, err)
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("secret file mode %v, want 0600", fi.Mode())
	}
	for _, d := range []string{filepath.Join(e.home, "secrets"), filepath.Join(e.home, "secrets", e.org), filepath.Dir(path)} {
		if fi, err := os.Stat(d); err != nil || fi.Mode().Perm() != 0o700 {
			t.Errorf("%s: %v %v, want 0700", d, fi.Mode(), err)
		}
	}
	if b, _ := os.ReadFile(path); !strings.Contains(string(b), "hunter3") {
		t.Errorf("the secret was not replaced: %s", b)
	}
	if tmp, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".*")); len(tmp) != 0 {
		t.Errorf("temporary files left: %v", tmp)
	}
	list, err := e.exec.ListSecrets(ctx, domain.Stack{OrgID: e.org}, "default")
	must(t, err)
	if len(list) != 2 || list[0].Alias != "db" || strings.Join(list[0].Keys, ",") != "DB_PASSWORD,DB_USER" || list[1].Alias != "s3" {
		t.Errorf("ListSecrets = %+v", list)
	}
	if strings.Contains(fmt.Sprint(list), "hunter") {
		t.Errorf("a listing shows a value: %+v", list)
	}
	if others, err := e.exec.ListSecrets(ctx, domain.Stack{OrgID: domain.NewID("org")}, "default"); err != nil || len(others) != 0 {
		t.Errorf("another organization lists %+v, %v", others, err)
	}
	if err := e.exec.Check(ctx, domain.NewID("org"), "default", domain.RunSpec{Project: t.TempDir(), PullSecretsFrom: []string{"db"}}); domain.ErrorCode(err) != domain.CodeInvalid {
		t.Errorf("another organization pulls the secret: %v", err)
	}
	must(t, e.exec.DeleteSecret(ctx, domain.Stack{OrgID: e.org}, "default", "db"))
	if err := e.exec.DeleteSecret(ctx, domain.Stack{OrgID: e.org}, "default", "db"); !domain.IsNotFound(err) {
		t.Errorf("deleting it again = %v, want NotFound", err)
	}
}

func TestHandWrittenSecretsWithReservedKeysAreRefused(t *testing.T) {
	e := newEnv(t, nil)
	dir := filepath.Join(e.home, "secrets", e.org, "default")
	must(t, os.MkdirAll(dir, 0o700))
	must(t, os.WriteFile(filepath.Join(dir, "evil.json"), []byte(`{"PATH": "/evil", "OK": "x"}`), 0o600))
	err := e.exec.Check(context.Background(), e.org, "default", domain.RunSpec{Project: t.TempDir(), PullSecretsFrom: []string{"evil"}})
	if de, ok := err.(*domain.Error); !ok || de.Fields[0].Field != "pull_secrets_from" || de.Fields[0].Rule != "reserved_env" || !strings.Contains(de.Fields[0].Message, "PATH") || strings.Contains(err.Error(), "/evil") {
		t.Fatalf("a secret setting PATH: %v", err)
	}
	// A secret where an older version kept it is named in the error.
	legacy := filepath.Join(e.home, "secrets", "default", "old.json")
	must(t, os.MkdirAll(filepath.Dir(legacy), 0o700))
	must(t, os.WriteFile(legacy, []byte(`{"K": "v"}`), 0o600))
	err = e.exec.Check(context.Background(), e.org, "default", domain.RunSpec{Project: t.TempDir(), PullSecretsFrom: []string{"old"}})
	if err == nil || !strings.Contains(err.Error(), legacy) || !strings.Contains(err.Error(), "orchestera secrets put") {
		t.Fatalf("a secret at the old path: %v", err)
	}
}

// TestReattachAfterARestart stops the executor (as a server stop does)
// while a sandboxed run runs: a new executor reattaches to its init,
// cancels it, and gives its directories back.
func TestReattachAfterARestart(t *testing.T) {
	var first *deadStore
	e := newEnv(t, func(c *Config) { first = &deadStore{RunStore: c.Store} })
	store := e.cfg.Store
	e.exec = New(func() Config { c := e.cfg; c.Store = first; return c }())
	e.start()
	r := e.submit("job.Sleep", nil)
	e.waitLog(r.ID, "sleeping")
	running := e.waitState(r.ID, domain.RunRunning)
	e.stop()
	first.dead.Store(true) // the old server is gone: it records nothing more
	e.cfg.Store = store
	e.exec = New(e.cfg)
	e.start()
	poll.Until(t, "the new executor to reattach", 20*time.Second, func() error {
		if !strings.Contains(e.logs.String(), "reattached to a running run") {
			return fmt.Errorf("server log:\n%s", e.logs)
		}
		return nil
	})
	must(t, e.exec.Cancel(context.Background(), e.get(r.ID)))
	if got := e.get(r.ID); got.State != domain.RunCancelled {
		t.Fatalf("after cancel: %s %s", got.State, got.Hint)
	}
	if groupAlive(running.PID) {
		t.Fatalf("process group %d still has live processes after cancel", running.PID)
	}
	if os.Geteuid() == 0 && owner(t, filepath.Join(e.runDir(r.ID), "work")) != 0 {
		t.Fatal("the reattached run's work directory was not given back to root")
	}
}

// deadStore is the store of a server that died: once dead, it writes
// nothing.
type deadStore struct {
	domain.RunStore
	dead atomic.Bool
}

func (d *deadStore) UpdateRun(ctx context.Context, r domain.Run, from ...domain.RunState) error {
	if d.dead.Load() {
		return errors.New("this server is dead")
	}
	return d.RunStore.UpdateRun(ctx, r, from...)
}

// TestWithoutNamespaces: where the kernel refuses namespaces, a root
// server still runs each run as its slot's user, says so in its log, and
// the data directory is searchable for runs but neither listable nor
// readable.
func TestWithoutNamespaces(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.NoNamespaces = true })
	e.start()
	if os.Geteuid() != 0 {
		r := e.waitState(e.submit("job.Succeed", nil).ID, domain.RunSucceeded)
		if !strings.Contains(e.logs.String(), "WARNING: the server does not run as root") {
			t.Fatalf("without root, no warning; run %+v; server log:\n%s", r, e.logs)
		}
		return
	}
	other := e.waitState(e.submit("job.Env", nil).ID, domain.RunSucceeded)
	db := filepath.Join(e.home, "orchestera.db")
	r := e.waitState(e.submit("job.Snoop", func(s *domain.RunSpec) {
		s.Args = []domain.RunArg{{Key: "read", Value: db}, {Key: "list", Value: e.home}, {Key: "list", Value: filepath.Join(e.home, "runs")},
			{Key: "read", Value: filepath.Join(e.runDir(other.ID), "log")}, {Key: "list", Value: filepath.Join(e.runDir(other.ID), "work")},
			{Key: "write-own", Value: "output"}}
	}).ID, domain.RunSucceeded)
	log := e.log(r.ID)
	for _, want := range []string{"NOREAD " + db, "NOLIST " + e.home, "NOLIST " + filepath.Join(e.home, "runs"),
		"NOREAD " + filepath.Join(e.runDir(other.ID), "log"), "NOLIST " + filepath.Join(e.runDir(other.ID), "work"), "WROTE own output"} {
		if !strings.Contains(log, want+"\n") {
			t.Errorf("the run's view lacks %q:\n%s", want, log)
		}
	}
	if uid := regexp.MustCompile(`uid=(\d+) `).FindStringSubmatch(log); uid == nil || uid[1] == "0" {
		t.Errorf("the run ran as %v", uid)
	}
	if !strings.Contains(e.logs.String(), "WARNING: namespaces are turned off") {
		t.Errorf("no warning in the server log:\n%s", e.logs)
	}
}
