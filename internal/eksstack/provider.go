package eksstack

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/orchestera/orchestera/internal/aws/awssdk"
	"github.com/orchestera/orchestera/internal/aws/awsstack"
	"github.com/orchestera/orchestera/internal/aws/ekstoken"
	"github.com/orchestera/orchestera/internal/domain"
	"github.com/orchestera/orchestera/internal/kube/karpenter"
	"github.com/orchestera/orchestera/internal/kube/kubestack"
)

// Config is what a Provider needs.
type Config struct {
	AWS     *awsstack.Provider
	Sources domain.ClusterSources
	Chart   karpenter.Chart
	// Kubeconfig, when set, is how every EKS cluster's Kubernetes side is
	// reached instead of its endpoint: for emulators, whose clusters have
	// no API server (docs/aws-emulator.md). Cluster-wide names are then
	// made per stack, so stacks can share that one API server.
	Kubeconfig string
	Log        *slog.Logger
}

// Provider implements domain.StackProvider and its Kubernetes parts for
// aws-eks stacks.
type Provider struct {
	Config
	kube *kubestack.Kube
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
	p.kube = &kubestack.Kube{Connect: p.connect, Sources: cfg.Sources, Log: cfg.Log}
	return p
}

// connect reaches the stack's cluster as the connection's role: its
// endpoint and CA from EKS, a token signed with the role's credentials.
func (p *Provider) connect(ctx context.Context, st domain.Stack) (*rest.Config, error) {
	if p.Kubeconfig != "" {
		return clientcmd.BuildConfigFromFlags("", p.Kubeconfig)
	}
	c, cfg, err := p.AWS.Clients(ctx, st, "kubernetes")
	if err != nil {
		return nil, err
	}
	name := awsstack.SpecFor(st).ClusterName()
	out, err := c.EKS.DescribeCluster(ctx, &eks.DescribeClusterInput{Name: aws.String(name)})
	if awssdk.IsNotFound(err) {
		return nil, fmt.Errorf("EKS cluster %s: %w", name, kubestack.ErrNoCluster)
	}
	if err != nil {
		return nil, fmt.Errorf("describing EKS cluster %s: %w", name, err)
	}
	var ca []byte
	if out.Cluster.CertificateAuthority != nil {
		if ca, err = base64.StdEncoding.DecodeString(aws.ToString(out.Cluster.CertificateAuthority.Data)); err != nil {
			return nil, fmt.Errorf("EKS cluster %s's certificate authority: %w", name, err)
		}
	}
	token, _, err := ekstoken.Token(ctx, cfg, name)
	if err != nil {
		return nil, err
	}
	return &rest.Config{Host: aws.ToString(out.Cluster.Endpoint), BearerToken: token, TLSClientConfig: rest.TLSClientConfig{CAData: ca}, UserAgent: "orchestera"}, nil
}

// Graph is the AWS steps, then the Kubernetes ones.
func (p *Provider) Graph(ctx context.Context, st domain.Stack, operation string) (domain.Graph, error) {
	g, err := p.AWS.Graph(ctx, st, operation)
	if err != nil {
		return nil, err
	}
	return append(g, p.kubeSteps(st)...), nil
}

// Model is the same steps with nothing behind them.
func (p *Provider) Model(st domain.Stack) domain.Graph {
	return append(awsstack.Model(st), p.kubeSteps(st)...)
}

// Classify: AWS's errors first, then Kubernetes's; an unreachable API
// server (a cluster just created) is retried.
func (p *Provider) Classify(err error) domain.Failure {
	if f := p.AWS.Classify(err); f != domain.FailurePermanent {
		return f
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return domain.FailureTransient
	}
	return kubestack.Classify(err)
}

// Leftovers are the AWS side's: the cluster goes with everything in it.
func (p *Provider) Leftovers(ctx context.Context, st domain.Stack) ([]domain.Leftover, error) {
	return p.AWS.Leftovers(ctx, st)
}

// Plan is the AWS side's: the Kubernetes side costs nothing more.
func (p *Provider) Plan(ctx context.Context, st domain.Stack) (domain.ProviderPlan, error) {
	return p.AWS.Plan(ctx, st)
}

// EnsureNamespace applies a namespace in the cluster at once.
func (p *Provider) EnsureNamespace(ctx context.Context, st domain.Stack, name string) error {
	return p.kube.EnsureNamespace(ctx, st, name)
}

// DeleteNamespace deletes a namespace of the stack's.
func (p *Provider) DeleteNamespace(ctx context.Context, st domain.Stack, name string) error {
	return p.kube.DeleteNamespace(ctx, st, name)
}

// Token is a namespace user's token, through the platform.
func (p *Provider) Token(ctx context.Context, st domain.Stack, namespace string) (domain.ClusterToken, error) {
	return p.kube.Token(ctx, st, namespace)
}

// Client reaches the stack's cluster as the platform, for its runs.
func (p *Provider) Client(ctx context.Context, st domain.Stack) (kubernetes.Interface, *rest.Config, error) {
	return p.kube.Client(ctx, st)
}
