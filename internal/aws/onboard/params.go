package onboard

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/orchestera/orchestera/internal/aws/awssdk"
	"github.com/orchestera/orchestera/internal/domain"
)

// PutParam writes one per-namespace parameter of an aws-eks stack with the
// caller's own credentials (the platform's role may only read them): a
// secret as a SecureString, an IAM access as a String (it holds no secret).
// It replaces the parameter if it exists and returns its path. The value is
// validated by the caller; SSM's errors never quote it.
func PutParam(ctx context.Context, api awssdk.SSM, cluster, namespace, kind, alias, value string) (string, error) {
	path := domain.ParamPath(cluster, namespace, kind, alias)
	typ := ssmtypes.ParameterTypeString
	if kind == domain.ParamSecrets {
		typ = ssmtypes.ParameterTypeSecureString
	}
	_, err := api.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String(path), Value: aws.String(value), Type: typ, Overwrite: aws.Bool(true),
		Description: aws.String("Orchestera: synced into namespace " + namespace + " of " + cluster)})
	if err != nil {
		return path, fmt.Errorf("writing parameter %s: %w", path, err)
	}
	return path, nil
}

// DeleteParam deletes one parameter; the next sync removes what it made.
func DeleteParam(ctx context.Context, api awssdk.SSM, cluster, namespace, kind, alias string) (string, error) {
	path := domain.ParamPath(cluster, namespace, kind, alias)
	_, err := api.DeleteParameter(ctx, &ssm.DeleteParameterInput{Name: aws.String(path)})
	if awssdk.ErrorCode(err) == "ParameterNotFound" {
		return path, domain.NotFound("parameter", path)
	}
	if err != nil {
		return path, fmt.Errorf("deleting parameter %s: %w", path, err)
	}
	return path, nil
}
