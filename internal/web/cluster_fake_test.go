package web_test

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/orchestera/orchestera/internal/domain"
)

// fakeCluster stands for an attached cluster: it accepts any kubeconfig
// that looks like one, bootstraps nothing, issues a token with a secret
// the pages must never show, and reports a sync of every namespace's
// stored secrets and datasources the way kubestack words them.
type fakeCluster struct {
	mu      sync.Mutex
	deleted []string
	sources func(st domain.Stack) []domain.SyncItem // set by a test; nil: nothing to sync
}

// clusterToken is the fake's namespace token: no page may show it.
const clusterToken = "sa-token-must-not-leak"

var _ interface {
	domain.StackProvider
	domain.NamespaceProvider
	domain.TokenIssuer
	domain.StackSyncer
	domain.ClusterAttacher
} = (*fakeCluster)(nil)

func (f *fakeCluster) Graph(context.Context, domain.Stack, string) (domain.Graph, error) {
	return nil, nil
}
func (f *fakeCluster) Model(domain.Stack) domain.Graph { return nil }
func (f *fakeCluster) Classify(error) domain.Failure   { return domain.FailurePermanent }
func (f *fakeCluster) Leftovers(context.Context, domain.Stack) ([]domain.Leftover, error) {
	return nil, nil
}
func (f *fakeCluster) Plan(context.Context, domain.Stack) (domain.ProviderPlan, error) {
	return domain.ProviderPlan{}, nil
}

func (f *fakeCluster) EnsureNamespace(context.Context, domain.Stack, string) error { return nil }

func (f *fakeCluster) DeleteNamespace(_ context.Context, _ domain.Stack, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.deleted = append(f.deleted, name)
	return nil
}

func (f *fakeCluster) Token(_ context.Context, st domain.Stack, ns string) (domain.ClusterToken, error) {
	return domain.ClusterToken{Endpoint: st.Endpoint, CA: []byte("-----BEGIN CERTIFICATE-----\nZmFrZQ==\n-----END CERTIFICATE-----\n"),
		Token: clusterToken, Expires: time.Now().Add(time.Hour)}, nil
}

func (f *fakeCluster) Sync(_ context.Context, st domain.Stack, _ domain.SyncReport) (domain.SyncReport, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.sources == nil {
		return domain.SyncReport{}, nil
	}
	return domain.SyncReport{Items: f.sources(st)}, nil
}

func (f *fakeCluster) Attach(_ context.Context, kubeconfig []byte, kctx string) (domain.AttachedCluster, error) {
	if !strings.Contains(string(kubeconfig), "kind: Config") {
		return domain.AttachedCluster{}, domain.Invalid("kubeconfig", "valid", "not a kubeconfig: no kind: Config")
	}
	if kctx != "" && kctx != "test" {
		return domain.AttachedCluster{}, domain.Invalid("context", "exists", `no context "`+kctx+`" in the kubeconfig (it has test)`)
	}
	return domain.AttachedCluster{Endpoint: "https://cluster.example.com:6443", Credential: kubeconfig}, nil
}
