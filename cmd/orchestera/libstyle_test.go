package main_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestOrchesteraLibPipelineOnTheLocalStack runs examples/orchestera-lib-style,
// a pipeline written for orchestera-lib, unchanged through the real binary
// on the local stack with real Spark; its UDF reads the pulled secret.
func TestOrchesteraLibPipelineOnTheLocalStack(t *testing.T) {
	py := pythonForRuns(t)
	home := t.TempDir()
	s := startServer(t, home, "ORCHESTERA_PYTHON="+py)
	defer s.stop(t)
	project, err := filepath.Abs("../../examples/orchestera-lib-style")
	if err != nil {
		t.Fatal(err)
	}
	const key = "local-pseudonym-key-7f3a"
	file := filepath.Join(t.TempDir(), "pseudonyms.json")
	if err := os.WriteFile(file, []byte(`{"PSEUDONYM_KEY": "`+key+`"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	cli(t, home, "secrets", "put", "--alias", "pseudonyms", "--from-file", file)
	run := []string{"run", "--classpath", "lib_style.application.ReviewWords", "--application-name", "review-words", "--project", project}

	r := cliResult(t, home, append(run, "--pull-secrets-from", "pseudonyms")...)
	if r.code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write([]byte("spark"))
	for _, want := range []string{
		"review-words: 6 reviews, 81 words, 55 distinct",
		"top words: the=9 and=4 job=4",
		"pseudonym of 'spark': " + hex.EncodeToString(mac.Sum(nil))[:12],
		"UDF ran on: driver",
		"connections: none",
	} {
		if !strings.Contains(r.stdout, "\n"+want+"\n") {
			t.Errorf("the log lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout+r.stderr, key) {
		t.Error("the run's output shows the secret's value")
	}

	// Without the secret the pipeline stops itself, before Spark starts.
	r = cliResult(t, home, run...)
	if r.code != 1 || !strings.Contains(r.stderr, "failed: user_error (exit code 1)") ||
		!strings.Contains(r.stderr, "PSEUDONYM_KEY is not set: pull the secret that holds it") {
		t.Fatalf("without the secret: exit %d, stderr:\n%s", r.code, r.stderr)
	}
}
