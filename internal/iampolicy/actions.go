package iampolicy

// guideActions is the Action list of OrchesteraAccessPolicy exactly as the
// customer guide prints it, duplicates included, so a diff against the guide
// stays trivial. RequiredActions removes the duplicates.
var guideActions = []string{
	"ec2:*",
	"eks:*",
	"iam:CreateRole",
	"iam:AttachRolePolicy",
	"iam:PutRolePolicy",
	"iam:DeleteRolePolicy",
	"iam:DeleteRole",
	"iam:GetRole",
	"iam:ListInstanceProfilesForRole",
	"iam:ListAttachedRolePolicies",
	"iam:PassRole",
	"iam:CreateInstanceProfile",
	"iam:AddRoleToInstanceProfile",
	"iam:RemoveRoleFromInstanceProfile",
	"iam:DeleteInstanceProfile",
	"iam:GetInstanceProfile",
	"iam:ListInstanceProfiles",
	"iam:ListRolePolicies",
	"iam:TagRole",
	"iam:CreateServiceLinkedRole",
	"iam:CreateOpenIDConnectProvider",
	"iam:TagOpenIDConnectProvider",
	"iam:GetOpenIDConnectProvider",
	"iam:CreatePolicy",
	"iam:TagPolicy",
	"iam:GetPolicy",
	"cloudformation:*",
	"sqs:*",
	"pricing:GetProducts",
	"ssm:GetParameter",
	"ssm:GetParametersByPath",
	"iam:GetPolicyVersion",
	"iam:TagInstanceProfile",
	"iam:CreateInstanceProfile",
	"iam:GetInstanceProfile",
	"iam:DeleteInstanceProfile",
	"iam:AddRoleToInstanceProfile",
	"iam:RemoveRoleFromInstanceProfile",
	"iam:CreatePolicy",
	"iam:GetPolicy",
	"iam:DeletePolicy",
	"iam:ListPolicyVersions",
	"iam:TagPolicy",
	"iam:UntagPolicy",
}

// RequiredActions is the guide's action set without duplicates, in the
// guide's order of first appearance.
func RequiredActions() []string {
	seen := map[string]bool{}
	var out []string
	for _, a := range guideActions {
		if !seen[a] {
			seen[a] = true
			out = append(out, a)
		}
	}
	return out
}
