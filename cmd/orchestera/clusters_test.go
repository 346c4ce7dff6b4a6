package main_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/orchestera/orchestera/internal/kube/kubetest"
	"github.com/orchestera/orchestera/internal/poll"
	"github.com/orchestera/orchestera/internal/runenv"
)

// kubeAdmin is the test cluster as its admin.
func kubeAdmin(t *testing.T) (kubernetes.Interface, string) {
	t.Helper()
	path := kubetest.Kubeconfig(t)
	cfg, err := clientcmd.BuildConfigFromFlags("", path)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return cs, path
}

// uniqueNS is a namespace name no other test uses, deleted at the end.
func uniqueNS(t *testing.T, cs kubernetes.Interface) string {
	name := testNamespace(t)
	t.Cleanup(func() { cs.CoreV1().Namespaces().Delete(context.Background(), name, metav1.DeleteOptions{}) })
	return name
}

// testNamespace is a namespace name no other test uses: stacks of every
// test share the loopback cluster, and a namespace of another stack is
// refused.
func testNamespace(t *testing.T) string {
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return "t-" + hex.EncodeToString(b)
}

func TestAttachedStackAgainstKubernetes(t *testing.T) {
	cs, kubeconfig := kubeAdmin(t)
	ctx := context.Background()
	home := filepath.Join(t.TempDir(), "home")
	s := startServer(t, home, "ORCHESTERA_SYNC_INTERVAL=1h")
	etl, reports := uniqueNS(t, cs), uniqueNS(t, cs)

	// Bad input is refused before anything is kept.
	if r := cliResult(t, home, "stacks", "attach", "shared", "--kubeconfig", kubeconfig, "--namespace", "default"); r.code == 0 || !strings.Contains(r.stderr, "Kubernetes's own namespaces") {
		t.Fatalf("attaching with namespace default: %d %s", r.code, r.stderr)
	}
	if r := cliResult(t, home, "stacks", "attach", "shared", "--kubeconfig", kubeconfig, "--context", "prod"); r.code == 0 || !strings.Contains(r.stderr, `--context "prod"`) {
		t.Fatalf("attaching an unknown context: %d %s", r.code, r.stderr)
	}
	if out := cli(t, home, "stacks", "list"); strings.Contains(out, "shared") {
		t.Fatalf("a refused attach left a stack:\n%s", out)
	}

	start := time.Now()
	cli(t, home, "stacks", "attach", "shared", "--kubeconfig", kubeconfig, "--namespace", etl, "--wait")
	t.Logf("attached and bootstrapped one namespace in %s", time.Since(start).Round(time.Millisecond))
	for _, sa := range []string{"spark", "orchestera-user"} {
		if _, err := cs.CoreV1().ServiceAccounts(etl).Get(ctx, sa, metav1.GetOptions{}); err != nil {
			t.Fatalf("service account %s/%s: %v", etl, sa, err)
		}
	}

	// The credential is kept sealed: not in the database, not in answers.
	token := adminToken(t, kubeconfig)
	db, err := os.ReadFile(filepath.Join(home, "orchestera.db"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(db, []byte(token)) {
		t.Fatal("the attached credential is in the database in clear")
	}
	if out := cli(t, home, "stacks", "get", "shared", "-o", "json"); strings.Contains(out, token) || !strings.Contains(out, `"endpoint": "https://127.0.0.1:443"`) {
		t.Fatalf("stacks get shows the credential, or not the endpoint:\n%s", out)
	}

	// A namespace is bootstrapped as soon as it is created, and deleted
	// with its Kubernetes namespace.
	cli(t, home, "namespaces", "create", reports, "--stack", "shared")
	if _, err := cs.CoreV1().ServiceAccounts(reports).Get(ctx, "spark", metav1.GetOptions{}); err != nil {
		t.Fatalf("namespace %s was not bootstrapped at once: %v", reports, err)
	}
	if r := cliResult(t, home, "namespaces", "delete", reports, "--stack", "shared"); r.code == 0 || !strings.Contains(r.stderr, "pass --yes") {
		t.Fatalf("deleting a namespace without --yes off a terminal: %d %s", r.code, r.stderr)
	}
	cli(t, home, "namespaces", "delete", reports, "--stack", "shared", "--yes")
	if ns, err := cs.CoreV1().Namespaces().Get(ctx, reports, metav1.GetOptions{}); err == nil && ns.DeletionTimestamp == nil {
		t.Fatalf("namespace %s is still there", reports)
	}

	// kubectl access through the exec plugin: a namespace-scoped token.
	kc := filepath.Join(t.TempDir(), "etl.kubeconfig")
	cli(t, home, "stacks", "kubeconfig", "shared", "--namespace", etl, "--file", kc)
	if b, _ := os.ReadFile(kc); bytes.Contains(b, []byte(token)) || !bytes.Contains(b, []byte("command: "+bin)) {
		t.Fatalf("the kubeconfig must run orchestera token and hold no credential:\n%s", b)
	}
	userCfg, err := clientcmd.BuildConfigFromFlags("", kc)
	if err != nil {
		t.Fatal(err)
	}
	user, err := kubernetes.NewForConfig(userCfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := user.CoreV1().Pods(etl).List(ctx, metav1.ListOptions{}); err != nil {
		t.Fatalf("the kubeconfig cannot list pods in %s: %v", etl, err)
	}
	if _, err := user.CoreV1().Secrets(etl).List(ctx, metav1.ListOptions{}); !apierrors.IsForbidden(err) {
		t.Fatalf("the kubeconfig may read secrets: %v", err)
	}

	// Datasources go into the connections Secret; one with a missing secret
	// is reported by name, and the others still sync.
	cli(t, home, "datasources", "put", "events", "--stack", "shared", "--namespace", etl, "--kind", "s3", "--bucket", "acme-events", "--region", "eu-west-1")
	cli(t, home, "datasources", "put", "warehouse", "--stack", "shared", "--namespace", etl, "--kind", "jdbc", "--url", "jdbc:postgresql://db:5432/sales", "--secret", "warehouse-db")
	if r := cliResult(t, home, "datasources", "put", "bad", "--stack", "shared", "--namespace", etl, "--kind", "jdbc", "--url", "jdbc:postgresql://u:p@db/x"); r.code == 0 || !strings.Contains(r.stderr, "carries credentials") {
		t.Fatalf("a JDBC URL with credentials: %d %s", r.code, r.stderr)
	}
	r := cliResult(t, home, "stacks", "sync", "shared")
	if r.code != 1 || !strings.Contains(r.stdout, `its secret "warehouse-db" does not exist`) {
		t.Fatalf("stacks sync with a datasource missing its secret: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	var conns []runenv.Connection
	sec, err := cs.CoreV1().Secrets(etl).Get(ctx, runenv.ConnectionsSecret, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(sec.Data[runenv.ConnectionsKey], &conns); err != nil || len(conns) != 1 || conns[0].Name != "events" {
		t.Fatalf("connections.json: %v %+v", err, conns)
	}
	if out := cli(t, home, "stacks", "get", "shared"); !strings.Contains(out, "warehouse") || !strings.Contains(out, "1 with problems") {
		t.Fatalf("stacks get does not show the sync's problem:\n%s", out)
	}
	if out := cli(t, home, "stacks", "events", "shared"); !strings.Contains(out, "datasource warehouse: its secret") {
		t.Fatalf("no event for the problem:\n%s", out)
	}

	// A secret kept by the platform becomes a Secret, and the datasource
	// that names it is resolved; its value is nowhere else.
	const canary = "canary-9f2c41d7e3"
	secretFile := filepath.Join(t.TempDir(), "db.json")
	os.WriteFile(secretFile, []byte(`{"JDBC_USER":"etl","JDBC_PASSWORD":"`+canary+`"}`), 0o600)
	start = time.Now()
	cli(t, home, "secrets", "put", "--stack", "shared", "--namespace", etl, "--alias", "warehouse-db", "--from-file", secretFile)
	poll.Until(t, "the secret to reach the cluster", 30*time.Second, func() error {
		s, err := cs.CoreV1().Secrets(etl).Get(ctx, "warehouse-db", metav1.GetOptions{})
		if err != nil {
			return err
		}
		if string(s.Data["JDBC_PASSWORD"]) != canary {
			return errors.New("not the value put")
		}
		return nil
	})
	t.Logf("secrets put to the Secret updated: %s", time.Since(start).Round(time.Millisecond))
	if r := cliResult(t, home, "stacks", "sync", "shared"); r.code != 0 {
		t.Fatalf("stacks sync once the secret exists: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	sec, err = cs.CoreV1().Secrets(etl).Get(ctx, runenv.ConnectionsSecret, metav1.GetOptions{})
	if err != nil || !bytes.Contains(sec.Data[runenv.ConnectionsKey], []byte(`"password": "`+canary+`"`)) {
		t.Fatalf("the connections Secret lacks the resolved credential: %v", err)
	}
	bad := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(bad, []byte(`{"ORCH_NAMESPACE":"`+canary+`"}`), 0o600)
	if r := cliResult(t, home, "secrets", "put", "--stack", "shared", "--namespace", etl, "--alias", "bad", "--from-file", bad); r.code == 0 || strings.Contains(r.stderr, canary) {
		t.Fatalf("a reserved key: %d %s", r.code, r.stderr)
	}
	db, _ = os.ReadFile(filepath.Join(home, "orchestera.db"))
	wal, _ := os.ReadFile(filepath.Join(home, "orchestera.db-wal"))
	for what, text := range map[string]string{
		"the database":   string(db) + string(wal),
		"the server log": s.logs.String(),
		"the events":     cli(t, home, "stacks", "events", "shared"),
		"stacks get":     cli(t, home, "stacks", "get", "shared", "-o", "json"),
		"secrets list":   cli(t, home, "secrets", "list", "--stack", "shared", "--namespace", etl, "-o", "json"),
		"stacks sync":    cli(t, home, "stacks", "sync", "shared", "-o", "json"),
		"datasources":    cli(t, home, "datasources", "list", "--stack", "shared", "-o", "json"),
		"the audit log":  cli(t, home, "audit", "list", "-o", "json"),
		"kube events":    kubeEvents(t, cs, etl),
	} {
		if strings.Contains(text, canary) {
			t.Errorf("the secret's value is in %s", what)
		}
	}

	// Applying again is harmless; destroying deletes the namespaces.
	cli(t, home, "stacks", "update", "shared", "--wait")
	cli(t, home, "stacks", "destroy", "shared", "--yes", "--wait")
	poll.Until(t, "namespace "+etl+" to be deleted", time.Minute, func() error {
		_, err := cs.CoreV1().Namespaces().Get(ctx, etl, metav1.GetOptions{})
		if err == nil {
			return errors.New("still there")
		}
		if apierrors.IsNotFound(err) {
			return nil
		}
		return err
	})
	cli(t, home, "stacks", "delete", "shared")
}

// adminToken is the test cluster admin's token, to search for.
func adminToken(t *testing.T, path string) string {
	cfg, err := clientcmd.LoadFromFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range cfg.AuthInfos {
		if u.Token != "" {
			return u.Token
		}
	}
	t.Fatal("the test kubeconfig has no token")
	return ""
}

// kubeEvents are a namespace's Kubernetes events, as text.
func kubeEvents(t *testing.T, cs kubernetes.Interface, ns string) string {
	evs, err := cs.CoreV1().Events(ns).List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(evs)
	return string(b)
}
