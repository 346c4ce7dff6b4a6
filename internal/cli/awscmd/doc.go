// Package awscmd is the `orchestera aws` command tree: the IAM documents of
// the AWS account setup guide printed and checked offline, and the bootstrap
// commands that create them with the caller's own AWS credentials. None of
// it calls the Orchestera server, except bootstrap asking it for the
// external ID when logged in.
package awscmd
