// Package onboard automates the customer guide with the customer's own
// credentials, never the platform's.
//
// Bootstrap runs in the member account ("Orchestera Sparklith") and creates
// OrchesteraAccessPolicy and OrchesteraAccessRole; BootstrapManagement runs
// in the organization's management account and does the guide's group,
// policy and (optionally) account creation. Both are idempotent "ensure"
// steps that print what they change; the documents come from iampolicy.
// This is the only AWS package the CLI links.
package onboard
