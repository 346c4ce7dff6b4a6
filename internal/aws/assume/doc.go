// Package assume acts as a customer's OrchesteraAccessRole: it assumes the
// role from the platform's identity with the organization's external ID, in
// a session named for the organization and the operation so the customer's
// CloudTrail says who did what, and records every AWS call made through the
// role in the audit log (one middleware, used by verification and stacks
// alike).
package assume
