package main_test

import (
	"bufio"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/orchestera/orchestera/internal/kube/kubetest"
	"github.com/orchestera/orchestera/internal/poll"
)

// TestRunsOnKubernetes runs pipelines through the real binary on an
// attached stack of the loopback cluster's real node, with the project's
// Spark image: a pipeline written for orchestera-lib, shipped with
// --project, runs with 2 executor pods whose tasks read the pulled secret;
// the failures the cluster reports are typed; cancel, a server restart
// mid-run and the pods' time to live behave.
func TestRunsOnKubernetes(t *testing.T) {
	kubetest.RequireNode(t)
	cs, kubeconfig := kubeAdmin(t)
	ctx := context.Background()
	home := filepath.Join(t.TempDir(), "home")
	env := []string{"ORCHESTERA_LOOPBACK_NODE=1", "ORCHESTERA_RUN_POD_TTL=3s"}
	s := startServer(t, home, env...)
	outer := t // the restarted server outlives its subtest
	ns := uniqueNS(t, cs)
	cli(t, home, "stacks", "attach", "k8s", "--kubeconfig", kubeconfig, "--namespace", ns, "--wait")
	const key = "node-pseudonym-key-91c4"
	secret := filepath.Join(t.TempDir(), "pseudonyms.json")
	os.WriteFile(secret, []byte(`{"PSEUDONYM_KEY": "`+key+`"}`), 0o600)
	cli(t, home, "secrets", "put", "--stack", "k8s", "--namespace", ns, "--alias", "pseudonyms", "--from-file", secret)
	poll.Until(t, "the secret to reach the namespace", 30*time.Second, func() error {
		_, err := cs.CoreV1().Secrets(ns).Get(ctx, "pseudonyms", metav1.GetOptions{})
		return err
	})
	lib, err := filepath.Abs("../../examples/orchestera-lib-style")
	if err != nil {
		t.Fatal(err)
	}
	slow, err := filepath.Abs("testdata/slow")
	if err != nil {
		t.Fatal(err)
	}
	run := func(project, classpath string, extra ...string) []string {
		return append([]string{"run", "--stack", "k8s", "--image", kubetest.SparkImage, "--project", project,
			"--classpath", classpath, "--application-name", "node-test"}, extra...)
	}

	t.Run("a shipped pipeline with 2 executors", func(t *testing.T) {
		start := time.Now()
		r := cliResult(t, home, run(lib, "lib_style.application.ReviewWords", "--pull-secrets-from", "pseudonyms")...)
		if r.code != 0 {
			t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
		}
		t.Logf("orchestera run on the node: %s", time.Since(start).Round(time.Millisecond))
		mac := hmac.New(sha256.New, []byte(key))
		mac.Write([]byte("spark"))
		for _, want := range []string{"review-words: 6 reviews, 81 words, 55 distinct", "pseudonym of 'spark': " + hex.EncodeToString(mac.Sum(nil))[:12]} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("the log lacks %q:\n%s", want, r.stdout)
			}
		}
		if strings.Contains(r.stdout, "UDF ran on: driver") {
			t.Errorf("the UDF ran on the driver, not on executor pods:\n%s", r.stdout)
		}
		id := lastRunID(t, home)
		if log := cli(t, home, "runs", "logs", id); strings.Count(log, "===== executor ") < 2 || strings.Contains(log, key) {
			t.Errorf("the kept log lacks the 2 executors' logs (or shows the secret):\n%s", log)
		}
		// The time to live deletes the pods once their logs are kept, and
		// the log stays.
		poll.Until(t, "the driver pod to be deleted after its time to live", time.Minute, func() error {
			if _, err := cs.CoreV1().Pods(ns).Get(ctx, strings.ReplaceAll(id, "_", "-"), metav1.GetOptions{}); !apierrors.IsNotFound(err) {
				return errors.New("still there")
			}
			return nil
		})
		if log := cli(t, home, "runs", "logs", id); !strings.Contains(log, "review-words: 6 reviews") {
			t.Errorf("the log is gone with the pods:\n%s", log)
		}
	})

	t.Run("failures are typed", func(t *testing.T) {
		for _, c := range []struct {
			name string
			args []string
			code int
			says string
		}{
			{"the pipeline stops itself", run(lib, "lib_style.application.ReviewWords"), 1, "failed: user_error (exit code 1)"},
			{"a missing secret", run(lib, "lib_style.application.ReviewWords", "--pull-secrets-from", "nope"), 1, "config_error"},
			{"an image that does not exist", append(run(lib, "lib_style.application.ReviewWords"), "--image", "localhost/does-not-exist:1"), 1, "image_pull"},
		} {
			start := time.Now()
			r := cliResult(t, home, c.args...)
			if r.code != c.code || !strings.Contains(r.stderr, c.says) {
				t.Errorf("%s: exit %d, stderr:\n%s", c.name, r.code, r.stderr)
			}
			t.Logf("%s: %s in %s", c.name, c.says, time.Since(start).Round(time.Millisecond))
		}
	})

	t.Run("cancel", func(t *testing.T) {
		id := strings.TrimSpace(cliResult(t, home, append(run(slow, "slow.pipeline.Ticker", "--arg", "seconds=300"), "--detach")...).stdout)
		waitLogLine(t, home, id, "tick 2")
		cli(t, home, "runs", "cancel", id)
		if r := getRun(t, home, id); r.State != "cancelled" {
			t.Fatalf("after cancel: %+v", r)
		}
		if log := cli(t, home, "runs", "logs", id); !strings.Contains(log, "tick 2") {
			t.Errorf("the cancelled run's log was not kept:\n%s", log)
		}
	})

	t.Run("a server restart mid-run", func(t *testing.T) {
		id := strings.TrimSpace(cliResult(t, home, append(run(slow, "slow.pipeline.Ticker", "--arg", "seconds=15"), "--detach")...).stdout)
		waitLogLine(t, home, id, "tick 1")
		pod, err := cs.CoreV1().Pods(ns).Get(ctx, strings.ReplaceAll(id, "_", "-"), metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		s.stop(t)
		s = startServer(outer, home, env...)
		r := waitRun(t, home, id, func(r runJSON) bool { return r.State == "succeeded" || r.State == "failed" })
		if r.State != "succeeded" {
			t.Fatalf("after the restart: %+v", r)
		}
		if log := cli(t, home, "runs", "logs", id); !strings.Contains(log, "tick 0") || !strings.Contains(log, "ticker done") || strings.Count(log, "tick 1\n") != 1 {
			t.Errorf("the log across the restart:\n%s", log)
		}
		if again, err := cs.CoreV1().Pods(ns).Get(ctx, pod.Name, metav1.GetOptions{}); err == nil && again.UID != pod.UID {
			t.Error("the restarted server made a new driver")
		}
	})

	t.Run("notebooks", func(t *testing.T) {
		nbArgs := []string{"--stack", "k8s", "--namespace", ns}
		cli(t, home, append([]string{"notebook", "start", "explore", "--image", kubetest.SparkImage, "--pull-secrets-from", "pseudonyms"}, nbArgs...)...)
		start := time.Now()
		poll.Until(t, "the notebook to be ready", 2*time.Minute, func() error {
			if out := cli(t, home, append([]string{"notebook", "list", "-o", "json"}, nbArgs...)...); !strings.Contains(out, `"ready": true`) {
				return errors.New("not ready:\n" + out)
			}
			return nil
		})
		t.Logf("notebook ready in %s", time.Since(start).Round(time.Millisecond))
		connect := exec.Command(bin, append([]string{"notebook", "connect", "explore", "--local-port", "0"}, nbArgs...)...)
		connect.Env = append(os.Environ(), "ORCHESTERA_HOME="+home, "ORCHESTERA_SERVER=")
		stdout, err := connect.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := connect.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { connect.Process.Kill(); connect.Wait() })
		line, err := bufio.NewReader(stdout).ReadString('\n')
		if err != nil {
			t.Fatalf("no URL from notebook connect: %v", err)
		}
		u, err := url.Parse(strings.TrimSpace(line))
		if err != nil || u.Query().Get("token") == "" || u.Query().Get("token") == "dev" {
			t.Fatalf("notebook connect printed %q", line)
		}
		status := func(token string) int {
			resp, err := http.Get("http://" + u.Host + "/api/status?token=" + token)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp.StatusCode
		}
		if code := status(u.Query().Get("token")); code != http.StatusOK {
			t.Errorf("Jupyter with its token: %d", code)
		}
		if code := status("dev"); code != http.StatusForbidden {
			t.Errorf("Jupyter with a wrong token: %d, want 403", code)
		}
		cli(t, home, append([]string{"notebook", "stop", "explore"}, nbArgs...)...)
		poll.Until(t, "the notebook to go", time.Minute, func() error {
			if out := cli(t, home, append([]string{"notebook", "list", "-o", "json"}, nbArgs...)...); strings.Contains(out, "explore") {
				return errors.New("still listed")
			}
			return nil
		})
	})
	s.stop(t)
}

// lastRunID is the newest run's id.
func lastRunID(t *testing.T, home string) string {
	t.Helper()
	out := cli(t, home, "runs", "list", "--limit", "1", "-o", "json")
	i := strings.Index(out, `"id": "`)
	if i < 0 {
		t.Fatalf("no run:\n%s", out)
	}
	rest := out[i+len(`"id": "`):]
	return rest[:strings.Index(rest, `"`)]
}
