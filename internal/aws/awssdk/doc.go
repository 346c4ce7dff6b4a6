// Package awssdk is the edge of the AWS SDK for Go v2: loading the
// caller's configuration, one narrow interface per AWS service with exactly
// the calls Orchestera makes, AWS error classification and ARN and tag
// helpers. The other AWS packages (assume, onboard, verify, awsstack) build
// on it; nothing here knows about stacks or the store.
package awssdk
