package iampolicy

// Names fixed by the customer guide (docs/aws-account-setup.md).
const (
	AccessPolicyName     = "OrchesteraAccessPolicy"
	AccessRoleName       = "OrchesteraAccessRole"
	ManagementPolicyName = "GrantAccessToOrganizationAccountAccessRole"
	AdminGroupName       = "orchestera-admin-group"
	MemberRoleName       = "OrganizationAccountAccessRole"
	MemberAccountName    = "Orchestera Sparklith"
	AdministratorAccess  = "arn:aws:iam::aws:policy/AdministratorAccess"
	// GuidePlatformAccountID is the platform account the guide shows; ours
	// is discovered with sts:GetCallerIdentity and configurable.
	GuidePlatformAccountID = "017059471480"
	Version                = "2012-10-17"
)
