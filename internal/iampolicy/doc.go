// Package iampolicy is the one source of truth for the IAM side of
// onboarding: the actions OrchesteraAccessPolicy grants (the customer guide's
// list), the documents built from them (access policy, trust policy,
// management-account policy), and the evaluator and linter that check
// documents a customer has. It imports only the standard library.
package iampolicy
