package awsx

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
)

// cfnPollInterval is how often a cfnStack's status is read while it
// changes. Tests with scripted fakes set it to zero.
var cfnPollInterval = 10 * time.Second

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
func describeCFNStack(ctx context.Context, api CFNAPI, nameOrID string) (*cfntypes.Stack, error) {
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

// ensureCFNStack creates the cfnStack or updates it, waits until it is
// complete and returns it. It refuses a cfnStack without our tags.
func ensureCFNStack(ctx context.Context, api CFNAPI, spec StackSpec, name, body string, params []cfntypes.Parameter) (*cfntypes.Stack, error) {
	st, err := describeCFNStack(ctx, api, name)
	if err != nil {
		return nil, err
	}
	if st != nil {
		if err := spec.checkOwned("cfn stack", name, fromCFNTags(st.Tags)); err != nil {
			return nil, err
		}
		if inProgress(st.StackStatus) {
			if st, err = waitCFNStack(ctx, api, name, aws.ToString(st.StackId)); err != nil {
				return nil, err
			}
		}
	}
	if st != nil {
		switch st.StackStatus {
		case cfntypes.StackStatusRollbackComplete, cfntypes.StackStatusReviewInProgress:
			// A create that rolled back (or a change set never run) holds
			// no resources and cannot be updated: delete it, create anew.
			if err := deleteCFNStack(ctx, api, name, st); err != nil {
				return nil, err
			}
			st = nil
		case cfntypes.StackStatusDeleteComplete:
			st = nil
		case cfntypes.StackStatusRollbackFailed, cfntypes.StackStatusCreateFailed, cfntypes.StackStatusDeleteFailed,
			cfntypes.StackStatusUpdateRollbackFailed, cfntypes.StackStatusUpdateFailed:
			return nil, cfnFailure(ctx, api, name, st)
		}
	}
	tags := cfnTags(spec.Tags())
	if st == nil {
		out, err := api.CreateStack(ctx, &cloudformation.CreateStackInput{
			StackName: aws.String(name), TemplateBody: aws.String(body), Parameters: params, Tags: tags,
			OnFailure: cfntypes.OnFailureRollback,
		})
		if IsAccessDenied(err) || IsAlreadyExists(err) { // no permission; a concurrent run created it
			return nil, fmt.Errorf("creating cfn stack %q: %w", name, err)
		}
		if err != nil {
			// moto builds the cfnStack inside CreateStack and reports a
			// resource failure as the API error (emulator gap 8);
			// AWS would answer OK and roll back. Both are a failed create.
			return nil, &CFNStackError{Name: name, Status: string(cfntypes.StackStatusRollbackComplete), Reason: "CreateStack: " + err.Error(), Err: err}
		}
		return settle(ctx, api, name, aws.ToString(out.StackId), cfntypes.StackStatusCreateComplete)
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
	return settle(ctx, api, name, aws.ToString(st.StackId), cfntypes.StackStatusUpdateComplete)
}

// settle waits for the cfnStack and checks that it ended in want.
func settle(ctx context.Context, api CFNAPI, name, id string, want cfntypes.StackStatus) (*cfntypes.Stack, error) {
	st, err := waitCFNStack(ctx, api, name, id)
	if err != nil {
		return nil, err
	}
	if st == nil {
		return nil, &CFNStackError{Name: name, Status: "DELETE_COMPLETE", Reason: "the cfn stack vanished while waiting for " + string(want)}
	}
	if st.StackStatus != want {
		return nil, cfnFailure(ctx, api, name, st)
	}
	return st, nil
}

// destroyCFNStack deletes our cfnStack of that name and waits; absent is
// success, and a cfnStack that is not ours is left alone.
func destroyCFNStack(ctx context.Context, api CFNAPI, spec StackSpec, name string) error {
	st, err := describeCFNStack(ctx, api, name)
	if err != nil || st == nil || !spec.owns(fromCFNTags(st.Tags)) {
		return err
	}
	return deleteCFNStack(ctx, api, name, st)
}

func deleteCFNStack(ctx context.Context, api CFNAPI, name string, st *cfntypes.Stack) error {
	id := aws.ToString(st.StackId)
	if inProgress(st.StackStatus) && st.StackStatus != cfntypes.StackStatusDeleteInProgress {
		var err error
		if st, err = waitCFNStack(ctx, api, name, id); err != nil {
			return err
		}
	}
	if st.StackStatus != cfntypes.StackStatusDeleteInProgress && st.StackStatus != cfntypes.StackStatusDeleteComplete {
		if _, err := api.DeleteStack(ctx, &cloudformation.DeleteStackInput{StackName: aws.String(id)}); err != nil && !isCFNNotFound(err) {
			return fmt.Errorf("deleting cfn stack %q: %w", name, err)
		}
	}
	st, err := waitCFNStack(ctx, api, name, id)
	if err != nil || st == nil || st.StackStatus == cfntypes.StackStatusDeleteComplete {
		return err
	}
	return cfnFailure(ctx, api, name, st)
}

// waitCFNStack polls the cfnStack by id until no operation is in progress,
// and returns it (nil when it no longer exists). It stops when ctx is done.
func waitCFNStack(ctx context.Context, api CFNAPI, name, id string) (*cfntypes.Stack, error) {
	for {
		st, err := describeCFNStack(ctx, api, id)
		if err != nil || st == nil || !inProgress(st.StackStatus) {
			return st, err
		}
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("waiting for cfn stack %q (%s): %w", name, st.StackStatus, err)
		}
		if err := sleepCtx(ctx, cfnPollInterval); err != nil {
			return nil, fmt.Errorf("waiting for cfn stack %q (%s): %w", name, st.StackStatus, err)
		}
	}
}

// cfnFailure is the error for a cfnStack in a failed state, with the cause
// read from its events.
func cfnFailure(ctx context.Context, api CFNAPI, name string, st *cfntypes.Stack) error {
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
func failureReason(ctx context.Context, api CFNAPI, name, id string) (string, error) {
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
