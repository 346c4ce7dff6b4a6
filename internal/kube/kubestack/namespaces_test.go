package kubestack

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/orchestera/orchestera/internal/domain"
)

func TestBootstrapAgainstKubernetes(t *testing.T) {
	cs, _ := cluster(t)
	ctx := testCtx(t)
	o := testOwner(t)
	etl, reports := nsName(t, cs), nsName(t, cs)
	if err := EnsureNamespaces(ctx, cs, o, []string{etl, reports}); err != nil {
		t.Fatal(err)
	}

	ns, err := cs.CoreV1().Namespaces().Get(ctx, etl, metav1.GetOptions{})
	if err != nil || !o.Owns(ns.Labels) {
		t.Fatalf("namespace %s: %v, labels %v", etl, err, ns.Labels)
	}
	for _, sa := range []string{SparkAccount, UserAccount} {
		if _, err := cs.CoreV1().ServiceAccounts(etl).Get(ctx, sa, metav1.GetOptions{}); err != nil {
			t.Errorf("service account %s/%s: %v", etl, sa, err)
		}
	}

	// What a Spark driver can do, asked of the API server's authorizer.
	spark := "system:serviceaccount:" + etl + ":" + SparkAccount
	for _, c := range []struct {
		verb, resource, sub, ns string
		want                    bool
	}{
		{"create", "pods", "", etl, true},
		{"watch", "pods", "", etl, true},
		{"deletecollection", "pods", "", etl, true},
		{"create", "services", "", etl, true},
		{"create", "configmaps", "", etl, true},
		{"create", "persistentvolumeclaims", "", etl, true},
		{"get", "pods", "log", etl, true},
		{"create", "pods", "", reports, false}, // another namespace of the same stack
		{"create", "pods", "", "default", false},
		{"list", "nodes", "", "", false}, // nothing cluster-wide
		{"get", "secrets", "", etl, false},
		{"create", "roles", "", etl, false},
	} {
		if got := allowed(t, cs, spark, c.verb, c.resource, c.sub, c.ns); got != c.want {
			t.Errorf("spark may %s %s/%s in %q: %v, want %v", c.verb, c.resource, c.sub, c.ns, got, c.want)
		}
	}
	user := "system:serviceaccount:" + etl + ":" + UserAccount
	if !allowed(t, cs, user, "create", "pods", "portforward", etl) || allowed(t, cs, user, "get", "secrets", "", etl) || allowed(t, cs, user, "list", "pods", "", reports) {
		t.Error("orchestera-user must port-forward in its namespace, never read secrets or see another namespace")
	}

	// Applying again changes nothing: no object gets a new version.
	before := versions(t, cs, etl)
	if err := EnsureNamespaces(ctx, cs, o, []string{etl, reports}); err != nil {
		t.Fatal(err)
	}
	if after := versions(t, cs, etl); after != before {
		t.Errorf("re-applying changed objects: %s, then %s", before, after)
	}

	// A namespace of that name that is not the stack's is refused, not
	// adopted; another stack's namespaces are not the stack's either.
	foreign := nsName(t, cs)
	if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: foreign}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	err = EnsureNamespace(ctx, cs, o, foreign)
	if domain.ErrorCode(err) != domain.CodeConflict || domain.FixOf(err) == "" {
		t.Fatalf("a foreign namespace: %v, want a conflict with a fix", err)
	}
	if got, _ := cs.CoreV1().Namespaces().Get(ctx, foreign, metav1.GetOptions{}); len(got.Labels) > 1 { // kubernetes.io/metadata.name only
		t.Errorf("the foreign namespace was relabelled: %v", got.Labels)
	}
	other := testOwner(t)
	if err := EnsureNamespaces(ctx, cs, other, nil); err != nil {
		t.Fatal(err)
	}
	if err := DeleteNamespace(ctx, cs, other, etl); err != nil {
		t.Fatal(err)
	}

	// A namespace no longer the stack's is deleted, the others are kept.
	if err := EnsureNamespaces(ctx, cs, o, []string{etl}); err != nil {
		t.Fatal(err)
	}
	if got, err := cs.CoreV1().Namespaces().Get(ctx, reports, metav1.GetOptions{}); err == nil && got.DeletionTimestamp == nil {
		t.Errorf("namespace %s was not deleted", reports)
	} else if err != nil && !apierrors.IsNotFound(err) {
		t.Fatal(err)
	}
	if got, err := cs.CoreV1().Namespaces().Get(ctx, etl, metav1.GetOptions{}); err != nil || got.DeletionTimestamp != nil {
		t.Errorf("namespace %s must stay (another stack's removal touched it?): %v", etl, err)
	}
	if _, err := cs.CoreV1().Namespaces().Get(ctx, foreign, metav1.GetOptions{}); err != nil {
		t.Errorf("the foreign namespace must be left alone: %v", err)
	}
}

// versions are the resource versions of a namespace's bootstrap objects.
func versions(t *testing.T, cs kubernetes.Interface, ns string) string {
	t.Helper()
	ctx := testCtx(t)
	n, err := cs.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	out := n.ResourceVersion
	for _, account := range slices.Sorted(maps.Keys(accountRules)) {
		sa, err1 := cs.CoreV1().ServiceAccounts(ns).Get(ctx, account, metav1.GetOptions{})
		r, err2 := cs.RbacV1().Roles(ns).Get(ctx, account, metav1.GetOptions{})
		b, err3 := cs.RbacV1().RoleBindings(ns).Get(ctx, account, metav1.GetOptions{})
		if err := errors.Join(err1, err2, err3); err != nil {
			t.Fatal(err)
		}
		out += fmt.Sprintf(" %s:%s/%s/%s", account, sa.ResourceVersion, r.ResourceVersion, b.ResourceVersion)
	}
	return out
}
