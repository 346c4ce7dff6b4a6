package awsstack

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/orchestera/orchestera/internal/aws/awssdk"
	"github.com/orchestera/orchestera/internal/domain"
	"github.com/orchestera/orchestera/internal/iampolicy"
)

// KarpenterOutputs are what the Karpenter Helm values need
// (settings.interruptionQueue, the service account's role annotation).
type KarpenterOutputs struct {
	QueueName, QueueURL, QueueARN string
	ControllerRoleARN             string
}

// queueRetentionSeconds: interruption messages are useless after minutes
// (a Spot warning gives two), as in Karpenter's template.
const queueRetentionSeconds = "300"

// EnsureKarpenter creates Karpenter's interruption queue (with its queue
// policy) and its controller role for IRSA (with an inline policy scoped to
// this cluster, queue and node role), or brings ours in line. The
// EventBridge rules that fill the queue are not created:
// OrchesteraAccessPolicy grants no events:* (see OptionalAdditions).
func EnsureKarpenter(ctx context.Context, sqsAPI awssdk.SQS, iamAPI awssdk.IAM, spec StackSpec, roles IAMOutputs, cluster ClusterOutputs, oidc OIDCOutputs) (KarpenterOutputs, error) {
	if err := spec.Validate(); err != nil {
		return KarpenterOutputs{}, err
	}
	if roles.NodeRoleARN == "" || cluster.ARN == "" || oidc.ProviderARN == "" {
		return KarpenterOutputs{}, fmt.Errorf("ensuring Karpenter: the node role, the cluster and its OIDC provider are required")
	}
	name := spec.Name(partKarpenter)
	k := karpenterScope{partition: awssdk.Partition(cluster.ARN), region: spec.Region, account: awssdk.ARNAccount(cluster.ARN),
		cluster: spec.ClusterName(), nodeRoleARN: roles.NodeRoleARN, profileName: roles.NodeInstanceProfile}
	k.queueARN = "arn:" + k.partition + ":sqs:" + k.region + ":" + k.account + ":" + name
	url, err := ensureQueue(ctx, sqsAPI, spec, name, k.queuePolicy())
	if err != nil {
		return KarpenterOutputs{}, err
	}
	roleARN, err := ensureRole(ctx, iamAPI, spec, roleSpec{
		name: name, description: "Karpenter controller of Orchestera stack " + spec.StackName + " (IRSA)",
		trust:  controllerTrust(oidc),
		inline: map[string]iampolicy.Document{"KarpenterControllerPolicy": k.controllerPolicy()},
	})
	if err != nil {
		return KarpenterOutputs{}, err
	}
	return KarpenterOutputs{QueueName: name, QueueURL: url, QueueARN: k.queueARN, ControllerRoleARN: roleARN}, nil
}

func isQueueMissing(err error) bool {
	var missing *sqstypes.QueueDoesNotExist
	c := awssdk.ErrorCode(err)
	return errors.As(err, &missing) || c == "AWS.SimpleQueueService.NonExistentQueue" || c == "QueueDoesNotExist"
}

// ensureQueue creates the queue with its policy and tags, or checks that
// ours carries the policy (SetQueueAttributes when it differs).
func ensureQueue(ctx context.Context, api awssdk.SQS, spec StackSpec, name string, policy iampolicy.Document) (string, error) {
	got, err := api.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(name)})
	if isQueueMissing(err) {
		c, err := api.CreateQueue(ctx, &sqs.CreateQueueInput{
			QueueName: aws.String(name), Tags: spec.Tags(),
			Attributes: map[string]string{
				string(sqstypes.QueueAttributeNameMessageRetentionPeriod): queueRetentionSeconds,
				string(sqstypes.QueueAttributeNameSqsManagedSseEnabled):   "true",
				string(sqstypes.QueueAttributeNamePolicy):                 string(policy.JSON()),
			},
		})
		if code := awssdk.ErrorCode(err); code == "QueueDeletedRecently" || code == "AWS.SimpleQueueService.QueueDeletedRecently" {
			// SQS refuses a queue's name for 60 seconds after its deletion.
			return "", domain.NotReady(61*time.Second, "SQS queue %s was deleted less than a minute ago", name)
		}
		if err != nil {
			return "", fmt.Errorf("creating SQS queue %s: %w", name, err)
		}
		return aws.ToString(c.QueueUrl), nil
	}
	if err != nil {
		return "", fmt.Errorf("looking up SQS queue %s: %w", name, err)
	}
	url := aws.ToString(got.QueueUrl)
	tags, err := api.ListQueueTags(ctx, &sqs.ListQueueTagsInput{QueueUrl: aws.String(url)})
	if err != nil {
		return "", fmt.Errorf("reading the tags of SQS queue %s: %w", name, err)
	}
	if err := spec.checkOwned("SQS queue", name, tags.Tags); err != nil {
		return "", err
	}
	attrs, err := api.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
		QueueUrl: aws.String(url), AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNamePolicy},
	})
	if err != nil {
		return "", fmt.Errorf("reading the policy of SQS queue %s: %w", name, err)
	}
	current, perr := iampolicy.Parse([]byte(attrs.Attributes[string(sqstypes.QueueAttributeNamePolicy)]))
	if perr == nil && iampolicy.Equal(current, policy) {
		return url, nil
	}
	if _, err := api.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{
		QueueUrl: aws.String(url), Attributes: map[string]string{string(sqstypes.QueueAttributeNamePolicy): string(policy.JSON())},
	}); err != nil {
		return "", fmt.Errorf("setting the policy of SQS queue %s: %w", name, err)
	}
	return url, nil
}

// DestroyKarpenter deletes the controller role and the interruption queue;
// what is absent or not ours is skipped.
func DestroyKarpenter(ctx context.Context, sqsAPI awssdk.SQS, iamAPI awssdk.IAM, spec StackSpec) error {
	if err := spec.validateNames(); err != nil {
		return err
	}
	name := spec.Name(partKarpenter)
	if err := destroyRole(ctx, iamAPI, spec, name); err != nil {
		return err
	}
	got, err := sqsAPI.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(name)})
	if isQueueMissing(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("looking up SQS queue %s: %w", name, err)
	}
	tags, err := sqsAPI.ListQueueTags(ctx, &sqs.ListQueueTagsInput{QueueUrl: got.QueueUrl})
	if err != nil {
		return fmt.Errorf("reading the tags of SQS queue %s: %w", name, err)
	}
	if !spec.owns(tags.Tags) {
		return nil
	}
	if _, err := sqsAPI.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: got.QueueUrl}); err != nil && !isQueueMissing(err) {
		return fmt.Errorf("deleting SQS queue %s: %w", name, err)
	}
	return nil
}
