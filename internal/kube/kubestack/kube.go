package kubestack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/orchestera/orchestera/internal/domain"
)

// Connect is how the platform reaches a stack's cluster: from an attached
// kubeconfig, or with an EKS token. It returns an error wrapping
// ErrNoCluster when the cluster does not exist (any more): destroying its
// objects then has nothing to do.
type Connect func(ctx context.Context, st domain.Stack) (*rest.Config, error)

// ErrNoCluster says the stack's cluster does not exist.
var ErrNoCluster = errors.New("the stack's cluster does not exist")

// Gone reports whether err means there is no cluster to act on.
func Gone(err error) bool { return errors.Is(err, ErrNoCluster) }

// Kube is the Kubernetes side of a stack, whoever built the cluster:
// namespaces, their accounts, tokens for people and the synced objects.
type Kube struct {
	Connect Connect
	Sources domain.ClusterSources
	Log     *slog.Logger

	mu      sync.Mutex
	clients map[string]cached // by stack id
}

type cached struct {
	cfg     *rest.Config
	cs      kubernetes.Interface
	expires time.Time
}

// clientTTL bounds how long a connection is reused: EKS tokens last 15
// minutes, and a re-attached credential must take effect.
const clientTTL = 5 * time.Minute

// clientQPS is how many requests a second the platform makes of a cluster.
const clientQPS = 500

// Client is a client of the stack's cluster, reused for a few minutes.
func (k *Kube) Client(ctx context.Context, st domain.Stack) (kubernetes.Interface, *rest.Config, error) {
	k.mu.Lock()
	c, ok := k.clients[st.ID]
	k.mu.Unlock()
	if ok && time.Now().Before(c.expires) {
		return c.cs, c.cfg, nil
	}
	cfg, err := k.Connect(ctx, st)
	if err != nil {
		return nil, nil, err
	}
	// The platform is a controller, not a kubectl: client-go's default of
	// 5 requests a second would queue a burst of runs for minutes.
	cfg.QPS, cfg.Burst = clientQPS, 2*clientQPS
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, nil, err
	}
	k.mu.Lock()
	if k.clients == nil {
		k.clients = map[string]cached{}
	}
	k.clients[st.ID] = cached{cfg, cs, time.Now().Add(clientTTL)}
	k.mu.Unlock()
	return cs, cfg, nil
}

// Forget drops a stack's cached client (its credential changed).
func (k *Kube) Forget(stackID string) {
	k.mu.Lock()
	delete(k.clients, stackID)
	k.mu.Unlock()
}

func owner(st domain.Stack) Owner { return Owner{OrgID: st.OrgID, Stack: st.Name} }

// NamespacesStep applies every namespace of the stack after the given
// steps, and deletes the stack's namespaces that are no longer its. Its
// destroy deletes them all and waits until Kubernetes has.
func (k *Kube) NamespacesStep(st domain.Stack, after ...string) domain.Step {
	return domain.Step{
		Name: "namespaces", After: after, Estimate: 5 * time.Second,
		Resources: []string{"Namespace", "ServiceAccount", "Role", "RoleBinding"},
		Ensure: func(ctx context.Context, _ domain.StepRun) error {
			cs, _, err := k.Client(ctx, st)
			if err != nil {
				return err
			}
			nss, err := k.Sources.ListNamespaces(ctx, st.OrgID, st.ID)
			if err != nil {
				return err
			}
			var names []string
			for _, ns := range nss {
				names = append(names, ns.Name)
			}
			return EnsureNamespaces(ctx, cs, owner(st), names)
		},
		Destroy: func(ctx context.Context, _ domain.StepRun) error {
			cs, _, err := k.Client(ctx, st)
			if Gone(err) {
				return nil
			}
			if err != nil {
				return err
			}
			if err := EnsureNamespaces(ctx, cs, owner(st), nil); err != nil {
				return err
			}
			left, err := OwnedNamespaces(ctx, cs, owner(st))
			if err != nil || len(left) == 0 {
				return err
			}
			return domain.NotReady(2*time.Second, "Kubernetes is still deleting namespaces %v", left)
		},
	}
}

// EnsureNamespace applies one namespace at once.
func (k *Kube) EnsureNamespace(ctx context.Context, st domain.Stack, name string) error {
	cs, _, err := k.Client(ctx, st)
	if err != nil {
		return err
	}
	return EnsureNamespace(ctx, cs, owner(st), name)
}

// DeleteNamespace deletes one namespace of the stack's.
func (k *Kube) DeleteNamespace(ctx context.Context, st domain.Stack, name string) error {
	cs, _, err := k.Client(ctx, st)
	if err != nil {
		return err
	}
	return DeleteNamespace(ctx, cs, owner(st), name)
}

// tokenLifetime is how long a person's token lasts; the exec plugin asks
// for a new one when it expires.
const tokenLifetime = time.Hour

// Token is a short-lived token of the namespace's orchestera-user account:
// what `orchestera token` prints for kubectl.
func (k *Kube) Token(ctx context.Context, st domain.Stack, namespace string) (domain.ClusterToken, error) {
	cs, cfg, err := k.Client(ctx, st)
	if err != nil {
		return domain.ClusterToken{}, err
	}
	seconds := int64(tokenLifetime / time.Second)
	tr, err := cs.CoreV1().ServiceAccounts(namespace).CreateToken(ctx, UserAccount,
		&authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: &seconds}}, metav1.CreateOptions{})
	if apierrors.IsNotFound(err) {
		return domain.ClusterToken{}, domain.Errorf(domain.CodeConflict,
			"namespace %s of stack %s is not bootstrapped in the cluster yet: update the stack (orchestera stacks update %s)", namespace, st.Name, st.Name)
	}
	if err != nil {
		return domain.ClusterToken{}, fmt.Errorf("issuing a token for namespace %s: %w", namespace, err)
	}
	return domain.ClusterToken{Endpoint: cfg.Host, CA: cfg.CAData, Token: tr.Status.Token, Expires: tr.Status.ExpirationTimestamp.Time}, nil
}

// Classify says which Kubernetes errors are worth retrying and which mean
// the platform's credential lacks a right.
func Classify(err error) domain.Failure {
	switch {
	case apierrors.IsForbidden(err) || apierrors.IsUnauthorized(err):
		return domain.FailureForbidden
	case apierrors.IsTooManyRequests(err) || apierrors.IsServerTimeout(err) || apierrors.IsTimeout(err) ||
		apierrors.IsServiceUnavailable(err) || apierrors.IsInternalError(err) || apierrors.IsConflict(err):
		return domain.FailureTransient
	}
	return domain.FailurePermanent
}
