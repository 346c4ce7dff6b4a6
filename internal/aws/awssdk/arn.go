package awssdk

import "strings"

// Partition is the partition of an ARN ("aws", "aws-cn", "aws-us-gov").
func Partition(arn string) string {
	if parts := strings.SplitN(arn, ":", 3); len(parts) == 3 && parts[1] != "" {
		return parts[1]
	}
	return "aws"
}

// ARNAccount is the account field of an ARN.
func ARNAccount(arn string) string {
	if f := strings.SplitN(arn, ":", 6); len(f) == 6 {
		return f[4]
	}
	return ""
}
