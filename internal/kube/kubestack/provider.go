package kubestack

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"time"

	"k8s.io/client-go/rest"

	"github.com/orchestera/orchestera/internal/domain"
)

// Config is what the attached-cluster Provider needs.
type Config struct {
	Sources domain.ClusterSources
	Sealer  domain.Sealer
	Guard   Guard
	Log     *slog.Logger
}

// Provider implements domain.StackProvider and its Kubernetes parts for
// attached (kind kubernetes) stacks: the cluster is the admin's, so the
// graph only checks it and bootstraps the namespaces.
type Provider struct {
	Config
	*Kube
}

var (
	_ domain.StackProvider     = (*Provider)(nil)
	_ domain.NamespaceProvider = (*Provider)(nil)
	_ domain.TokenIssuer       = (*Provider)(nil)
	_ domain.StackSyncer       = (*Provider)(nil)
)

// New returns a Provider.
func New(cfg Config) *Provider {
	p := &Provider{Config: cfg}
	p.Kube = &Kube{Connect: p.connect, Sources: cfg.Sources, Log: cfg.Log}
	return p
}

// connect opens the stack's sealed kubeconfig.
func (p *Provider) connect(ctx context.Context, st domain.Stack) (*rest.Config, error) {
	sealed, err := p.Config.Sources.GetStackCredential(ctx, st.ID)
	if err != nil {
		return nil, err
	}
	kubeconfig, err := p.Sealer.Open(sealed)
	if err != nil {
		return nil, domain.WithFix(errors.New("the attached credential cannot be opened with this server's secret keys"),
			"start the server with the key that sealed it among its secret keys, or attach the cluster again")
	}
	return restConfig(kubeconfig, p.Guard)
}

// Graph checks the cluster, then applies the namespaces.
func (p *Provider) Graph(_ context.Context, st domain.Stack, _ string) (domain.Graph, error) {
	return p.graph(st), nil
}

// Model is the same steps, for plans and progress.
func (p *Provider) Model(st domain.Stack) domain.Graph { return p.graph(st) }

func (p *Provider) graph(st domain.Stack) domain.Graph {
	return domain.Graph{
		{Name: "connect", Estimate: time.Second, Ensure: func(ctx context.Context, _ domain.StepRun) error {
			cs, _, err := p.Client(ctx, st)
			if err != nil {
				return err
			}
			_, err = cs.Discovery().ServerVersion()
			return err
		}},
		p.NamespacesStep(st, "connect"),
	}
}

// Classify adds unreachable clusters to the Kubernetes errors: retried.
func (p *Provider) Classify(err error) domain.Failure {
	var ne net.Error
	if errors.As(err, &ne) {
		return domain.FailureTransient
	}
	return Classify(err)
}

// Leftovers are the stack's namespaces still in the cluster.
func (p *Provider) Leftovers(ctx context.Context, st domain.Stack) ([]domain.Leftover, error) {
	cs, _, err := p.Client(ctx, st)
	if err != nil {
		return nil, err
	}
	names, err := OwnedNamespaces(ctx, cs, owner(st))
	var out []domain.Leftover
	for _, n := range names {
		out = append(out, domain.Leftover{Type: "Namespace", ID: n, State: "terminating",
			Fix: "kubectl get namespace " + n + " -o yaml shows what holds it (a finalizer)"})
	}
	return out, err
}

// Plan: the cluster is the admin's; the platform adds nothing that costs.
func (p *Provider) Plan(context.Context, domain.Stack) (domain.ProviderPlan, error) {
	return domain.ProviderPlan{}, nil
}

// Sync syncs the secrets the platform keeps for the stack, and its
// datasources, into its namespaces.
func (p *Provider) Sync(ctx context.Context, st domain.Stack, _ domain.SyncReport) (domain.SyncReport, error) {
	stored, err := p.Config.Sources.ListStackSecrets(ctx, st.ID)
	if err != nil {
		return domain.SyncReport{}, err
	}
	sources := map[string]NamespaceSources{}
	for _, s := range stored {
		src := SecretSource{Alias: s.Alias, Source: "secret " + s.Alias}
		if raw, err := p.Sealer.Open(s.Sealed); err != nil {
			src.Problem = "it cannot be opened with this server's secret keys: put it again"
		} else if err := json.Unmarshal(raw, &src.Values); err != nil {
			src.Problem = "it is damaged: put it again"
		}
		ns := sources[s.Namespace]
		ns.Secrets = append(ns.Secrets, src)
		sources[s.Namespace] = ns
	}
	items, removed, err := p.SyncStack(ctx, st, sources)
	return domain.SyncReport{Items: items, Removed: removed}, err
}
