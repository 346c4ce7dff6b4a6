package kubestack

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	authorizationv1 "k8s.io/api/authorization/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/orchestera/orchestera/internal/domain"
)

// Attacher checks the kubeconfig an admin attaches a cluster with.
type Attacher struct {
	// Dial guards the addresses the platform connects to (see Guard).
	Guard Guard
}

var _ domain.ClusterAttacher = Attacher{}

// needed is what bootstrap and runs do with the attached credential; a
// credential that may not do all of it is refused, naming what is missing.
// A Role can only grant what its creator holds, so the credential needs
// the pod, service and config map rights it hands to the spark account.
var needed = []authorizationv1.ResourceAttributes{
	{Verb: "create", Resource: "namespaces"},
	{Verb: "delete", Resource: "namespaces"},
	{Verb: "create", Resource: "serviceaccounts"},
	{Verb: "create", Resource: "serviceaccounts", Subresource: "token"},
	{Verb: "create", Group: "rbac.authorization.k8s.io", Resource: "roles"},
	{Verb: "create", Group: "rbac.authorization.k8s.io", Resource: "rolebindings"},
	{Verb: "create", Resource: "secrets"},
	{Verb: "delete", Resource: "secrets"},
	{Verb: "deletecollection", Resource: "pods"},
	{Verb: "create", Resource: "pods"},
	{Verb: "create", Resource: "services"},
	{Verb: "create", Resource: "configmaps"},
	{Verb: "create", Resource: "persistentvolumeclaims"},
}

// Attach keeps one context of a kubeconfig: it must carry its credential
// inline (the server cannot read the admin's files or run their exec
// plugins), verify the server's certificate, reach the cluster, and may do
// what the platform needs.
func (a Attacher) Attach(ctx context.Context, kubeconfig []byte, contextName string) (domain.AttachedCluster, error) {
	minimal, server, err := minify(kubeconfig, contextName)
	if err != nil {
		return domain.AttachedCluster{}, err
	}
	if err := a.Guard.CheckURL(server); err != nil {
		return domain.AttachedCluster{}, domain.Invalid("kubeconfig", "endpoint", err.Error())
	}
	cs, err := clientset(minimal, a.Guard)
	if err != nil {
		return domain.AttachedCluster{}, domain.Invalid("kubeconfig", "valid", err.Error())
	}
	if _, err := cs.Discovery().ServerVersion(); err != nil {
		return domain.AttachedCluster{}, domain.WithFix(
			domain.Errorf(domain.CodeInvalid, "cannot reach the cluster at %s: %v", server, err),
			"check the address is reachable from the Orchestera server and the credential is valid (kubectl --kubeconfig FILE version)")
	}
	if missing := cannot(ctx, cs); len(missing) > 0 {
		return domain.AttachedCluster{}, domain.Invalid("kubeconfig", "permissions",
			"the credential may not "+strings.Join(missing, ", ")+": attach with one bound to cluster-admin, or to a ClusterRole with these rights")
	}
	return domain.AttachedCluster{Endpoint: server, Credential: minimal}, nil
}

// minify keeps only the chosen context, its cluster and its user, refusing
// what the server cannot or must not use.
func minify(kubeconfig []byte, contextName string) ([]byte, string, error) {
	cfg, err := clientcmd.Load(kubeconfig)
	if err != nil {
		return nil, "", domain.Invalid("kubeconfig", "valid", "not a kubeconfig: "+err.Error())
	}
	if contextName == "" {
		contextName = cfg.CurrentContext
	}
	kctx, ok := cfg.Contexts[contextName]
	if contextName == "" || !ok {
		return nil, "", domain.Invalid("context", "exists", fmt.Sprintf("no context %q in the kubeconfig (it has %s)", contextName, strings.Join(names(cfg.Contexts), ", ")))
	}
	cluster, user := cfg.Clusters[kctx.Cluster], cfg.AuthInfos[kctx.AuthInfo]
	switch {
	case cluster == nil:
		return nil, "", domain.Invalid("kubeconfig", "cluster", fmt.Sprintf("context %s names cluster %q, which the kubeconfig does not have", contextName, kctx.Cluster))
	case user == nil:
		return nil, "", domain.Invalid("kubeconfig", "user", fmt.Sprintf("context %s names user %q, which the kubeconfig does not have", contextName, kctx.AuthInfo))
	case cluster.InsecureSkipTLSVerify:
		return nil, "", domain.Invalid("kubeconfig", "tls", "cluster "+kctx.Cluster+" skips TLS verification: the platform would hand its credential to whoever answers; give the cluster's certificate-authority-data")
	case cluster.CertificateAuthority != "" || user.ClientCertificate != "" || user.ClientKey != "" || user.TokenFile != "":
		return nil, "", domain.Invalid("kubeconfig", "inline", "the kubeconfig refers to files the server cannot read: flatten it (kubectl config view --minify --flatten --raw) or attach with the orchestera CLI, which does")
	case user.Exec != nil || user.AuthProvider != nil:
		return nil, "", domain.Invalid("kubeconfig", "static_credential", "user "+kctx.AuthInfo+" signs in with a plugin the server cannot run: attach with a token or client certificate, such as a ServiceAccount token (docs/attaching-a-cluster.md)")
	case user.Token == "" && len(user.ClientCertificateData) == 0:
		return nil, "", domain.Invalid("kubeconfig", "credential", "user "+kctx.AuthInfo+" has no token or client certificate")
	case !strings.HasPrefix(cluster.Server, "https://"):
		return nil, "", domain.Invalid("kubeconfig", "https", "the cluster's server must be an https:// address, not "+cluster.Server)
	}
	kept := clientcmdapi.NewConfig()
	kept.Clusters["cluster"] = cluster
	kept.AuthInfos["user"] = user
	kept.Contexts["attached"] = &clientcmdapi.Context{Cluster: "cluster", AuthInfo: "user", Namespace: kctx.Namespace}
	kept.CurrentContext = "attached"
	out, err := clientcmd.Write(*kept)
	return out, cluster.Server, err
}

// cannot lists what the credential may not do, by SelfSubjectAccessReview.
func cannot(ctx context.Context, cs kubernetes.Interface) []string {
	var missing []string
	for _, attrs := range needed {
		review := &authorizationv1.SelfSubjectAccessReview{Spec: authorizationv1.SelfSubjectAccessReviewSpec{ResourceAttributes: &attrs}}
		got, err := cs.AuthorizationV1().SelfSubjectAccessReviews().Create(ctx, review, metav1.CreateOptions{})
		if err != nil || !got.Status.Allowed {
			what := attrs.Verb + " " + attrs.Resource
			if attrs.Subresource != "" {
				what += "/" + attrs.Subresource
			}
			missing = append(missing, what)
		}
	}
	return missing
}

func names[V any](m map[string]V) []string {
	if len(m) == 0 {
		return []string{"none"}
	}
	return slices.Sorted(maps.Keys(m))
}
