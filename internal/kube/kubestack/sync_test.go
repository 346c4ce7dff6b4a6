package kubestack

import (
	"encoding/json"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/orchestera/orchestera/internal/domain"
	"github.com/orchestera/orchestera/internal/runenv"
)

func TestSyncNamespaceAgainstKubernetes(t *testing.T) {
	cs, _ := cluster(t)
	ctx := testCtx(t)
	o := testOwner(t)
	ns := nsName(t, cs)
	if err := EnsureNamespaces(ctx, cs, o, []string{ns}); err != nil {
		t.Fatal(err)
	}
	// A Secret someone else made in the namespace.
	if _, err := cs.CoreV1().Secrets(ns).Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "manual"}, StringData: map[string]string{"K": "theirs"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	src := NamespaceSources{
		Secrets: []SecretSource{
			{Alias: "warehouse-db", Source: "/p/warehouse-db", Values: map[string]string{domain.SecretKeyJDBCUser: "etl", domain.SecretKeyJDBCPassword: "pw-1", "EXTRA": "x"}},
			{Alias: "api", Source: "/p/api", Values: map[string]string{"API_TOKEN": "t-1"}},
			{Alias: "broken", Source: "/p/broken", Problem: "not a flat JSON object of strings"},
			{Alias: "manual", Source: "/p/manual", Values: map[string]string{"K": "ours"}},
		},
		Accounts: map[string]string{SparkAccount: "arn:aws:iam::111122223333:role/etl-s3", "reader": "arn:aws:iam::111122223333:role/reader"},
	}
	ds := []domain.Datasource{
		{Namespace: ns, Name: "warehouse", Kind: domain.DatasourceJDBC, URL: "jdbc:postgresql://db:5432/sales", SecretAlias: "warehouse-db"},
		{Namespace: ns, Name: "events", Kind: domain.DatasourceS3, Bucket: "acme-events", Region: "eu-west-1"},
		{Namespace: ns, Name: "lake", Kind: domain.DatasourceS3, Bucket: "acme-lake", SecretAlias: "missing"},
	}
	items, _, err := SyncNamespace(ctx, cs, o, ns, src, ds)
	if err != nil {
		t.Fatal(err)
	}
	problems := map[string]string{}
	for _, it := range items {
		if it.Problem != "" {
			problems[string(it.Kind)+"/"+it.Alias] = it.Problem
		}
	}
	if len(problems) != 3 || problems["secret/broken"] == "" || !strings.Contains(problems["secret/manual"], "not Orchestera's") ||
		!strings.Contains(problems["datasource/lake"], `"missing" does not exist`) {
		t.Fatalf("problems: %v", problems)
	}
	if got := secretData(t, cs, ns, "warehouse-db"); got[domain.SecretKeyJDBCPassword] != "pw-1" || got["EXTRA"] != "x" {
		t.Errorf("warehouse-db: %v", got)
	}
	if got := secretData(t, cs, ns, "manual"); got["K"] != "theirs" {
		t.Errorf("someone else's Secret was overwritten: %v", got)
	}
	var conns []runenv.Connection
	if err := json.Unmarshal([]byte(secretData(t, cs, ns, runenv.ConnectionsSecret)[runenv.ConnectionsKey]), &conns); err != nil {
		t.Fatal(err)
	}
	if len(conns) != 2 || conns[0].Name != "events" || conns[0].SparkConf["spark.hadoop.fs.s3a.bucket.acme-events.endpoint.region"] != "eu-west-1" ||
		conns[1].Name != "warehouse" || conns[1].JDBC["password"] != "pw-1" || conns[1].JDBC["url"] != "jdbc:postgresql://db:5432/sales" {
		t.Errorf("connections.json: %+v", conns)
	}
	if a := account(t, cs, ns, SparkAccount); a[roleAnnotation] != "arn:aws:iam::111122223333:role/etl-s3" {
		t.Errorf("spark's annotations: %v", a)
	}
	if a := account(t, cs, ns, "reader"); a[roleAnnotation] != "arn:aws:iam::111122223333:role/reader" {
		t.Errorf("reader's annotations: %v", a)
	}

	// Sources change: a key is dropped, a secret and a role are gone.
	src.Secrets = []SecretSource{{Alias: "warehouse-db", Source: "/p/warehouse-db", Values: map[string]string{domain.SecretKeyJDBCUser: "etl", domain.SecretKeyJDBCPassword: "pw-2"}}}
	src.Accounts = nil
	items, removed, err := SyncNamespace(ctx, cs, o, ns, src, ds[:1])
	if err != nil {
		t.Fatal(err)
	}
	if removed != 3 { // the api Secret, spark's annotation, the reader account
		t.Errorf("removed %d, want 3 (items %+v)", removed, items)
	}
	if got := secretData(t, cs, ns, "warehouse-db"); got[domain.SecretKeyJDBCPassword] != "pw-2" || got["EXTRA"] != "" {
		t.Errorf("warehouse-db after the change: %v", got)
	}
	if _, err := cs.CoreV1().Secrets(ns).Get(ctx, "api", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("the api Secret outlived its source: %v", err)
	}
	if got := secretData(t, cs, ns, "manual"); got["K"] != "theirs" {
		t.Errorf("someone else's Secret was touched: %v", got)
	}
	if a := account(t, cs, ns, SparkAccount); a[roleAnnotation] != "" {
		t.Errorf("spark keeps a role whose source is gone: %v", a)
	}
	if _, err := cs.CoreV1().ServiceAccounts(ns).Get(ctx, "reader", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("the reader account outlived its role: %v", err)
	}
	if _, err := cs.CoreV1().ServiceAccounts(ns).Get(ctx, SparkAccount, metav1.GetOptions{}); err != nil {
		t.Errorf("the spark account must stay: %v", err)
	}
}

func secretData(t *testing.T, cs kubernetes.Interface, ns, name string) map[string]string {
	t.Helper()
	s, err := cs.CoreV1().Secrets(ns).Get(testCtx(t), name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("secret %s/%s: %v", ns, name, err)
	}
	out := map[string]string{}
	for k, v := range s.Data {
		out[k] = string(v)
	}
	return out
}

func account(t *testing.T, cs kubernetes.Interface, ns, name string) map[string]string {
	t.Helper()
	sa, err := cs.CoreV1().ServiceAccounts(ns).Get(testCtx(t), name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("service account %s/%s: %v", ns, name, err)
	}
	return sa.Annotations
}
