// Package verify is "Verify AWS Role": it assumes a customer's
// OrchesteraAccessRole from the platform's identity with the organization's
// external ID and checks everything the customer guide asks for (the ARN,
// the assumption, the account, the trust policy, the permissions and the
// regions), each check with its evidence and, when it fails, its fix.
// Every call is audited through package assume.
package verify
