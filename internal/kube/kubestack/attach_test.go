package kubestack

import (
	"context"
	"errors"
	"strings"
	"testing"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/orchestera/orchestera/internal/domain"
)

func TestAttachAgainstKubernetes(t *testing.T) {
	cs, raw := cluster(t)
	ctx := testCtx(t)
	a := Attacher{Guard: Guard{AllowPrivate: true}}

	got, err := a.Attach(ctx, raw, "")
	if err != nil {
		t.Fatal(err)
	}
	kept, err := clientcmd.Load(got.Credential)
	if err != nil || len(kept.Contexts) != 1 || len(kept.AuthInfos) != 1 || got.Endpoint != kept.Clusters["cluster"].Server {
		t.Fatalf("kept %v (%v), endpoint %s", kept, err, got.Endpoint)
	}

	edit := func(f func(*clientcmdapi.Config)) []byte {
		cfg, err := clientcmd.Load(raw)
		if err != nil {
			t.Fatal(err)
		}
		f(cfg)
		b, err := clientcmd.Write(*cfg)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	user := func(cfg *clientcmdapi.Config) *clientcmdapi.AuthInfo {
		return cfg.AuthInfos[cfg.Contexts[cfg.CurrentContext].AuthInfo]
	}
	clusterOf := func(cfg *clientcmdapi.Config) *clientcmdapi.Cluster {
		return cfg.Clusters[cfg.Contexts[cfg.CurrentContext].Cluster]
	}
	for _, c := range []struct {
		name       string
		kubeconfig []byte
		context    string
		guard      Guard
		rule, says string
	}{
		{"loopback in hosted mode", raw, "", Guard{}, "endpoint", "loopback"},
		{"an unknown context", raw, "prod", Guard{AllowPrivate: true}, "exists", `no context "prod"`},
		{"an exec plugin", edit(func(cfg *clientcmdapi.Config) {
			u := user(cfg)
			u.Token, u.Exec = "", &clientcmdapi.ExecConfig{Command: "aws", Args: []string{"eks", "get-token"}, APIVersion: "client.authentication.k8s.io/v1"}
		}), "", Guard{AllowPrivate: true}, "static_credential", "plugin the server cannot run"},
		{"a file reference", edit(func(cfg *clientcmdapi.Config) { user(cfg).TokenFile = "/home/admin/token" }), "", Guard{AllowPrivate: true}, "inline", "flatten"},
		{"no TLS verification", edit(func(cfg *clientcmdapi.Config) {
			c := clusterOf(cfg)
			c.InsecureSkipTLSVerify, c.CertificateAuthorityData = true, nil
		}), "", Guard{AllowPrivate: true}, "tls", "skips TLS verification"},
		{"not a kubeconfig", []byte("{{"), "", Guard{AllowPrivate: true}, "valid", "not a kubeconfig"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Attacher{Guard: c.guard}.Attach(ctx, c.kubeconfig, c.context)
			var de *domain.Error
			if !asDomain(err, &de) || de.Code != domain.CodeInvalid || de.Fields[0].Rule != c.rule || !strings.Contains(de.Fields[0].Message, c.says) {
				t.Fatalf("got %v, want rule %s saying %q", err, c.rule, c.says)
			}
		})
	}

	unreachable := edit(func(cfg *clientcmdapi.Config) { clusterOf(cfg).Server = "https://127.0.0.1:1" })
	if _, err := a.Attach(ctx, unreachable, ""); err == nil || !strings.Contains(err.Error(), "cannot reach the cluster at https://127.0.0.1:1") {
		t.Errorf("an unreachable cluster: %v", err)
	}

	// A credential that can do little is refused with everything it lacks.
	limited := serviceAccountKubeconfig(t, cs, raw, nsName(t, cs))
	_, err = a.Attach(ctx, limited, "")
	var de *domain.Error
	if !asDomain(err, &de) || de.Fields[0].Rule != "permissions" || !strings.Contains(de.Fields[0].Message, "create namespaces") || !strings.Contains(de.Fields[0].Message, "create roles") {
		t.Fatalf("a limited credential: %v", err)
	}
}

func TestTokensAgainstKubernetes(t *testing.T) {
	cs, raw := cluster(t)
	ctx := testCtx(t)
	o := testOwner(t)
	etl, other := nsName(t, cs), nsName(t, cs)
	if err := EnsureNamespaces(ctx, cs, o, []string{etl, other}); err != nil {
		t.Fatal(err)
	}
	k := adminKube(t, raw, etl, other)
	st := domain.Stack{ID: "stk_1", OrgID: o.OrgID, Name: o.Stack}
	tok, err := k.Token(ctx, st, etl)
	if err != nil {
		t.Fatal(err)
	}
	if tok.Endpoint != "https://127.0.0.1:443" || len(tok.CA) == 0 || tok.Expires.IsZero() {
		t.Fatalf("token: endpoint %q, %d bytes of CA, expires %v", tok.Endpoint, len(tok.CA), tok.Expires)
	}
	cfg, err := restConfig(raw, Guard{AllowPrivate: true})
	if err != nil {
		t.Fatal(err)
	}
	cfg.BearerToken, cfg.BearerTokenFile = tok.Token, ""
	as, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := as.CoreV1().Pods(etl).List(ctx, metav1.ListOptions{}); err != nil {
		t.Errorf("the token cannot list pods in its namespace: %v", err)
	}
	for what, err := range map[string]error{
		"pods of another namespace": second(as.CoreV1().Pods(other).List(ctx, metav1.ListOptions{})),
		"secrets":                   second(as.CoreV1().Secrets(etl).List(ctx, metav1.ListOptions{})),
		"nodes":                     second(as.CoreV1().Nodes().List(ctx, metav1.ListOptions{})),
	} {
		if !apierrors.IsForbidden(err) {
			t.Errorf("the token may list %s: %v", what, err)
		}
	}
	if _, err := k.Token(ctx, st, nsName(t, cs)); domain.ErrorCode(err) != domain.CodeConflict {
		t.Errorf("a token for a namespace not bootstrapped: %v", err)
	}
}

func second[T any](_ T, err error) error { return err }

func asDomain(err error, de **domain.Error) bool {
	return errors.As(err, de) && len((*de).Fields) > 0
}

// The guard is checked where connections are made too, so a name that
// resolves to a public address when attached and to a private one later
// is still refused.
func TestGuardRefusesPrivateAddressesWhenDialling(t *testing.T) {
	for _, addr := range []string{"127.0.0.1:443", "169.254.169.254:80", "10.0.0.1:443", "[::1]:443"} {
		if _, err := (Guard{}).dial(context.Background(), "tcp", addr); err == nil || !strings.Contains(err.Error(), "does not connect to") {
			t.Errorf("dialling %s: %v", addr, err)
		}
	}
}

// serviceAccountKubeconfig is a kubeconfig of a service account that may
// only read pods in ns.
func serviceAccountKubeconfig(t *testing.T, cs kubernetes.Interface, raw []byte, ns string) []byte {
	t.Helper()
	ctx := context.Background()
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}))
	must(cs.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "limited"}}, metav1.CreateOptions{}))
	must(cs.RbacV1().Roles(ns).Create(ctx, &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "limited"},
		Rules: []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get"}}}}, metav1.CreateOptions{}))
	must(cs.RbacV1().RoleBindings(ns).Create(ctx, &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "limited"},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "limited"},
		Subjects: []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: "limited", Namespace: ns}}}, metav1.CreateOptions{}))
	tr, err := cs.CoreV1().ServiceAccounts(ns).CreateToken(ctx, "limited", &authenticationv1.TokenRequest{}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := clientcmd.Load(raw)
	if err != nil {
		t.Fatal(err)
	}
	cfg.AuthInfos[cfg.Contexts[cfg.CurrentContext].AuthInfo] = &clientcmdapi.AuthInfo{Token: tr.Status.Token}
	b, err := clientcmd.Write(*cfg)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
