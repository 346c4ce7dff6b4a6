package web_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"k8s.io/client-go/tools/clientcmd"

	"github.com/orchestera/orchestera/internal/domain"
)

// kubeconfigCanary is the attached credential: no page may show it.
const kubeconfigCanary = "cluster-admin-token-canary-41d7"

const attachKubeconfig = `apiVersion: v1
kind: Config
clusters: [{name: test, cluster: {server: "https://cluster.example.com:6443", certificate-authority-data: Zm9v}}]
users: [{name: admin, user: {token: ` + kubeconfigCanary + `}}]
contexts: [{name: test, context: {cluster: test, user: admin}}]
current-context: test
`

// attached attaches a cluster as stack shared with namespace spark through
// the form, and makes it ready as the workers would.
func attached(t *testing.T, e *env, b *browser) {
	t.Helper()
	p := b.postFile("/stacks/new/attach", "/stacks/new/attach", url.Values{"name": {"shared"}, "namespaces": {"spark"}},
		map[string]string{"kubeconfig_file": attachKubeconfig})
	must(t, p, http.StatusOK, "Attached shared at https://cluster.example.com:6443", "Stack shared")
	ctx := context.Background()
	st, err := e.Store.GetStack(ctx, orgOf(t, e, b), "shared")
	if err != nil {
		t.Fatal(err)
	}
	st.State = domain.StackReady
	if err := e.Store.UpdateStack(ctx, st, domain.StackProvisioning); err != nil {
		t.Fatal(err)
	}
}

func TestAttachFormSaysWhatTheAPISays(t *testing.T) {
	e := newEnv(t, false)
	b := e.signIn("ada", "Ada")
	must(t, b.get("/stacks/new"), http.StatusOK, "Build on AWS", "Attach a cluster", `href="/stacks/new/attach"`)
	must(t, b.get("/stacks/new?step=name"), http.StatusOK, "Name the stack")
	for _, c := range []struct {
		name    string
		form    url.Values
		files   map[string]string
		status  int
		message string
	}{
		{"no kubeconfig", url.Values{"name": {"shared"}}, nil, http.StatusBadRequest, "choose the kubeconfig file, or paste it"},
		{"a bad name", url.Values{"name": {"Shared!"}, "kubeconfig": {attachKubeconfig}}, nil, http.StatusBadRequest, "must be 3-32 lowercase letters"},
		{"Kubernetes's own namespace", url.Values{"name": {"shared"}, "namespaces": {"default"}}, map[string]string{"kubeconfig_file": attachKubeconfig},
			http.StatusBadRequest, "one of Kubernetes&#39;s own namespaces"},
		{"an unknown context", url.Values{"name": {"shared"}, "context": {"prod"}, "kubeconfig": {attachKubeconfig}}, nil, http.StatusBadRequest, "no context &#34;prod&#34; in the kubeconfig"},
		{"not a kubeconfig", url.Values{"name": {"shared"}, "kubeconfig": {"hello"}}, nil, http.StatusBadRequest, "not a kubeconfig"},
		{"too large", url.Values{"name": {"shared"}, "kubeconfig": {strings.Repeat("x", 300<<10)}}, nil, http.StatusBadRequest, "larger than 256 KiB"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := b.postFile("/stacks/new/attach", "/stacks/new/attach", c.form, c.files)
			must(t, p, c.status, c.message, "Attach a cluster")
			if strings.Contains(p.body, kubeconfigCanary) {
				t.Fatal("the form sent the kubeconfig's credential back")
			}
		})
	}
	if p := b.get("/stacks"); strings.Contains(p.body, "shared") {
		t.Fatal("a refused attach left a stack")
	}
	attached(t, e, b)
	for _, path := range []string{"/stacks", "/stacks/shared", "/stacks/shared/namespaces/spark", "/audit"} {
		if p := b.get(path); strings.Contains(p.body, kubeconfigCanary) || p.status != http.StatusOK {
			t.Fatalf("%s: %d, or it shows the attached credential", path, p.status)
		}
	}
}

func TestSyncStatusKubeconfigAndNamespaces(t *testing.T) {
	e := newEnv(t, false)
	b := e.signIn("ada", "Ada")
	attached(t, e, b)
	cluster := e.cluster
	p := b.get("/stacks/shared")
	must(t, p, http.StatusOK, "https://cluster.example.com:6443", "Sync now", "Not synced yet", `href="/stacks/shared/kubeconfig?namespace=spark"`)

	cluster.mu.Lock()
	cluster.sources = func(domain.Stack) []domain.SyncItem {
		return []domain.SyncItem{{Namespace: "spark", Kind: domain.SyncSecret, Alias: "warehouse-db", Source: "secret warehouse-db"},
			{Namespace: "spark", Kind: domain.SyncDatasource, Alias: "warehouse", Source: "datasource warehouse", Problem: `its secret "warehouse-db" lacks JDBC_PASSWORD`}}
	}
	cluster.mu.Unlock()
	p = b.post("/stacks/shared", "/stacks/shared/sync", nil)
	must(t, p, http.StatusOK, "Synced shared: 1 synced, 0 removed, 1 with problems.", "Last synced", "<code>warehouse-db</code>",
		"its secret &#34;warehouse-db&#34; lacks JDBC_PASSWORD", "1 with problems")
	must(t, b.get("/stacks/shared/namespaces/spark"), http.StatusOK, "Sync status", "lacks JDBC_PASSWORD")

	// The kubeconfig is the CLI's: kubectl runs orchestera token.
	p = b.get("/stacks/shared/kubeconfig?namespace=spark")
	if p.status != http.StatusOK || !strings.Contains(p.header.Get("Content-Disposition"), `filename="shared-spark.kubeconfig"`) {
		t.Fatalf("kubeconfig: %d %v\n%s", p.status, p.header, p.body)
	}
	if strings.Contains(p.body, clusterToken) || strings.Contains(p.body, kubeconfigCanary) {
		t.Fatalf("the kubeconfig holds a credential:\n%s", p.body)
	}
	cfg, err := clientcmd.Load([]byte(p.body))
	if err != nil {
		t.Fatal(err)
	}
	ex := cfg.AuthInfos["shared-spark"].Exec
	if want := []string{"token", "--stack", "shared", "--namespace", "spark", "--server", e.URL}; ex == nil || ex.Command != "orchestera" || !slices.Equal(ex.Args, want) ||
		cfg.Clusters["shared"].Server != "https://cluster.example.com:6443" || len(cfg.Clusters["shared"].CertificateAuthorityData) == 0 {
		t.Fatalf("kubeconfig:\n%s", p.body)
	}
	must(t, b.get("/stacks/shared/kubeconfig?namespace=nope"), http.StatusNotFound, "not found")

	// A namespace of a cluster is deleted with its name typed.
	must(t, b.post("/stacks/shared", "/stacks/shared/namespaces", url.Values{"name": {"reports"}}), http.StatusOK, "Namespace reports is on the stack")
	must(t, b.get("/stacks/shared/namespaces/reports/delete"), http.StatusOK, "Delete namespace reports of shared", "with everything in it")
	must(t, b.post("/stacks/shared", "/stacks/shared/namespaces/reports/delete", url.Values{"confirm": {"report"}}), http.StatusBadRequest, "type the namespace&#39;s name, reports")
	must(t, b.post("/stacks/shared", "/stacks/shared/namespaces/reports/delete", url.Values{"confirm": {"reports"}}), http.StatusOK, "Deleted namespace reports of shared.")
	if !slices.Contains(cluster.deleted, "reports") {
		t.Fatal("the namespace was not deleted in the cluster")
	}
}

func TestDatasourcesAndSecretsOfANamespace(t *testing.T) {
	e := newEnv(t, false)
	b := e.signIn("ada", "Ada")
	attached(t, e, b)
	const ns = "/stacks/shared/namespaces/spark"
	must(t, b.post(ns, ns+"/datasources", url.Values{"name": {"bad"}, "kind": {"jdbc"}, "url": {"jdbc:postgresql://u:p@db/x"}}), http.StatusBadRequest,
		"the URL carries credentials", `value="jdbc:postgresql://u:p@db/x"`)
	// The other kind's fields are left out, as the form posts them all.
	p := b.post(ns, ns+"/datasources", url.Values{"name": {"warehouse"}, "kind": {"jdbc"}, "url": {"jdbc:postgresql://db:5432/sales"}, "bucket": {"left-over"}, "secret": {"warehouse-db"}})
	must(t, p, http.StatusOK, "Datasource warehouse is saved", "<code>jdbc:postgresql://db:5432/sales</code>", "<code>warehouse-db</code>")
	must(t, b.post(ns, ns+"/datasources", url.Values{"name": {"events"}, "kind": {"s3"}, "bucket": {"acme-events"}, "region": {"eu-west-1"}}), http.StatusOK, "s3://acme-events")

	const canary = "canary-value-9f2c41"
	for _, c := range []struct{ value, message string }{
		{`not json ` + canary, "must be one flat JSON object of strings"},
		{`{"ORCH_NAMESPACE": "` + canary + `"}`, "ORCH_NAMESPACE is reserved"},
		{`{"nested": {"a": "` + canary + `"}}`, "must be one flat JSON object of strings"},
	} {
		p := b.post(ns, ns+"/secrets", url.Values{"alias": {"warehouse-db"}, "value": {c.value}})
		must(t, p, http.StatusBadRequest, c.message, `value="warehouse-db"`, "Paste the value again")
		if strings.Contains(p.body, canary) {
			t.Fatalf("a refused secret's value is in the page:\n%s", p.body)
		}
	}
	p = b.post(ns, ns+"/secrets", url.Values{"alias": {"warehouse-db"}, "value": {`{"JDBC_USER": "etl", "JDBC_PASSWORD": "` + canary + `"}`}})
	must(t, p, http.StatusOK, "Secret warehouse-db is saved", "<code>JDBC_PASSWORD</code> <code>JDBC_USER</code>")
	for _, path := range []string{ns, "/stacks/shared", "/audit", "/stacks"} {
		if strings.Contains(b.get(path).body, canary) {
			t.Fatalf("%s shows a secret's value", path)
		}
	}
	must(t, b.post(ns, ns+"/secrets/warehouse-db/delete", nil), http.StatusOK, "Deleted secret warehouse-db.", "No secrets yet.")
	must(t, b.post(ns, ns+"/datasources/events/delete", nil), http.StatusOK, "Removed datasource events")
	if p := b.get(ns); strings.Contains(p.body, "s3://acme-events") {
		t.Fatal("the datasource is still listed")
	}
}

func TestSecretsOfTheLocalStack(t *testing.T) {
	e := newEnv(t, true)
	b := e.browser()
	b.get("/stacks") // signs the local admin in
	if err := e.Stacks.EnsureLocal(context.Background(), orgOf(t, e, b)); err != nil {
		t.Fatal(err)
	}
	const ns = "/stacks/local/namespaces/default"
	must(t, b.get("/stacks/local"), http.StatusOK, `href="`+ns+`"`)
	must(t, b.get(ns), http.StatusOK, "Namespace default of local", "Put a secret", "No secrets yet.")
	if p := b.get(ns); strings.Contains(p.body, "Datasources") || strings.Contains(p.body, "Delete namespace") {
		t.Fatal("the local stack's namespace offers what only clusters have")
	}
	must(t, b.post(ns, ns+"/secrets", url.Values{"alias": {"api"}, "value": {`{"API_KEY": "local-canary-1"}`}}), http.StatusOK, "<code>API_KEY</code>")
	if strings.Contains(b.get(ns).body, "local-canary-1") {
		t.Fatal("the local secret's value is shown")
	}
	must(t, b.post(ns, "/stacks/local/sync", nil), http.StatusConflict, "it has nothing to sync")
}

// TestClusterPagesOfAnotherOrganization: every new page and form answers
// 404 to another organization and changes nothing.
func TestClusterPagesOfAnotherOrganization(t *testing.T) {
	e := newEnv(t, false)
	ada := e.signIn("ada", "Ada")
	attached(t, e, ada)
	const ns = "/stacks/shared/namespaces/spark"
	must(t, ada.post(ns, ns+"/datasources", url.Values{"name": {"events"}, "kind": {"s3"}, "bucket": {"acme-events"}}), http.StatusOK, "s3://acme-events")
	must(t, ada.post(ns, ns+"/secrets", url.Values{"alias": {"db"}, "value": {`{"A": "b"}`}}), http.StatusOK, "<code>A</code>")

	mallory := e.signIn("mallory", "Mallory")
	for _, path := range []string{ns, ns + "/delete", "/stacks/shared/kubeconfig?namespace=spark"} {
		must(t, mallory.get(path), http.StatusNotFound, "not found")
	}
	for path, form := range map[string]url.Values{
		"/stacks/shared/sync": nil, ns + "/delete": {"confirm": {"spark"}}, ns + "/datasources": {"name": {"evil"}, "kind": {"s3"}, "bucket": {"evil-bucket"}},
		ns + "/datasources/events/delete": nil, ns + "/secrets": {"alias": {"db"}, "value": {`{"A": "evil"}`}}, ns + "/secrets/db/delete": nil,
	} {
		must(t, mallory.post("/org", path, form), http.StatusNotFound, "not found")
	}
	if p := ada.get(ns); !strings.Contains(p.body, "s3://acme-events") || !strings.Contains(p.body, "<code>db</code>") || strings.Contains(p.body, "evil") {
		t.Fatalf("another organization's posts changed ada's namespace:\n%s", p.body)
	}
}
