package onboard

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/orchestera/orchestera/internal/aws/awssdk"
)

// Options select the caller's own credentials (profile, region, endpoint).
type Options = awssdk.Options

// DefaultRegion is the region used when nothing else names one.
const DefaultRegion = awssdk.DefaultRegion

// Clients are the services onboarding calls, acting as the caller.
type Clients struct {
	IAM           awssdk.IAM
	STS           awssdk.STS
	Organizations awssdk.Organizations
	SSM           awssdk.SSM
}

// Connect loads the caller's AWS configuration the way the AWS CLI does
// and returns the clients onboarding needs.
func Connect(ctx context.Context, o Options) (Clients, error) {
	cfg, err := awssdk.LoadConfig(ctx, o)
	if err != nil {
		return Clients{}, err
	}
	return Clients{IAM: iam.NewFromConfig(cfg), STS: sts.NewFromConfig(cfg), Organizations: organizations.NewFromConfig(cfg), SSM: ssm.NewFromConfig(cfg)}, nil
}
