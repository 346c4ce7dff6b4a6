package awsstack

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/orchestera/orchestera/internal/aws/awssdk"
	"github.com/orchestera/orchestera/internal/domain"
	"github.com/orchestera/orchestera/internal/golden"

	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/orchestera/orchestera/internal/iampolicy"
)

// TestKarpenterPoliciesGolden pins the controller role's inline policy, its
// trust policy and the queue policy. moto checks none of them (conditions
// and resource ARNs are not evaluated: emulator gap 2), so the
// golden file is where a reviewer sees every grant.
func TestKarpenterPoliciesGolden(t *testing.T) {
	k := karpenterScope{partition: "aws", region: "us-east-1", account: "123456789012", cluster: "orchestera-prod-cluster",
		queueARN:    "arn:aws:sqs:us-east-1:123456789012:orchestera-prod-karpenter",
		nodeRoleARN: "arn:aws:iam::123456789012:role/orchestera-prod-node-role", profileName: "orchestera-prod-node-profile"}
	oidc := OIDCOutputs{ProviderARN: "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE",
		Issuer: "oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"}
	var got bytes.Buffer
	for _, d := range []iampolicy.Document{k.controllerPolicy(), controllerTrust(oidc), k.queuePolicy()} {
		got.Write(d.JSON())
	}
	golden.Equal(t, filepath.Join("testdata", "stack-karpenter-policies.golden.json"), got.Bytes())
}

// deletedQueueSQS answers as SQS does for 60 seconds after a queue's
// deletion: the name is free (GetQueueUrl: no such queue) but CreateQueue
// refuses it. moto does not keep that minute.
type deletedQueueSQS struct{ awssdk.SQS }

func (deletedQueueSQS) GetQueueUrl(context.Context, *sqs.GetQueueUrlInput, ...func(*sqs.Options)) (*sqs.GetQueueUrlOutput, error) {
	return nil, apiErr("AWS.SimpleQueueService.NonExistentQueue", "The specified queue does not exist.")
}

func (deletedQueueSQS) CreateQueue(context.Context, *sqs.CreateQueueInput, ...func(*sqs.Options)) (*sqs.CreateQueueOutput, error) {
	return nil, apiErr("AWS.SimpleQueueService.QueueDeletedRecently", "You must wait 60 seconds after deleting a queue before you can create another with the same name.")
}

func TestQueueDeletedRecentlyIsARequeue(t *testing.T) {
	spec := testStack("prod")
	roles := IAMOutputs{NodeRoleARN: "arn:aws:iam::123456789012:role/orchestera-prod-node-role"}
	cluster := ClusterOutputs{ARN: "arn:aws:eks:us-east-1:123456789012:cluster/orchestera-prod-cluster"}
	_, err := EnsureKarpenter(context.Background(), deletedQueueSQS{}, nil, spec, roles, cluster, OIDCOutputs{ProviderARN: "arn:aws:iam::123456789012:oidc-provider/x"})
	if after, ok := domain.IsNotReady(err); !ok || after <= time.Minute {
		t.Fatalf("err = %v, want a NotReadyError of more than a minute", err)
	}
}
