package onboard

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/orchestera/orchestera/internal/aws/awssdk"
	"github.com/orchestera/orchestera/internal/iampolicy"
)

// managedByTag marks what Orchestera created.
var managedByTag = types.Tag{Key: aws.String("orchestera.io/managed-by"), Value: aws.String("orchestera")}

// maxPolicyVersions is IAM's limit of stored versions per managed policy
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_managed-versioning.html).
const maxPolicyVersions = 5

// managedPolicy is a customer managed policy kept in line with a document
// Orchestera builds.
type managedPolicy struct {
	name, description string
	want              iampolicy.Document
}

// ensurePolicy creates p when existing is nil, else makes p.want the default
// version when the current default differs semantically. It returns the
// policy's ARN.
func ensurePolicy(ctx context.Context, api awssdk.IAM, existing *types.Policy, p managedPolicy, r *reporter) (string, error) {
	if existing == nil {
		out, err := api.CreatePolicy(ctx, &iam.CreatePolicyInput{
			PolicyName:     aws.String(p.name),
			Description:    aws.String(p.description),
			PolicyDocument: aws.String(string(p.want.JSON())),
			Tags:           []types.Tag{managedByTag},
		})
		if err != nil {
			return "", fmt.Errorf("creating policy %s: %w", p.name, err)
		}
		arn := aws.ToString(out.Policy.Arn)
		r.did("created policy %s", arn)
		return arn, nil
	}
	arn := aws.ToString(existing.Arn)
	v, err := api.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: existing.Arn, VersionId: existing.DefaultVersionId})
	if err != nil {
		return "", fmt.Errorf("reading policy %s version %s: %w", arn, aws.ToString(existing.DefaultVersionId), err)
	}
	current, parseErr := iampolicy.Decode(aws.ToString(v.PolicyVersion.Document))
	if parseErr == nil && iampolicy.Equal(current, p.want) {
		r.already("policy %s is already up to date", arn)
		return arn, nil
	}
	versions, err := api.ListPolicyVersions(ctx, &iam.ListPolicyVersionsInput{PolicyArn: existing.Arn})
	if err != nil {
		return "", fmt.Errorf("listing versions of policy %s: %w", arn, err)
	}
	if len(versions.Versions) >= maxPolicyVersions {
		oldest := oldestNonDefault(versions.Versions)
		if oldest == nil {
			return "", fmt.Errorf("policy %s has %d versions and none can be deleted", arn, len(versions.Versions))
		}
		if _, err := api.DeletePolicyVersion(ctx, &iam.DeletePolicyVersionInput{PolicyArn: existing.Arn, VersionId: oldest.VersionId}); err != nil {
			return "", fmt.Errorf("deleting version %s of policy %s: %w", aws.ToString(oldest.VersionId), arn, err)
		}
		r.did("deleted version %s of policy %s (IAM keeps at most %d versions)", aws.ToString(oldest.VersionId), arn, maxPolicyVersions)
	}
	nv, err := api.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{
		PolicyArn: existing.Arn, PolicyDocument: aws.String(string(p.want.JSON())), SetAsDefault: true,
	})
	if err != nil {
		return "", fmt.Errorf("updating policy %s: %w", arn, err)
	}
	why := iampolicy.DescribeChange(current, p.want)
	if parseErr != nil {
		why = "the old document could not be read: " + parseErr.Error()
	}
	r.did("updated policy %s: version %s is now the default (%s)", arn, aws.ToString(nv.PolicyVersion.VersionId), why)
	return arn, nil
}

func oldestNonDefault(vs []types.PolicyVersion) *types.PolicyVersion {
	var oldest *types.PolicyVersion
	for i := range vs {
		v := &vs[i]
		if v.IsDefaultVersion {
			continue
		}
		if oldest == nil || aws.ToTime(v.CreateDate).Before(aws.ToTime(oldest.CreateDate)) {
			oldest = v
		}
	}
	return oldest
}
