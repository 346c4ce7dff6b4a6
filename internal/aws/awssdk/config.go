package awssdk

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
)

// DefaultRegion is used when neither a flag nor the environment or profile
// names a region: Orchestera runs in us-east-1 only (customer guide), and
// IAM and Organizations are global but the SDK still needs a region to sign.
const DefaultRegion = "us-east-1"

// Options select the caller's credentials and where to send requests.
type Options struct {
	Profile  string // shared config profile; empty: AWS_PROFILE or default
	Region   string // empty: the environment's or profile's, else DefaultRegion
	Endpoint string // base endpoint for every service (an emulator); the SDK also honours AWS_ENDPOINT_URL
}

// LoadConfig loads the caller's own AWS configuration the way the AWS CLI
// does: environment credentials, shared profiles, SSO, instance roles.
func LoadConfig(ctx context.Context, o Options) (aws.Config, error) {
	var opts []func(*config.LoadOptions) error
	if o.Profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(o.Profile))
	}
	if o.Region != "" {
		opts = append(opts, config.WithRegion(o.Region))
	}
	if o.Endpoint != "" {
		opts = append(opts, config.WithBaseEndpoint(o.Endpoint))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		if o.Profile != "" {
			return aws.Config{}, fmt.Errorf("loading AWS profile %q: %w", o.Profile, err)
		}
		return aws.Config{}, fmt.Errorf("loading AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		cfg.Region = DefaultRegion
	}
	return cfg, nil
}
