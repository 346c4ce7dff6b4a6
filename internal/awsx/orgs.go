package awsx

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/organizations"
)

// OrgsAPI is exactly the AWS Organizations calls bootstrap-management makes
// to create the member account; *organizations.Client satisfies it.
type OrgsAPI interface {
	ListAccounts(context.Context, *organizations.ListAccountsInput, ...func(*organizations.Options)) (*organizations.ListAccountsOutput, error)
	CreateAccount(context.Context, *organizations.CreateAccountInput, ...func(*organizations.Options)) (*organizations.CreateAccountOutput, error)
	ListCreateAccountStatus(context.Context, *organizations.ListCreateAccountStatusInput, ...func(*organizations.Options)) (*organizations.ListCreateAccountStatusOutput, error)
	DescribeCreateAccountStatus(context.Context, *organizations.DescribeCreateAccountStatusInput, ...func(*organizations.Options)) (*organizations.DescribeCreateAccountStatusOutput, error)
}

var _ OrgsAPI = (*organizations.Client)(nil)
