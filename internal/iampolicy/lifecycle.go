package iampolicy

// OrchesteraAccessPolicy, as the customer guide prints it, lets Orchestera
// build a stack but not take all of it down again: a role with AWS managed
// policies attached cannot be deleted without iam:DetachRolePolicy, an OIDC
// provider not without iam:DeleteOpenIDConnectProvider, and a drifted trust
// policy is repaired with iam:UpdateAssumeRolePolicy. Verification's
// can_destroy check asks for this second policy, and `orchestera aws
// bootstrap` creates it beside the guide's.

// LifecyclePolicyName is the second policy Orchestera needs on its role.
const LifecyclePolicyName = "OrchesteraLifecyclePolicy"

var lifecycleActions = []string{"iam:DetachRolePolicy", "iam:DeleteOpenIDConnectProvider", "iam:UpdateAssumeRolePolicy"}

// LifecycleActions are the actions beyond the guide's that destroying and
// repairing a stack need.
func LifecycleActions() []string { return append([]string(nil), lifecycleActions...) }

// LifecyclePolicy grants LifecycleActions.
func LifecyclePolicy() Document {
	return Document{Version: Version, Statement: Statements{{
		Sid: "OrchesteraStackLifecycle", Effect: "Allow", Action: LifecycleActions(), Resource: StringList{"*"},
	}}}
}
