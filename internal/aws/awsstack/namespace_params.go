package awsstack

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/orchestera/orchestera/internal/aws/awssdk"
	"github.com/orchestera/orchestera/internal/domain"
)

// Param is one parameter under the cluster's path. Problem says why its
// path is not one of the contract's; Value is then not to be used.
type Param struct {
	Path, Namespace, Kind, Alias string
	Value                        string
	Secure                       bool // a SecureString, decrypted
	Problem                      string
}

// ReadParams reads every parameter under the cluster's path, decrypted.
// Values are secrets: they never go into errors or problems.
func ReadParams(ctx context.Context, api awssdk.SSM, cluster string) ([]Param, error) {
	prefix := domain.ParamRoot + cluster + "/"
	var out []Param
	p := ssm.NewGetParametersByPathPaginator(api, &ssm.GetParametersByPathInput{
		Path: aws.String(prefix), Recursive: aws.Bool(true), WithDecryption: aws.Bool(true),
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("reading the parameters under %s: %w", prefix, err)
		}
		for _, sp := range page.Parameters {
			out = append(out, param(prefix, sp))
		}
	}
	return out, nil
}

func param(prefix string, sp ssmtypes.Parameter) Param {
	p := Param{Path: aws.ToString(sp.Name), Value: aws.ToString(sp.Value), Secure: sp.Type == ssmtypes.ParameterTypeSecureString}
	parts := strings.Split(strings.TrimPrefix(p.Path, prefix), "/")
	if len(parts) != 3 || (parts[1] != domain.ParamIAM && parts[1] != domain.ParamSecrets) || parts[0] == "" || parts[2] == "" {
		p.Problem = "not a path of the form " + prefix + "<namespace>/iams/<alias> or " + prefix + "<namespace>/secrets/<alias>"
		p.Value = ""
		return p
	}
	p.Namespace, p.Kind, p.Alias = parts[0], parts[1], parts[2]
	return p
}
