package awsstack

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/smithy-go"

	"github.com/orchestera/orchestera/internal/aws/awssdk"
	"github.com/orchestera/orchestera/internal/aws/mototest"
	"github.com/orchestera/orchestera/internal/domain"
)

// Helpers shared by the stack_*_test.go files.

func testStack(name string) StackSpec {
	return StackSpec{
		OrgID: "org_7Kq2", StackName: name, Region: "us-east-1", KubernetesVersion: "1.31",
		AZs: []string{"us-east-1a", "us-east-1b"}, SystemNodeType: "m7g.large", SystemNodeCount: 2, VPCCIDR: "10.0.0.0/16",
	}
}

// startStackMoto starts moto for one test and returns its SDK config
// (us-east-1: emulator gap 10).
func startStackMoto(t *testing.T) aws.Config {
	t.Helper()
	return mototest.Start(t).Config("us-east-1")
}

// settle runs an ensure or destroy that answers NotReady until it answers
// something else, as the engine would, without waiting: the fakes and moto
// move on at every call.
func settle(t *testing.T, what string, f func() error) error {
	t.Helper()
	for i := 0; i < 20; i++ {
		if err := f(); !isNotReady(err) {
			return err
		}
	}
	t.Fatalf("%s still not ready after 20 calls", what)
	return nil
}

func isNotReady(err error) bool {
	_, ok := domain.IsNotReady(err)
	return ok
}

// ensureNetwork is EnsureNetwork run until it settles, keeping the
// operation it waits on between calls as the step's outputs would.
func ensureNetwork(t *testing.T, api awssdk.CloudFormation, spec StackSpec) (NetworkOutputs, error) {
	t.Helper()
	var op CFNOp
	var out NetworkOutputs
	err := settle(t, "EnsureNetwork", func() (err error) {
		out, err = EnsureNetwork(testCtx(t), api, spec, &op)
		return err
	})
	return out, err
}

// destroyNetwork is DestroyNetwork run until it settles.
func destroyNetwork(t *testing.T, api awssdk.CloudFormation, spec StackSpec) error {
	t.Helper()
	var op CFNOp
	return settle(t, "DestroyNetwork", func() error { return DestroyNetwork(testCtx(t), api, spec, &op) })
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// apiErr is an AWS error as the SDK returns it, for fakes.
func apiErr(code, msg string) error {
	return &smithy.GenericAPIError{Code: code, Message: msg}
}

func wantNotOwned(t *testing.T, err error) {
	t.Helper()
	var no *NotOwnedError
	if !errors.As(err, &no) {
		t.Fatalf("err = %v, want a NotOwnedError", err)
	}
}

func wantNotReady(t *testing.T, err error) {
	t.Helper()
	if !isNotReady(err) {
		t.Fatalf("err = %v, want NotReady", err)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// recordingIAM passes every call to the real client and records the ones
// that change something, so a test can tell a no-op ensure from one that
// rewrote what was already right.
type recordingIAM struct {
	awssdk.IAM
	changes []string
}

func (r *recordingIAM) CreateRole(ctx context.Context, in *iam.CreateRoleInput, o ...func(*iam.Options)) (*iam.CreateRoleOutput, error) {
	r.changes = append(r.changes, "CreateRole")
	return r.IAM.CreateRole(ctx, in, o...)
}

func (r *recordingIAM) UpdateAssumeRolePolicy(ctx context.Context, in *iam.UpdateAssumeRolePolicyInput, o ...func(*iam.Options)) (*iam.UpdateAssumeRolePolicyOutput, error) {
	r.changes = append(r.changes, "UpdateAssumeRolePolicy")
	return r.IAM.UpdateAssumeRolePolicy(ctx, in, o...)
}

func (r *recordingIAM) AttachRolePolicy(ctx context.Context, in *iam.AttachRolePolicyInput, o ...func(*iam.Options)) (*iam.AttachRolePolicyOutput, error) {
	r.changes = append(r.changes, "AttachRolePolicy")
	return r.IAM.AttachRolePolicy(ctx, in, o...)
}

func (r *recordingIAM) PutRolePolicy(ctx context.Context, in *iam.PutRolePolicyInput, o ...func(*iam.Options)) (*iam.PutRolePolicyOutput, error) {
	r.changes = append(r.changes, "PutRolePolicy")
	return r.IAM.PutRolePolicy(ctx, in, o...)
}

func (r *recordingIAM) CreateInstanceProfile(ctx context.Context, in *iam.CreateInstanceProfileInput, o ...func(*iam.Options)) (*iam.CreateInstanceProfileOutput, error) {
	r.changes = append(r.changes, "CreateInstanceProfile")
	return r.IAM.CreateInstanceProfile(ctx, in, o...)
}

func (r *recordingIAM) AddRoleToInstanceProfile(ctx context.Context, in *iam.AddRoleToInstanceProfileInput, o ...func(*iam.Options)) (*iam.AddRoleToInstanceProfileOutput, error) {
	r.changes = append(r.changes, "AddRoleToInstanceProfile")
	return r.IAM.AddRoleToInstanceProfile(ctx, in, o...)
}

func (r *recordingIAM) CreateOpenIDConnectProvider(ctx context.Context, in *iam.CreateOpenIDConnectProviderInput, o ...func(*iam.Options)) (*iam.CreateOpenIDConnectProviderOutput, error) {
	r.changes = append(r.changes, "CreateOpenIDConnectProvider")
	return r.IAM.CreateOpenIDConnectProvider(ctx, in, o...)
}

// take returns the recorded changes and forgets them.
func (r *recordingIAM) take() string {
	s := strings.Join(r.changes, " ")
	r.changes = nil
	return s
}

// recordingSQS records the SQS calls that change something.
type recordingSQS struct {
	awssdk.SQS
	changes []string
}

func (r *recordingSQS) CreateQueue(ctx context.Context, in *sqs.CreateQueueInput, o ...func(*sqs.Options)) (*sqs.CreateQueueOutput, error) {
	r.changes = append(r.changes, "CreateQueue")
	return r.SQS.CreateQueue(ctx, in, o...)
}

func (r *recordingSQS) SetQueueAttributes(ctx context.Context, in *sqs.SetQueueAttributesInput, o ...func(*sqs.Options)) (*sqs.SetQueueAttributesOutput, error) {
	r.changes = append(r.changes, "SetQueueAttributes")
	return r.SQS.SetQueueAttributes(ctx, in, o...)
}

func (r *recordingSQS) take() string {
	s := strings.Join(r.changes, " ")
	r.changes = nil
	return s
}
