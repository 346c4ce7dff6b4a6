package awsstack

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"

	"github.com/orchestera/orchestera/internal/aws/awssdk"
	"github.com/orchestera/orchestera/internal/domain"
)

// fakeCFN is one cfnStack that moves through scripted statuses, as
// CloudFormation's asynchronous operations do on AWS (moto finishes every
// operation inside the call and never shows *_IN_PROGRESS, ROLLBACK_* or
// resource-level events: emulator gap 8). Each DescribeStacks takes
// the next scripted status of the current operation.
type fakeCFN struct {
	stack                              *cfntypes.Stack
	afterCreate, afterUpdate, afterDel []cfntypes.StackStatus
	then                               []cfntypes.StackStatus
	events                             []cfntypes.StackEvent
	createErr, updateErr, describeErr  error
	calls                              []string
	describes                          int
	onDescribe                         func(n int)
}

const fakeStackID = "arn:aws:cloudformation:us-east-1:123456789012:stack/orchestera-prod-network/6a1b"

func (f *fakeCFN) DescribeStacks(_ context.Context, in *cloudformation.DescribeStacksInput, _ ...func(*cloudformation.Options)) (*cloudformation.DescribeStacksOutput, error) {
	f.calls = append(f.calls, "DescribeStacks")
	f.describes++
	if f.onDescribe != nil {
		f.onDescribe(f.describes)
	}
	if f.describeErr != nil {
		return nil, f.describeErr
	}
	name := aws.ToString(in.StackName)
	if f.stack != nil && len(f.then) > 0 {
		f.stack.StackStatus, f.then = f.then[0], f.then[1:]
	}
	byName := f.stack != nil && name == aws.ToString(f.stack.StackName) && f.stack.StackStatus != cfntypes.StackStatusDeleteComplete
	if f.stack == nil || !(byName || name == aws.ToString(f.stack.StackId)) {
		return nil, apiErr("ValidationError", "Stack with id "+name+" does not exist")
	}
	cp := *f.stack
	return &cloudformation.DescribeStacksOutput{Stacks: []cfntypes.Stack{cp}}, nil
}

func (f *fakeCFN) DescribeStackEvents(context.Context, *cloudformation.DescribeStackEventsInput, ...func(*cloudformation.Options)) (*cloudformation.DescribeStackEventsOutput, error) {
	f.calls = append(f.calls, "DescribeStackEvents")
	return &cloudformation.DescribeStackEventsOutput{StackEvents: f.events}, nil
}

func (f *fakeCFN) CreateStack(_ context.Context, in *cloudformation.CreateStackInput, _ ...func(*cloudformation.Options)) (*cloudformation.CreateStackOutput, error) {
	f.calls = append(f.calls, "CreateStack")
	if f.createErr != nil {
		return nil, f.createErr
	}
	out := func(k, v string) cfntypes.Output {
		return cfntypes.Output{OutputKey: aws.String(k), OutputValue: aws.String(v)}
	}
	f.stack = &cfntypes.Stack{StackName: in.StackName, StackId: aws.String(fakeStackID), Tags: in.Tags,
		StackStatus: cfntypes.StackStatusCreateInProgress, Outputs: []cfntypes.Output{
			out("VpcId", "vpc-1"), out("PublicSubnetIds", "subnet-p1,subnet-p2"), out("PrivateSubnetIds", "subnet-q1,subnet-q2"),
			out("PrivateRouteTableIds", "rtb-1,rtb-2")}}
	f.then = f.afterCreate
	return &cloudformation.CreateStackOutput{StackId: f.stack.StackId}, nil
}

func (f *fakeCFN) UpdateStack(context.Context, *cloudformation.UpdateStackInput, ...func(*cloudformation.Options)) (*cloudformation.UpdateStackOutput, error) {
	f.calls = append(f.calls, "UpdateStack")
	if f.updateErr != nil {
		return nil, f.updateErr
	}
	f.stack.StackStatus, f.then = cfntypes.StackStatusUpdateInProgress, f.afterUpdate
	return &cloudformation.UpdateStackOutput{StackId: f.stack.StackId}, nil
}

func (f *fakeCFN) DeleteStack(context.Context, *cloudformation.DeleteStackInput, ...func(*cloudformation.Options)) (*cloudformation.DeleteStackOutput, error) {
	f.calls = append(f.calls, "DeleteStack")
	f.stack.StackStatus, f.then = cfntypes.StackStatusDeleteInProgress, f.afterDel
	return &cloudformation.DeleteStackOutput{}, nil
}

var _ awssdk.CloudFormation = (*fakeCFN)(nil)

// ours is a finished cfnStack of spec with our tags.
func ours(spec StackSpec, status cfntypes.StackStatus) *fakeCFN {
	f := &fakeCFN{afterCreate: []cfntypes.StackStatus{cfntypes.StackStatusCreateComplete}}
	f.CreateStack(context.Background(), &cloudformation.CreateStackInput{StackName: aws.String(spec.Name("network")), Tags: awssdk.CFNTags(spec.Tags())})
	f.stack.StackStatus, f.then, f.calls = status, nil, nil
	return f
}

func event(logical, typ string, status cfntypes.ResourceStatus, reason string) cfntypes.StackEvent {
	return cfntypes.StackEvent{LogicalResourceId: aws.String(logical), ResourceType: aws.String(typ), ResourceStatus: status, ResourceStatusReason: aws.String(reason)}
}

// rollbackEvents are, newest first, what AWS records when a create fails
// because the account is out of Elastic IPs; the oldest two belong to an
// earlier operation and must not be reported.
func rollbackEvents(stackName string) []cfntypes.StackEvent {
	const s = "AWS::CloudFormation::Stack"
	return []cfntypes.StackEvent{
		event(stackName, s, cfntypes.ResourceStatusRollbackComplete, ""),
		event("NATGateway1EIP", "AWS::EC2::EIP", cfntypes.ResourceStatusDeleteComplete, ""),
		event(stackName, s, cfntypes.ResourceStatusRollbackInProgress, "The following resource(s) failed to create: [NATGateway1EIP, NATGateway2EIP]. Rollback requested by user."),
		event("NATGateway2EIP", "AWS::EC2::EIP", cfntypes.ResourceStatusCreateFailed, "Resource creation cancelled"),
		event("NATGateway1EIP", "AWS::EC2::EIP", cfntypes.ResourceStatusCreateFailed, "The maximum number of addresses has been reached. (Service: Ec2, Status Code: 400)"),
		event("NATGateway1EIP", "AWS::EC2::EIP", cfntypes.ResourceStatusCreateInProgress, ""),
		event(stackName, s, cfntypes.ResourceStatusCreateInProgress, "User Initiated"),
		event("VPC", "AWS::EC2::VPC", cfntypes.ResourceStatusCreateFailed, "an older failure"),
		event(stackName, s, cfntypes.ResourceStatusCreateInProgress, "User Initiated"),
	}
}

func TestCFNStackFailuresWithFakes(t *testing.T) {
	spec := testStack("prod")
	name := spec.Name("network")
	ctx := context.Background()

	t.Run("a create that rolls back reports the first resource failure", func(t *testing.T) {
		// AWS: CreateStack answers OK, the cfnStack goes CREATE_IN_PROGRESS,
		// ROLLBACK_IN_PROGRESS, ROLLBACK_COMPLETE; the cause is in the events.
		f := &fakeCFN{afterCreate: []cfntypes.StackStatus{"CREATE_IN_PROGRESS", "ROLLBACK_IN_PROGRESS", "ROLLBACK_COMPLETE"}, events: rollbackEvents(name)}
		_, err := ensureNetwork(t, f, spec)
		var ce *CFNStackError
		if !errors.As(err, &ce) || ce.Status != "ROLLBACK_COMPLETE" {
			t.Fatalf("err = %v, want a CFNStackError in ROLLBACK_COMPLETE", err)
		}
		if want := "NATGateway1EIP (AWS::EC2::EIP) CREATE_FAILED: The maximum number of addresses has been reached."; !strings.HasPrefix(ce.Reason, want) {
			t.Errorf("reason = %q, want %q...", ce.Reason, want)
		}
	})
	t.Run("a CreateStack API error is a failed create", func(t *testing.T) {
		// moto: a resource error comes back from CreateStack itself; AWS
		// does the same for template and permission errors.
		f := &fakeCFN{createErr: apiErr("ValidationError", "Template format error: Unresolved resource dependencies [VPC]")}
		_, err := ensureNetwork(t, f, spec)
		var ce *CFNStackError
		if !errors.As(err, &ce) || ce.Status != "ROLLBACK_COMPLETE" || awssdk.ErrorCode(err) != "ValidationError" || !strings.Contains(err.Error(), "Unresolved resource") {
			t.Fatalf("err = %v, want a CFNStackError wrapping the API error", err)
		}
	})
	t.Run("a rolled-back create is deleted and created again", func(t *testing.T) {
		f := ours(spec, cfntypes.StackStatusRollbackComplete)
		f.afterDel = []cfntypes.StackStatus{"DELETE_IN_PROGRESS", "DELETE_COMPLETE"}
		f.afterCreate = []cfntypes.StackStatus{"CREATE_IN_PROGRESS", "CREATE_COMPLETE"}
		out, err := ensureNetwork(t, f, spec)
		if err != nil || out.VPCID != "vpc-1" || len(out.PrivateSubnetIDs) != 2 {
			t.Fatalf("EnsureNetwork = %+v, %v", out, err)
		}
		if got := strings.Join(f.calls, " "); !strings.Contains(got, "DeleteStack") || !strings.Contains(got, "CreateStack") {
			t.Errorf("calls = %s", got)
		}
	})
	t.Run(`"No updates are to be performed" is success`, func(t *testing.T) {
		f := ours(spec, cfntypes.StackStatusUpdateComplete)
		f.updateErr = apiErr("ValidationError", "No updates are to be performed.")
		out, err := ensureNetwork(t, f, spec)
		if err != nil || out.CFNStackID != fakeStackID {
			t.Fatalf("EnsureNetwork = %+v, %v", out, err)
		}
		if got := strings.Join(f.calls, " "); got != "DescribeStacks UpdateStack" {
			t.Errorf("calls = %s, want one read and the update", got)
		}
	})
	t.Run("an update that rolls back is an error with the cause", func(t *testing.T) {
		f := ours(spec, cfntypes.StackStatusCreateComplete)
		f.afterUpdate = []cfntypes.StackStatus{"UPDATE_IN_PROGRESS", "UPDATE_ROLLBACK_IN_PROGRESS", "UPDATE_ROLLBACK_COMPLETE"}
		f.events = []cfntypes.StackEvent{
			event("PrivateSubnet1", "AWS::EC2::Subnet", cfntypes.ResourceStatusUpdateFailed, "The CIDR '10.1.0.0/19' conflicts with another subnet"),
			event(name, "AWS::CloudFormation::Stack", cfntypes.ResourceStatusUpdateInProgress, "User Initiated"),
		}
		_, err := ensureNetwork(t, f, spec)
		var ce *CFNStackError
		if !errors.As(err, &ce) || ce.Status != "UPDATE_ROLLBACK_COMPLETE" || !strings.Contains(ce.Reason, "conflicts with another subnet") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("a cfn stack still changing is a requeue, never a wait", func(t *testing.T) {
		f := &fakeCFN{afterCreate: []cfntypes.StackStatus{"CREATE_IN_PROGRESS", "CREATE_IN_PROGRESS", "CREATE_COMPLETE"}}
		var op CFNOp
		for i, want := range []string{"CREATE_IN_PROGRESS", "CREATE_IN_PROGRESS", "CREATE_IN_PROGRESS"} {
			_, err := EnsureNetwork(ctx, f, spec, &op)
			if after, ok := domain.IsNotReady(err); !ok || after != cfnPoll || !strings.Contains(err.Error(), want) || op != OpCreate {
				t.Fatalf("call %d: err = %v (op %q), want NotReady while %s", i+1, err, op, want)
			}
		}
		if out, err := EnsureNetwork(ctx, f, spec, &op); err != nil || out.VPCID != "vpc-1" || op != "" {
			t.Fatalf("once complete: %+v, %v (op %q)", out, err, op)
		}
		if got := strings.Count(strings.Join(f.calls, " "), "CreateStack"); got != 1 {
			t.Errorf("CreateStack called %d times, want once", got)
		}
	})
	t.Run("a delete that fails reports the cause", func(t *testing.T) {
		// AWS: a VPC with an ENI EKS left behind cannot be deleted; the
		// cfnStack ends DELETE_FAILED (moto instead fails DeleteStack
		// itself, see TestNetworkAgainstMoto).
		f := ours(spec, cfntypes.StackStatusCreateComplete)
		f.afterDel = []cfntypes.StackStatus{"DELETE_IN_PROGRESS", "DELETE_FAILED"}
		f.events = []cfntypes.StackEvent{
			event("VPC", "AWS::EC2::VPC", cfntypes.ResourceStatusDeleteFailed, "The vpc 'vpc-1' has dependencies and cannot be deleted."),
			event(name, "AWS::CloudFormation::Stack", cfntypes.ResourceStatusDeleteInProgress, "User Initiated"),
		}
		err := destroyNetwork(t, f, spec)
		var ce *CFNStackError
		if !errors.As(err, &ce) || ce.Status != "DELETE_FAILED" || !strings.Contains(ce.Reason, "has dependencies") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("destroy waits for DELETE_COMPLETE", func(t *testing.T) {
		f := ours(spec, cfntypes.StackStatusUpdateComplete)
		f.afterDel = []cfntypes.StackStatus{"DELETE_IN_PROGRESS", "DELETE_IN_PROGRESS", "DELETE_COMPLETE"}
		if err := destroyNetwork(t, f, spec); err != nil {
			t.Fatal(err)
		}
		if f.stack.StackStatus != "DELETE_COMPLETE" {
			t.Errorf("returned while %s", f.stack.StackStatus)
		}
	})
	t.Run("throttling is returned classified, for the engine to retry", func(t *testing.T) {
		// AWS answers Throttling when many cfnStacks are polled at once;
		// the SDK retries it a few times, then the step fails with it.
		f := &fakeCFN{describeErr: apiErr("Throttling", "Rate exceeded")}
		_, err := ensureNetwork(t, f, spec)
		if !awssdk.IsThrottled(err) {
			t.Errorf("%v is not classified as throttling", err)
		}
		if awssdk.ErrorCode(err) != "Throttling" || !strings.Contains(err.Error(), fmt.Sprintf("describing cfn stack %q", name)) {
			t.Fatalf("err = %v", err)
		}
	})
}
