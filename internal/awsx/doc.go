// Package awsx is the AWS adapter: SDK configuration, the narrow interfaces
// over exactly the AWS calls Orchestera makes, AWS error classification, and
// the onboarding automation (bootstrap) and role verification built on them.
package awsx

import (
	_ "github.com/aws/aws-sdk-go-v2/config"
	_ "github.com/aws/aws-sdk-go-v2/credentials"
	_ "github.com/aws/aws-sdk-go-v2/service/ec2"
	_ "github.com/aws/aws-sdk-go-v2/service/iam"
	_ "github.com/aws/aws-sdk-go-v2/service/organizations"
	_ "github.com/aws/aws-sdk-go-v2/service/sts"
	_ "github.com/aws/smithy-go"
)
