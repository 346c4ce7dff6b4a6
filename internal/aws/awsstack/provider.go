package awsstack

import (
	"context"
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/pricing"

	"github.com/orchestera/orchestera/internal/aws/assume"
	"github.com/orchestera/orchestera/internal/aws/awssdk"
	"github.com/orchestera/orchestera/internal/domain"
)

// Config is what a Provider needs.
type Config struct {
	Platform    aws.Config // the server's own AWS identity
	Connections domain.ConnectionReader
	Audit       domain.AuditLog
	Log         *slog.Logger
	// NewClients makes a stack's clients from its role's configuration;
	// tests put fakes here. Nil: the SDK's.
	NewClients func(aws.Config) Clients
	// Pricing is the Pricing API for a plan; nil: the SDK's in us-east-1,
	// where the API lives whatever the stack's region.
	Pricing func(aws.Config) awssdk.Pricing
}

// Provider implements domain.StackProvider for AWS stacks: it supplies the
// stack's steps with clients acting as the stack's connection role, every
// call audited. The stack lifecycle (package stacks) runs them.
type Provider struct{ Config }

// New returns a Provider.
func New(cfg Config) *Provider { return &Provider{cfg} }

var _ domain.StackProvider = (*Provider)(nil)

// Graph is the stack's steps, acting as its connection role.
func (p *Provider) Graph(ctx context.Context, st domain.Stack, operation string) (domain.Graph, error) {
	cfg, err := p.roleConfig(ctx, st, operation)
	if err != nil {
		return nil, err
	}
	return stackGraph(SpecFor(st), p.clients(cfg)), nil
}

// Model is the stack's steps with no AWS behind them.
func (p *Provider) Model(st domain.Stack) domain.Graph { return Model(st) }

// Model is the step graph of an AWS stack for plans and benchmarks: names,
// dependencies, resources, actions and typical durations (Estimate).
func Model(st domain.Stack) domain.Graph { return stackGraph(SpecFor(st), Clients{}) }

// Classify tells the engine and the lifecycle what kind of failure err is.
func (p *Provider) Classify(err error) domain.Failure {
	switch {
	case awssdk.IsThrottled(err):
		return domain.FailureTransient
	case awssdk.IsAccessDenied(err):
		return domain.FailureForbidden
	}
	return domain.FailurePermanent
}

// Leftovers lists what is still tagged with the stack in its region.
func (p *Provider) Leftovers(ctx context.Context, st domain.Stack) ([]domain.Leftover, error) {
	cfg, err := p.roleConfig(ctx, st, "destroy")
	if err != nil {
		return nil, err
	}
	return Leftovers(ctx, p.clients(cfg).EC2, SpecFor(st))
}

// Clients are the stack's clients acting as its connection role, every
// call audited under the operation; cfg is that role's configuration.
func (p *Provider) Clients(ctx context.Context, st domain.Stack, operation string) (c Clients, cfg aws.Config, err error) {
	if cfg, err = p.roleConfig(ctx, st, operation); err != nil {
		return c, cfg, err
	}
	return p.clients(cfg), cfg, nil
}

func (p *Provider) clients(cfg aws.Config) Clients {
	if p.NewClients != nil {
		return p.NewClients(cfg)
	}
	return NewClients(cfg)
}

// roleConfig is SDK configuration acting as the stack's connection role in
// the stack's region, auditing every call.
func (p *Provider) roleConfig(ctx context.Context, st domain.Stack, operation string) (aws.Config, error) {
	conn, err := p.Connections.GetConnection(ctx, st.OrgID, st.ConnectionID)
	if err != nil {
		return aws.Config{}, &domain.StepError{Step: "connection", Err: err,
			Fix: "the stack's AWS connection is gone: create a stack on an existing connection"}
	}
	externalID, err := p.Connections.GetExternalID(ctx, st.OrgID)
	if err != nil {
		return aws.Config{}, err
	}
	record := func(ctx context.Context, action, outcome string) {
		if err := p.Audit.AddAudit(ctx, domain.AuditEntry{ID: domain.NewID("aud"), OrgID: st.OrgID, ConnectionID: conn.ID, Stack: st.Name,
			Operation: operation + " stack " + st.Name, Action: action, At: p.Audit.Now(), Outcome: outcome}); err != nil {
			p.Log.Warn("recording an audit entry", "org_id", st.OrgID, "err", err)
		}
	}
	cfg := assume.Role(p.Platform, conn.RoleARN, externalID, st.OrgID, operation, record)
	cfg.Region = st.Region
	return cfg, nil
}

func (p *Provider) pricing(cfg aws.Config) awssdk.Pricing {
	if p.Pricing != nil {
		return p.Pricing(cfg)
	}
	cfg.Region = "us-east-1"
	return pricing.NewFromConfig(cfg)
}
