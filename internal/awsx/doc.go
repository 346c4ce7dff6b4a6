// Package awsx is the AWS adapter: SDK configuration, the narrow interfaces
// over exactly the AWS calls Orchestera makes, AWS error classification, and
// the onboarding automation (bootstrap) and role verification built on them.
//
// Bootstrap runs in the customer's member account ("Orchestera Sparklith")
// and creates OrchesteraAccessPolicy and OrchesteraAccessRole;
// BootstrapManagement runs in the organization's management account and does
// the guide's group, policy and (optionally) account creation. Both are
// idempotent "ensure" steps that print what they change, and both take the
// interfaces in iam.go and orgs.go so tests can run them against moto
// (mototest) or a fake. The documents themselves come from iampolicy.
package awsx
