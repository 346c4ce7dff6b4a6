package iampolicy

import "fmt"

// AccessPolicy is OrchesteraAccessPolicy: every required action on "*".
func AccessPolicy() Document {
	return Document{Version: Version, Statement: Statements{{
		Effect: "Allow", Action: RequiredActions(), Resource: StringList{"*"},
	}}}
}

// TrustPolicy is OrchesteraAccessRole's trust policy: the platform account
// may assume the role, only with the organization's external ID.
func TrustPolicy(platformAccountID, externalID string) Document {
	return Document{Version: Version, Statement: Statements{{
		Effect:    "Allow",
		Principal: &Principal{Map: map[string]StringList{"AWS": {fmt.Sprintf("arn:aws:iam::%s:root", platformAccountID)}}},
		Action:    StringList{"sts:AssumeRole"},
		Condition: map[string]map[string]StringList{"StringEquals": {"sts:ExternalId": {externalID}}},
	}}}
}

// ManagementPolicy is GrantAccessToOrganizationAccountAccessRole: lets the
// management account's admins switch into the member account.
func ManagementPolicy(memberAccountID string) Document {
	return Document{Version: Version, Statement: Statements{{
		Sid: "VisualEditor0", Effect: "Allow", Action: StringList{"sts:AssumeRole"},
		Resource: StringList{fmt.Sprintf("arn:aws:iam::%s:role/%s", memberAccountID, MemberRoleName)},
	}}}
}
