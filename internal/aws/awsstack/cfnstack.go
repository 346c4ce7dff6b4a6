package awsstack

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/smithy-go"

	"github.com/orchestera/orchestera/internal/aws/awssdk"
	"github.com/orchestera/orchestera/internal/domain"
)

// cfnPoll is how long to wait before reading a cfnStack that is changing:
// creating the network takes minutes, most of it the NAT gateways.
const cfnPoll = 15 * time.Second

// CFNOp is the CloudFormation operation a step started and waits on. The
// step keeps it in its outputs across requeues, so once the cfnStack
// settles the step knows whether it settled as asked (CREATE_COMPLETE after
// a create) or failed (ROLLBACK_COMPLETE after that create), rather than
// starting the operation again.
type CFNOp string

// The operations.
const (
	OpCreate   CFNOp = "create"
	OpUpdate   CFNOp = "update"
	OpDelete   CFNOp = "delete"
	OpRecreate CFNOp = "recreate" // deleting an empty rolled-back cfnStack, to create it again
)

// CFNStackError is a cfnStack operation that failed: the cfnStack ended in a
// failed or rolled-back state, or CloudFormation refused the call (Err).
// Reason is the first resource failure read from the stack events.
type CFNStackError struct {
	Name, Status, Reason string
	Err                  error
}

func (e *CFNStackError) Error() string {
	return fmt.Sprintf("cfn stack %q is %s: %s", e.Name, e.Status, e.Reason)
}

func (e *CFNStackError) Unwrap() error { return e.Err }

// The CloudFormation answers that carry no error code of their own.
func isCFNNotFound(err error) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && ae.ErrorCode() == "ValidationError" && strings.Contains(ae.ErrorMessage(), "does not exist")
}

func isNoUpdates(err error) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && ae.ErrorCode() == "ValidationError" && strings.Contains(ae.ErrorMessage(), "No updates are to be performed")
}

// describeCFNStack returns the cfnStack by name or id, nil when absent.
func describeCFNStack(ctx context.Context, api awssdk.CloudFormation, nameOrID string) (*cfntypes.Stack, error) {
	out, err := api.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(nameOrID)})
	if isCFNNotFound(err) || (err == nil && len(out.Stacks) == 0) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("describing cfn stack %q: %w", nameOrID, err)
	}
	return &out.Stacks[0], nil
}

func inProgress(s cfntypes.StackStatus) bool {
	return strings.HasSuffix(string(s), "_IN_PROGRESS") && s != cfntypes.StackStatusReviewInProgress
}

// busy is the requeue while a cfnStack changes.
func busy(name string, status cfntypes.StackStatus) error {
	return domain.NotReady(cfnPoll, "cfn stack %q is %s", name, status)
}

// ensureCFNStack creates the cfnStack or updates it and returns it once it
// is complete. It never waits: while CloudFormation works it answers
// NotReady, and *op records what it started for the next call. It refuses
// a cfnStack without our tags.
func ensureCFNStack(ctx context.Context, api awssdk.CloudFormation, spec StackSpec, name, body string, params []cfntypes.Parameter, op *CFNOp) (*cfntypes.Stack, error) {
	st, err := describeCFNStack(ctx, api, name)
	if err != nil {
		return nil, err
	}
	if st != nil {
		if err := spec.checkOwned("cfn stack", name, awssdk.FromCFNTags(st.Tags)); err != nil {
			return nil, err
		}
		if inProgress(st.StackStatus) {
			return nil, busy(name, st.StackStatus)
		}
	}
	started := *op
	*op = ""
	switch started {
	case OpCreate:
		return finished(ctx, api, name, st, cfntypes.StackStatusCreateComplete)
	case OpUpdate:
		return finished(ctx, api, name, st, cfntypes.StackStatusUpdateComplete)
	case OpRecreate:
		if st != nil && st.StackStatus != cfntypes.StackStatusDeleteComplete {
			return nil, cfnFailure(ctx, api, name, st)
		}
		st = nil
	}
	if st != nil {
		switch st.StackStatus {
		case cfntypes.StackStatusRollbackComplete, cfntypes.StackStatusReviewInProgress:
			// A create that rolled back (or a change set never run) holds
			// no resources and cannot be updated: delete it, create anew.
			return nil, startDelete(ctx, api, name, st, op, OpRecreate)
		case cfntypes.StackStatusDeleteComplete:
			st = nil
		case cfntypes.StackStatusRollbackFailed, cfntypes.StackStatusCreateFailed, cfntypes.StackStatusDeleteFailed,
			cfntypes.StackStatusUpdateRollbackFailed, cfntypes.StackStatusUpdateFailed:
			return nil, cfnFailure(ctx, api, name, st)
		}
	}
	tags := awssdk.CFNTags(spec.Tags())
	if st == nil {
		_, err := api.CreateStack(ctx, &cloudformation.CreateStackInput{
			StackName: aws.String(name), TemplateBody: aws.String(body), Parameters: params, Tags: tags,
			OnFailure: cfntypes.OnFailureRollback,
		})
		if awssdk.IsAccessDenied(err) || awssdk.IsAlreadyExists(err) { // no permission; a concurrent run created it
			return nil, fmt.Errorf("creating cfn stack %q: %w", name, err)
		}
		if err != nil {
			// moto builds the cfnStack inside CreateStack and reports a
			// resource failure as the API error (emulator gap 8); AWS
			// would answer OK and roll back. Both are a failed create.
			return nil, &CFNStackError{Name: name, Status: string(cfntypes.StackStatusRollbackComplete), Reason: "CreateStack: " + err.Error(), Err: err}
		}
		*op = OpCreate
		return nil, busy(name, cfntypes.StackStatusCreateInProgress)
	}
	_, err = api.UpdateStack(ctx, &cloudformation.UpdateStackInput{
		StackName: st.StackId, TemplateBody: aws.String(body), Parameters: params, Tags: tags,
	})
	if isNoUpdates(err) {
		return st, nil
	}
	if err != nil {
		return nil, fmt.Errorf("updating cfn stack %q: %w", name, err)
	}
	*op = OpUpdate
	return nil, busy(name, cfntypes.StackStatusUpdateInProgress)
}

// finished checks that the operation a step started ended in want.
func finished(ctx context.Context, api awssdk.CloudFormation, name string, st *cfntypes.Stack, want cfntypes.StackStatus) (*cfntypes.Stack, error) {
	if st == nil {
		return nil, &CFNStackError{Name: name, Status: "DELETE_COMPLETE", Reason: "the cfn stack vanished while waiting for " + string(want)}
	}
	if st.StackStatus != want {
		return nil, cfnFailure(ctx, api, name, st)
	}
	return st, nil
}

// destroyCFNStack deletes our cfnStack of that name; absent is success, and
// a cfnStack that is not ours is left alone. Like ensureCFNStack it answers
// NotReady while CloudFormation works, recording in *op what it started.
func destroyCFNStack(ctx context.Context, api awssdk.CloudFormation, spec StackSpec, name string, op *CFNOp) error {
	st, err := describeCFNStack(ctx, api, name)
	if err != nil || st == nil || !spec.owns(awssdk.FromCFNTags(st.Tags)) {
		*op = ""
		return err
	}
	if inProgress(st.StackStatus) {
		return busy(name, st.StackStatus)
	}
	started := *op
	*op = ""
	switch {
	case st.StackStatus == cfntypes.StackStatusDeleteComplete:
		return nil
	case started == OpDelete: // our delete settled, and not as deleted
		return cfnFailure(ctx, api, name, st)
	}
	return startDelete(ctx, api, name, st, op, OpDelete)
}

// startDelete asks CloudFormation to delete the cfnStack and requeues.
func startDelete(ctx context.Context, api awssdk.CloudFormation, name string, st *cfntypes.Stack, op *CFNOp, as CFNOp) error {
	if _, err := api.DeleteStack(ctx, &cloudformation.DeleteStackInput{StackName: st.StackId}); err != nil && !isCFNNotFound(err) {
		return fmt.Errorf("deleting cfn stack %q: %w", name, err)
	}
	*op = as
	return busy(name, cfntypes.StackStatusDeleteInProgress)
}

// cfnFailure is the error for a cfnStack in a failed state, with the cause
// read from its events.
func cfnFailure(ctx context.Context, api awssdk.CloudFormation, name string, st *cfntypes.Stack) error {
	reason, err := failureReason(ctx, api, name, aws.ToString(st.StackId))
	if reason == "" {
		reason = aws.ToString(st.StackStatusReason)
	}
	if reason == "" && err != nil {
		reason = "the cause could not be read: " + err.Error()
	}
	if reason == "" {
		reason = "no reason given in the stack events"
	}
	return &CFNStackError{Name: name, Status: string(st.StackStatus), Reason: reason}
}

// failureReason reads the events of the last operation (newest first, back
// to the cfnStack's own *_IN_PROGRESS event that began it) and returns the
// earliest resource failure: the root cause, the later ones being mostly
// "Resource creation cancelled". As eksctl does (pkg/cfn/manager/waiters.go).
func failureReason(ctx context.Context, api awssdk.CloudFormation, name, id string) (string, error) {
	out, err := api.DescribeStackEvents(ctx, &cloudformation.DescribeStackEventsInput{StackName: aws.String(id)})
	if err != nil {
		return "", fmt.Errorf("reading events of cfn stack %q: %w", name, err)
	}
	var cause string
	for _, e := range out.StackEvents {
		status, reason := string(e.ResourceStatus), aws.ToString(e.ResourceStatusReason)
		isStack := aws.ToString(e.ResourceType) == "AWS::CloudFormation::Stack" && aws.ToString(e.LogicalResourceId) == name
		if isStack && (e.ResourceStatus == cfntypes.ResourceStatusCreateInProgress ||
			e.ResourceStatus == cfntypes.ResourceStatusUpdateInProgress || e.ResourceStatus == cfntypes.ResourceStatusDeleteInProgress) {
			break
		}
		if !isStack && strings.HasSuffix(status, "_FAILED") && reason != "" && !strings.Contains(reason, "cancelled") {
			cause = fmt.Sprintf("%s (%s) %s: %s", aws.ToString(e.LogicalResourceId), aws.ToString(e.ResourceType), status, reason)
		}
	}
	return cause, nil
}
