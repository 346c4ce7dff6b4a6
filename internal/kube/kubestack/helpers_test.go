package kubestack

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	authorizationv1 "k8s.io/api/authorization/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/orchestera/orchestera/internal/domain"
	"github.com/orchestera/orchestera/internal/kube/kubetest"
)

// cluster is the test cluster as its admin: a client and the kubeconfig.
func cluster(t *testing.T) (kubernetes.Interface, []byte) {
	t.Helper()
	raw, err := os.ReadFile(kubetest.Kubeconfig(t))
	if err != nil {
		t.Fatal(err)
	}
	cs, err := clientset(raw, Guard{AllowPrivate: true})
	if err != nil {
		t.Fatal(err)
	}
	return cs, raw
}

// testOwner is a stack of an organization no other test uses, so tests
// sharing the cluster never touch each other's objects.
func testOwner(t *testing.T) Owner {
	return Owner{OrgID: "org_" + random(t), Stack: "s-" + random(t)}
}

func random(t *testing.T) string {
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// nsName is a namespace name no other test uses; the namespace is deleted
// when the test ends.
func nsName(t *testing.T, cs kubernetes.Interface) string {
	name := "t-" + random(t)
	t.Cleanup(func() { cs.CoreV1().Namespaces().Delete(context.Background(), name, metav1.DeleteOptions{}) })
	return name
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// allowed asks the API server whether user may do verb on resource in ns.
func allowed(t *testing.T, cs kubernetes.Interface, user, verb, resource, sub, ns string) bool {
	t.Helper()
	r, err := cs.AuthorizationV1().SubjectAccessReviews().Create(testCtx(t), &authorizationv1.SubjectAccessReview{
		Spec: authorizationv1.SubjectAccessReviewSpec{User: user, Groups: []string{"system:serviceaccounts", "system:authenticated"},
			ResourceAttributes: &authorizationv1.ResourceAttributes{Verb: verb, Resource: resource, Subresource: sub, Namespace: ns}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return r.Status.Allowed
}

// adminKube is the shared Kubernetes side, reaching the test cluster as its
// admin, over the given stack namespaces.
func adminKube(t *testing.T, raw []byte, namespaces ...string) *Kube {
	return &Kube{
		Connect: func(context.Context, domain.Stack) (*rest.Config, error) {
			return restConfig(raw, Guard{AllowPrivate: true})
		},
		Sources: fakeSources{namespaces: namespaces},
	}
}

// fakeSources stands in for the store.
type fakeSources struct {
	namespaces  []string
	datasources []domain.Datasource
	credential  string
}

func (f fakeSources) GetStackCredential(context.Context, string) (string, error) {
	if f.credential == "" {
		return "", domain.NotFound("stack credential", "")
	}
	return f.credential, nil
}

func (f fakeSources) ListNamespaces(_ context.Context, orgID, stackID string) ([]domain.Namespace, error) {
	var out []domain.Namespace
	for _, n := range f.namespaces {
		out = append(out, domain.Namespace{OrgID: orgID, StackID: stackID, Name: n})
	}
	return out, nil
}

func (f fakeSources) ListDatasources(context.Context, string, string) ([]domain.Datasource, error) {
	return f.datasources, nil
}

func (f fakeSources) ListStackSecrets(context.Context, string) ([]domain.StoredSecret, error) {
	return nil, nil
}
