package assume

import (
	"context"
	"regexp"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go/middleware"

	"github.com/orchestera/orchestera/internal/aws/awssdk"
)

// Role is a copy of platform whose credentials are the role's, assumed with
// externalID in a session named SessionName(orgID, operation) and cached
// until they expire. Every call made with it, and every sts:AssumeRole that
// gets or refreshes its credentials, goes to record.
func Role(platform aws.Config, roleARN, externalID, orgID, operation string, record Recorder) aws.Config {
	cfg := Audited(platform, record)
	cfg.Credentials = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(sts.NewFromConfig(Audited(platform, record)), roleARN,
		func(o *stscreds.AssumeRoleOptions) {
			o.ExternalID = aws.String(externalID)
			o.RoleSessionName = SessionName(orgID, operation)
		}))
	return cfg
}

var sessionUnsafe = regexp.MustCompile(`[^\w+=,.@-]`)

// SessionName identifies the organization and the operation in the
// customer's CloudTrail: orchestera-<org id>-<operation>, within STS's 64
// characters.
func SessionName(orgID, operation string) string {
	name := sessionUnsafe.ReplaceAllString("orchestera-"+orgID+"-"+operation, "-")
	if len(name) > 64 {
		name = name[:64]
	}
	return name
}

// Recorder receives one AWS call: its action as IAM names it
// ("iam:GetRole") and its outcome ("ok", or the AWS error code).
type Recorder func(ctx context.Context, action, outcome string)

// Audited is a copy of cfg that passes every call it makes to record.
func Audited(cfg aws.Config, record Recorder) aws.Config {
	out := cfg.Copy()
	out.APIOptions = append(append([]func(*middleware.Stack) error{}, cfg.APIOptions...), func(s *middleware.Stack) error {
		return s.Initialize.Add(middleware.InitializeMiddlewareFunc("OrchesteraAudit",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				out, md, err := next.HandleInitialize(ctx, in)
				record(context.WithoutCancel(ctx), Action(ctx), Outcome(err))
				return out, md, err
			}), middleware.After)
	})
	return out
}

// Action is the IAM name of the call in flight in ctx ("sts:AssumeRole").
func Action(ctx context.Context) string {
	return strings.ToLower(strings.ReplaceAll(awsmiddleware.GetServiceID(ctx), " ", "")) + ":" + awsmiddleware.GetOperationName(ctx)
}

// Outcome is "ok" for a nil error, else its AWS error code or "error".
func Outcome(err error) string {
	switch {
	case err == nil:
		return "ok"
	case awssdk.ErrorCode(err) != "":
		return awssdk.ErrorCode(err)
	}
	return "error"
}
