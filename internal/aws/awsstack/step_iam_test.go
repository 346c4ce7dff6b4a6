package awsstack

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/orchestera/orchestera/internal/aws/awssdk"
	"github.com/orchestera/orchestera/internal/aws/mototest"
	"github.com/orchestera/orchestera/internal/iampolicy"
)

func TestIAMAgainstMoto(t *testing.T) {
	cfg := startStackMoto(t)
	ctx := testCtx(t)
	client := iam.NewFromConfig(cfg)
	api := &recordingIAM{IAM: client}
	spec := testStack("prod")

	first, err := EnsureIAM(ctx, api, spec)
	if err != nil {
		t.Fatalf("EnsureIAM: %v", err)
	}
	want := IAMOutputs{
		ClusterRoleARN:      "arn:aws:iam::" + mototest.AccountID + ":role/orchestera-prod-cluster-role",
		NodeRoleName:        "orchestera-prod-node-role",
		NodeRoleARN:         "arn:aws:iam::" + mototest.AccountID + ":role/orchestera-prod-node-role",
		NodeInstanceProfile: "orchestera-prod-node-profile",
	}
	if first != want {
		t.Fatalf("EnsureIAM = %+v, want %+v", first, want)
	}

	t.Run("roles carry the trust, the managed policies and our tags", func(t *testing.T) {
		for role, policies := range map[string][]string{"orchestera-prod-cluster-role": clusterRolePolicies, "orchestera-prod-node-role": nodeRolePolicies} {
			got, err := api.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(role)})
			if err != nil {
				t.Fatal(err)
			}
			if tags := awssdk.FromIAMTags(got.Role.Tags); !spec.owns(tags) || tags[TagManagedBy] != "orchestera" {
				t.Errorf("%s tags = %v", role, tags)
			}
			attached, err := attachedPolicies(ctx, api, role)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range policies {
				if !attached["arn:aws:iam::aws:policy/"+p] {
					t.Errorf("%s lacks %s: %v", role, p, attached)
				}
			}
			if len(attached) != len(policies) {
				t.Errorf("%s has %d policies attached, want %d", role, len(attached), len(policies))
			}
		}
		ip, err := api.GetInstanceProfile(ctx, &iam.GetInstanceProfileInput{InstanceProfileName: aws.String(first.NodeInstanceProfile)})
		if err != nil {
			t.Fatal(err)
		}
		if len(ip.InstanceProfile.Roles) != 1 || aws.ToString(ip.InstanceProfile.Roles[0].RoleName) != first.NodeRoleName || !spec.owns(awssdk.FromIAMTags(ip.InstanceProfile.Tags)) {
			t.Errorf("instance profile = %+v", ip.InstanceProfile)
		}
	})
	t.Run("a second ensure is a no-op and repairs a drifted trust policy", func(t *testing.T) {
		api.take()
		if again, err := EnsureIAM(ctx, api, spec); err != nil || again != first {
			t.Fatalf("EnsureIAM again = %+v, %v", again, err)
		}
		if changes := api.take(); changes != "" {
			t.Errorf("the second ensure changed things: %s", changes)
		}
		if _, err := client.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("orchestera-prod-cluster-role"),
			PolicyDocument: aws.String(string(serviceTrust("ec2.amazonaws.com").JSON()))}); err != nil {
			t.Fatal(err)
		}
		again, err := EnsureIAM(ctx, api, spec)
		if err != nil || again != first {
			t.Fatalf("EnsureIAM after drift = %+v, %v", again, err)
		}
		if changes := api.take(); changes != "UpdateAssumeRolePolicy" {
			t.Errorf("repairing the trust policy did %q", changes)
		}
		got, _ := api.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("orchestera-prod-cluster-role")})
		if trust, err := iampolicy.Decode(aws.ToString(got.Role.AssumeRolePolicyDocument)); err != nil || !iampolicy.Equal(trust, serviceTrust("eks.amazonaws.com")) {
			t.Errorf("trust policy not repaired: %s (%v)", trust.JSON(), err)
		}
	})
	t.Run("roles of the same name that are not ours are refused and left alone", func(t *testing.T) {
		other := testStack("other")
		if _, err := api.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(other.Name("cluster-role")),
			AssumeRolePolicyDocument: aws.String(string(serviceTrust("eks.amazonaws.com").JSON()))}); err != nil {
			t.Fatal(err)
		}
		_, err := EnsureIAM(ctx, api, other)
		wantNotOwned(t, err)

		// Same stack name, another organization: not ours either.
		otherOrg := spec
		otherOrg.OrgID = "org_someone_else"
		_, err = EnsureIAM(ctx, api, otherOrg)
		wantNotOwned(t, err)

		if err := DestroyIAM(ctx, api, other); err != nil {
			t.Fatalf("DestroyIAM: %v", err)
		}
		if _, err := api.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(other.Name("cluster-role"))}); err != nil {
			t.Fatalf("DestroyIAM deleted a role that is not ours: %v", err)
		}
	})
	t.Run("destroy deletes everything and is idempotent", func(t *testing.T) {
		if err := DestroyIAM(ctx, api, spec); err != nil {
			t.Fatalf("DestroyIAM: %v", err)
		}
		for _, role := range []string{"orchestera-prod-cluster-role", "orchestera-prod-node-role"} {
			if _, err := api.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(role)}); !awssdk.IsNotFound(err) {
				t.Errorf("role %s after destroy: %v", role, err)
			}
		}
		if _, err := api.GetInstanceProfile(ctx, &iam.GetInstanceProfileInput{InstanceProfileName: aws.String(first.NodeInstanceProfile)}); !awssdk.IsNotFound(err) {
			t.Errorf("instance profile after destroy: %v", err)
		}
		if err := DestroyIAM(ctx, api, spec); err != nil {
			t.Fatalf("second DestroyIAM: %v", err)
		}
	})
}
