package awsx

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go/middleware"

	"github.com/orchestera/orchestera/internal/domain"
	"github.com/orchestera/orchestera/internal/provision"
)

// StackCloud implements domain.StackCloud on AWS: it assumes the stack's
// connection role and runs the stack's steps with the provision engine,
// keeping step state in the store.
type StackCloud struct {
	Store    domain.Store
	Platform aws.Config
	Log      *slog.Logger
	// Retry and Clock tune the engine; zero values take its defaults.
	Retry provision.RetryPolicy
	Clock provision.Clock
	// Poll is how long to wait before checking a resource AWS is still
	// creating or deleting; zero takes each step's own suggestion.
	Poll time.Duration
	// Pricing returns the Pricing API for a stack's plan: PricingClient, or
	// a fake in tests; nil prices from the fallback list.
	Pricing func(context.Context, domain.Stack) (PricingAPI, error)
}

var _ domain.StackCloud = (*StackCloud)(nil)

// Provision ensures every step of the stack, resuming from stored state.
// An update (a ready stack provisioned again) re-runs every step: each is an
// idempotent ensure that puts drifted resources back as they should be.
func (c *StackCloud) Provision(ctx context.Context, st domain.Stack, report domain.StackReporter) error {
	spec, clients, err := c.prepare(ctx, st, "provision")
	if err != nil {
		return err
	}
	if st.State == domain.StackUpdating {
		if err := c.Store.DeleteStackSteps(ctx, st.ID); err != nil {
			return err
		}
	}
	return stepError(c.engine(report).Provision(ctx, st.ID, stackGraph(spec, clients, c.Poll)), "provision")
}

// Destroy removes the stack's resources in reverse order, then lists what is
// still tagged with it.
func (c *StackCloud) Destroy(ctx context.Context, st domain.Stack, report domain.StackReporter) ([]string, error) {
	spec, clients, err := c.prepare(ctx, st, "destroy")
	if err != nil {
		return nil, err
	}
	if err := c.engine(report).Destroy(ctx, st.ID, stackGraph(spec, clients, c.Poll)); err != nil {
		return nil, stepError(err, "destroy")
	}
	left, err := Leftovers(ctx, clients.ec2, spec)
	if err != nil {
		return nil, &domain.StepError{Step: "leftovers", Err: err.Error(), Fix: "destroy again to look for leftovers once more"}
	}
	var out []string
	for _, l := range left {
		out = append(out, fmt.Sprintf("%s %s (%s): %s", l.Type, l.ID, l.State, l.Fix))
	}
	if len(out) == 0 {
		err = c.Store.DeleteStackSteps(ctx, st.ID) // a later provision starts afresh
	}
	return out, err
}

func (c *StackCloud) engine(report domain.StackReporter) *provision.Engine {
	return &provision.Engine{
		Store: stepStore{c.Store}, Clock: c.Clock, Retry: c.Retry, Classify: isThrottled,
		Progress: func(e provision.Event) {
			msg := e.Message
			if msg == "" {
				msg = fmt.Sprintf("%s (attempt %d, %s)", e.Status, e.Attempt, e.Elapsed.Round(time.Second))
			}
			report(e.Step, string(e.Status), msg)
			if e.Status == provision.StatusDone && e.Elapsed > 0 {
				if err := c.Store.RecordStepDuration(context.Background(), e.Step, e.Elapsed, time.Now()); err != nil {
					c.Log.Warn("recording a step duration", "step", e.Step, "err", err)
				}
			}
		},
	}
}

// prepare builds the stack's spec and clients acting as its connection role.
func (c *StackCloud) prepare(ctx context.Context, st domain.Stack, operation string) (StackSpec, stackClients, error) {
	cfg, err := c.roleConfig(ctx, st, operation)
	if err != nil {
		return StackSpec{}, stackClients{}, err
	}
	o := st.Options.WithDefaults()
	spec := StackSpec{OrgID: st.OrgID, StackName: st.Name, Region: st.Region, KubernetesVersion: o.KubernetesVersion,
		SystemNodeType: o.SystemNodeType, SystemNodeCount: int32(o.SystemNodeCount), VPCCIDR: "10.0.0.0/16"}
	return spec, stackClients{
		ec2: ec2.NewFromConfig(cfg), cfn: cloudformation.NewFromConfig(cfg), iam: iam.NewFromConfig(cfg),
		eks: eks.NewFromConfig(cfg), sqs: sqs.NewFromConfig(cfg),
	}, nil
}

// roleConfig is SDK configuration acting as the stack's connection role in
// the stack's region, auditing every call.
func (c *StackCloud) roleConfig(ctx context.Context, st domain.Stack, operation string) (aws.Config, error) {
	conn, err := c.Store.GetConnection(ctx, st.OrgID, st.ConnectionID)
	if err != nil {
		return aws.Config{}, &domain.StepError{Step: "connection", Err: err.Error(), Fix: "the stack's AWS connection is gone: create a stack on an existing connection"}
	}
	externalID, err := c.Store.GetExternalID(ctx, st.OrgID)
	if err != nil {
		return aws.Config{}, err
	}
	cfg := c.Platform.Copy()
	cfg.Region = st.Region
	cfg.Credentials = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(sts.NewFromConfig(c.Platform), conn.RoleARN, func(o *stscreds.AssumeRoleOptions) {
		o.ExternalID = aws.String(externalID)
		o.RoleSessionName = sessionName(st.OrgID, operation)
	}))
	cfg.APIOptions = append(append([]func(*middleware.Stack) error{}, cfg.APIOptions...), c.audit(st, conn.ID, operation))
	return cfg, nil
}

// audit records every AWS call made through the customer's role, as
// service:Operation with its outcome.
func (c *StackCloud) audit(st domain.Stack, connectionID, operation string) func(*middleware.Stack) error {
	return func(s *middleware.Stack) error {
		return s.Initialize.Add(middleware.InitializeMiddlewareFunc("OrchesteraAudit",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				out, md, err := next.HandleInitialize(ctx, in)
				outcome := "ok"
				if err != nil {
					if outcome = ErrorCode(err); outcome == "" {
						outcome = "error"
					}
				}
				action := strings.ToLower(strings.ReplaceAll(awsmiddleware.GetServiceID(ctx), " ", "")) + ":" + awsmiddleware.GetOperationName(ctx)
				if aerr := c.Store.AddAudit(context.WithoutCancel(ctx), domain.AuditEntry{ID: domain.NewID("aud"), OrgID: st.OrgID, ConnectionID: connectionID,
					Operation: operation + " stack " + st.Name, Action: action, At: time.Now().UTC().Truncate(time.Millisecond), Outcome: outcome}); aerr != nil {
					c.Log.Warn("recording an audit entry", "org_id", st.OrgID, "err", aerr)
				}
				return out, md, err
			}), middleware.After)
	}
}

// isThrottled classifies what is worth retrying with backoff: throttling,
// AWS-side faults, and a role created moments ago that EKS cannot assume
// yet (IAM is eventually consistent).
func isThrottled(err error) bool {
	switch ErrorCode(err) {
	case "Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequestsException", "ServiceUnavailable",
		"ServiceUnavailableException", "InternalFailure", "InternalError", "RequestTimeout":
		return true
	case "InvalidParameterException":
		msg := strings.ToLower(err.Error())
		return strings.Contains(msg, "role") && (strings.Contains(msg, "assume") || strings.Contains(msg, "does not exist"))
	}
	return false
}

// stepError turns the engine's failure into what the stack shows, with a fix.
func stepError(err error, operation string) error {
	var se *provision.StepError
	if !errors.As(err, &se) {
		return err
	}
	fix := operation + " again to resume from this step"
	var notOwned *NotOwnedError
	switch {
	case IsAccessDenied(se.Err):
		fix = "the role lacks a permission this step needs: run orchestera connections verify, add what is missing to OrchesteraAccessPolicy, then " + operation + " again"
	case errors.As(se.Err, &notOwned):
		fix = "a resource with this stack's name exists without Orchestera's ownership tags: delete or rename it, or use another stack name"
	}
	return &domain.StepError{Step: se.Step, Err: se.Err.Error(), Fix: fix}
}

// stepStore keeps the engine's step state in the domain store.
type stepStore struct{ store domain.Store }

func (s stepStore) Load(ctx context.Context, stackID string) (map[string]provision.StepState, error) {
	steps, err := s.store.LoadStackSteps(ctx, stackID)
	if err != nil {
		return nil, err
	}
	out := make(map[string]provision.StepState, len(steps))
	for _, st := range steps {
		out[st.Step] = provision.StepState{Step: st.Step, Status: provision.StepStatus(st.Status), Outputs: st.Outputs,
			Attempts: st.Attempts, Error: st.Error, StartedAt: st.StartedAt, EndedAt: st.EndedAt}
	}
	return out, nil
}

func (s stepStore) Save(ctx context.Context, stackID string, st provision.StepState) error {
	return s.store.SaveStackStep(ctx, stackID, domain.StackStep{Step: st.Step, Status: string(st.Status), Outputs: st.Outputs,
		Attempts: st.Attempts, Error: st.Error, StartedAt: st.StartedAt, EndedAt: st.EndedAt})
}
