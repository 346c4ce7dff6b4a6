package main_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/orchestera/orchestera/internal/poll"
	"github.com/orchestera/orchestera/internal/runenv"
	"github.com/orchestera/orchestera/internal/web/browsertest"
)

// TestConsoleAttachesACluster is the cluster side of the console on the
// real binary (local mode) and the loopback test cluster: attach it from
// the form with its kubeconfig file, watch the namespace bootstrap, add a
// datasource whose secret is missing and see "Sync now" report it, put the
// secret from the form and see it synced into the cluster, download the
// namespace's kubeconfig and list pods with it, add and delete a
// namespace, and destroy the stack with the typed confirmation.
func TestConsoleAttachesACluster(t *testing.T) {
	cs, kubeconfig := kubeAdmin(t)
	ctx := context.Background()
	etl, reports := uniqueNS(t, cs), uniqueNS(t, cs)
	home := filepath.Join(t.TempDir(), "home")
	s := startServer(t, home, "ORCHESTERA_SYNC_INTERVAL=1h")
	defer s.stop(t)
	b := browsertest.Start(t, 1280, 860)

	b.Do("the new-stack choice", 30*time.Second, chromedp.Navigate(s.url+"/stacks/new"))
	heading(t, b, "Create New Stack")
	b.Do("choosing to attach", 30*time.Second, chromedp.Click(chromedp.CSS(`a[href="/stacks/new/attach"]`)))
	heading(t, b, "Attach a cluster")
	b.Do("filling in the form", 30*time.Second, chromedp.SendKeys(chromedp.ID("name"), "shared"),
		chromedp.SetUploadFiles(chromedp.ID("kubeconfig-file"), []string{kubeconfig}), chromedp.SetValue(chromedp.ID("namespaces"), etl))
	shot(t, b, "attach")
	b.Do("attaching", 30*time.Second, chromedp.Submit(chromedp.ID("name")))
	heading(t, b, "Stack shared")
	waitFor(t, b, "the namespaces to be bootstrapped", 2*time.Minute, `!!document.querySelector("h1 .state-ready")`)
	waitFor(t, b, "the API server", 5*time.Second, has("https://127.0.0.1:443"))
	if _, err := cs.CoreV1().ServiceAccounts(etl).Get(ctx, "spark", metav1.GetOptions{}); err != nil {
		t.Fatalf("namespace %s was not bootstrapped: %v", etl, err)
	}

	// A datasource naming a secret that does not exist yet: the sync
	// reports it by name, and syncs the rest.
	nsPage := s.url + "/stacks/shared/namespaces/" + etl
	b.Do("the namespace", 30*time.Second, chromedp.Navigate(nsPage))
	heading(t, b, "Namespace "+etl+" of shared")
	b.Do("adding a datasource", 30*time.Second, chromedp.SendKeys(chromedp.ID("name"), "warehouse"), chromedp.SetValue(chromedp.ID("ds-kind"), "jdbc"),
		chromedp.SendKeys(chromedp.ID("url"), "jdbc:postgresql://db:5432/sales"), chromedp.SendKeys(chromedp.ID("secret"), "warehouse-db"),
		chromedp.Submit(chromedp.ID("url")))
	waitFor(t, b, "the datasource", 10*time.Second, has("Datasource warehouse is saved"))
	b.Do("the stack", 30*time.Second, chromedp.Navigate(s.url+"/stacks/shared"))
	heading(t, b, "Stack shared")
	b.Do("syncing now", 30*time.Second, chromedp.Click(chromedp.CSS(`form[action="/stacks/shared/sync"] button`)))
	waitFor(t, b, "the sync's problem", 30*time.Second, has("1 with problems")+" && "+has(`its secret "warehouse-db" does not exist`))
	shot(t, b, "stack-sync")

	// The secret, from the form: synced into a Secret, and the datasource
	// resolved; its value is in no page.
	const canary = "canary-console-5e1b"
	b.Do("the namespace again", 30*time.Second, chromedp.Navigate(nsPage))
	heading(t, b, "Namespace "+etl)
	b.Do("putting the secret", 30*time.Second, chromedp.SendKeys(chromedp.ID("secret-alias"), "warehouse-db"),
		chromedp.SendKeys(chromedp.ID("secret-value"), `{"JDBC_USER": "etl", "JDBC_PASSWORD": "`+canary+`"}`), chromedp.Submit(chromedp.ID("secret-alias")))
	waitFor(t, b, "the secret's keys", 10*time.Second, has("Secret warehouse-db is saved")+" && "+has("JDBC_PASSWORD JDBC_USER"))
	poll.Until(t, "the secret to reach the cluster", 30*time.Second, func() error {
		sec, err := cs.CoreV1().Secrets(etl).Get(ctx, "warehouse-db", metav1.GetOptions{})
		if err != nil {
			return err
		}
		if string(sec.Data["JDBC_PASSWORD"]) != canary {
			return errors.New("not the value put")
		}
		return nil
	})
	b.Do("the stack", 30*time.Second, chromedp.Navigate(s.url+"/stacks/shared"))
	b.Do("syncing again", 30*time.Second, chromedp.Click(chromedp.CSS(`form[action="/stacks/shared/sync"] button`)))
	waitFor(t, b, "everything synced", 30*time.Second, has("Synced shared: 2 synced, 0 removed, 0 with problems."))
	if sec, err := cs.CoreV1().Secrets(etl).Get(ctx, runenv.ConnectionsSecret, metav1.GetOptions{}); err != nil || !bytes.Contains(sec.Data[runenv.ConnectionsKey], []byte(canary)) {
		t.Fatalf("the connections Secret lacks the resolved credential: %v", err)
	}
	b.Do("the namespace with its secret", 30*time.Second, chromedp.Navigate(nsPage))
	heading(t, b, "Namespace "+etl)
	shot(t, b, "namespace")
	if html := browsertest.Get(b, "the page's HTML", 10*time.Second, chromedp.OuterHTML(chromedp.CSS("html"))); strings.Contains(html, canary) {
		t.Fatal("the namespace's page shows the secret's value")
	}

	kubectlWithTheConsolesKubeconfig(t, s, home, etl)
	namespaceAddedAndDeleted(t, b, s.url, cs, reports)

	b.Do("the destroy page", 30*time.Second, chromedp.Navigate(s.url+"/stacks/shared/destroy"))
	heading(t, b, "Destroy stack shared")
	waitFor(t, b, "what destroying an attached stack does", 5*time.Second, has("the cluster itself stays"))
	b.Do("typing the name and destroying", 30*time.Second, chromedp.SendKeys(chromedp.ID("confirm"), "shared"), chromedp.Click(chromedp.CSS("form.confirm button")))
	heading(t, b, "Stack shared")
	waitFor(t, b, "the stack to be destroyed", 2*time.Minute, `!!document.querySelector("h1 .state-destroyed")`)
	namespaceGone(t, cs, etl)
}

// kubectlWithTheConsolesKubeconfig downloads a namespace's kubeconfig as
// the page's link does and lists pods with it: client-go runs the
// orchestera binary on PATH for a token, signed in to the server.
func kubectlWithTheConsolesKubeconfig(t *testing.T, s *server, home, ns string) {
	t.Helper()
	req, _ := http.NewRequest("GET", s.url+"/stacks/shared/kubeconfig?namespace="+ns, nil)
	req.Header.Set("Accept", "text/html") // a local-mode browser on loopback
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !bytes.Contains(raw, []byte("command: orchestera")) || bytes.Contains(raw, []byte("token:")) {
		t.Fatalf("the kubeconfig: %d\n%s", resp.StatusCode, raw)
	}
	kc := filepath.Join(t.TempDir(), "etl.kubeconfig")
	if err := os.WriteFile(kc, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", filepath.Dir(bin)+string(os.PathListSeparator)+os.Getenv("PATH"))
	t.Setenv("ORCHESTERA_HOME", home)
	cfg, err := clientcmd.BuildConfigFromFlags("", kc)
	if err != nil {
		t.Fatal(err)
	}
	user, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := user.CoreV1().Pods(ns).List(context.Background(), metav1.ListOptions{}); err != nil {
		t.Fatalf("the console's kubeconfig cannot list pods in %s: %v", ns, err)
	}
	if _, err := user.CoreV1().Secrets(ns).List(context.Background(), metav1.ListOptions{}); !apierrors.IsForbidden(err) {
		t.Fatalf("the console's kubeconfig may read secrets: %v", err)
	}
}

// namespaceAddedAndDeleted adds a namespace from the stack's page, then
// deletes it with its name typed.
func namespaceAddedAndDeleted(t *testing.T, b *browsertest.Browser, console string, cs kubernetes.Interface, ns string) {
	t.Helper()
	b.Do("the stack", 30*time.Second, chromedp.Navigate(console+"/stacks/shared"))
	b.Do("adding a namespace", 30*time.Second, chromedp.SendKeys(chromedp.ID("ns-name"), ns), chromedp.Submit(chromedp.ID("ns-name")))
	waitFor(t, b, "the new namespace", 30*time.Second, has("Namespace "+ns+" is on the stack."))
	if _, err := cs.CoreV1().ServiceAccounts(ns).Get(context.Background(), "spark", metav1.GetOptions{}); err != nil {
		t.Fatalf("namespace %s was not bootstrapped at once: %v", ns, err)
	}
	b.Do("its delete page", 30*time.Second, chromedp.Navigate(console+"/stacks/shared/namespaces/"+ns+"/delete"))
	heading(t, b, "Delete namespace "+ns)
	waitFor(t, b, "the button to wait for the name", 5*time.Second, `document.querySelector("form.confirm button").disabled`)
	b.Do("typing the name and deleting", 30*time.Second, chromedp.SendKeys(chromedp.ID("confirm"), ns), chromedp.Click(chromedp.CSS("form.confirm button")))
	waitFor(t, b, "the namespace deleted", 30*time.Second, has("Deleted namespace "+ns+" of shared."))
	namespaceGone(t, cs, ns)
}

// namespaceGone waits until Kubernetes has deleted a namespace, or is
// deleting it.
func namespaceGone(t *testing.T, cs kubernetes.Interface, name string) {
	t.Helper()
	poll.Until(t, "namespace "+name+" to be deleted", time.Minute, func() error {
		ns, err := cs.CoreV1().Namespaces().Get(context.Background(), name, metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err) || err == nil && ns.DeletionTimestamp != nil:
			return nil
		case err == nil:
			return errors.New("still there")
		}
		return err
	})
}
