package awsstack

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/orchestera/orchestera/internal/aws/awssdk"
)

// The cluster's OIDC provider lets IRSA roles (Karpenter's, the
// namespaces') trust its service accounts. It is created from Go because
// moto has no AWS::IAM::OIDCProvider (emulator gap 11).

// OIDCOutputs identify the cluster's IAM OIDC provider.
type OIDCOutputs struct {
	ProviderARN string
	Issuer      string // without https://, as trust policy condition keys spell it
}

// oidcIssuerHost is the issuer URL without its scheme.
func oidcIssuerHost(issuer string) string { return strings.TrimPrefix(issuer, "https://") }

// oidcProviderARN is the provider's ARN, which IAM derives from the issuer:
// arn:<partition>:iam::<account>:oidc-provider/<issuer without https://>.
// Knowing it lets the ensure look the provider up with
// iam:GetOpenIDConnectProvider; iam:ListOpenIDConnectProviders is not in
// OrchesteraAccessPolicy.
func oidcProviderARN(clusterARN, issuer string) string {
	return "arn:" + awssdk.Partition(clusterARN) + ":iam::" + awssdk.ARNAccount(clusterARN) + ":oidc-provider/" + oidcIssuerHost(issuer)
}

// ClusterOIDC reads the stack's cluster and the OIDC provider IRSA roles
// trust, for what runs once the cluster exists (the per-namespace roles).
func ClusterOIDC(ctx context.Context, api awssdk.EKS, spec StackSpec) (ClusterOutputs, OIDCOutputs, error) {
	out, err := api.DescribeCluster(ctx, &eks.DescribeClusterInput{Name: aws.String(spec.ClusterName())})
	if err != nil {
		return ClusterOutputs{}, OIDCOutputs{}, fmt.Errorf("describing EKS cluster %s: %w", spec.ClusterName(), err)
	}
	c, err := clusterOutputs(out.Cluster)
	if err != nil {
		return c, OIDCOutputs{}, err
	}
	return c, OIDCOutputs{ProviderARN: oidcProviderARN(c.ARN, c.OIDCIssuer), Issuer: oidcIssuerHost(c.OIDCIssuer)}, nil
}

// EnsureOIDCProvider creates the IAM OIDC provider for the cluster's issuer
// with the audience sts.amazonaws.com, or checks ours. No thumbprint is
// sent: IAM then trusts the issuer's certificate authority itself
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_oidc.html).
// A provider for the issuer without our tags is refused.
func EnsureOIDCProvider(ctx context.Context, api awssdk.IAM, spec StackSpec, cluster ClusterOutputs) (OIDCOutputs, error) {
	if err := spec.Validate(); err != nil {
		return OIDCOutputs{}, err
	}
	if !strings.HasPrefix(cluster.OIDCIssuer, "https://") || awssdk.ARNAccount(cluster.ARN) == "" {
		return OIDCOutputs{}, fmt.Errorf("ensuring the OIDC provider: EKS cluster %q has no https issuer or ARN yet", cluster.Name)
	}
	o := OIDCOutputs{ProviderARN: oidcProviderARN(cluster.ARN, cluster.OIDCIssuer), Issuer: oidcIssuerHost(cluster.OIDCIssuer)}
	got, err := api.GetOpenIDConnectProvider(ctx, &iam.GetOpenIDConnectProviderInput{OpenIDConnectProviderArn: aws.String(o.ProviderARN)})
	switch {
	case awssdk.IsNotFound(err):
		created, err := api.CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{
			Url: aws.String(cluster.OIDCIssuer), ClientIDList: []string{stsAudience}, Tags: awssdk.IAMTags(spec.Tags()),
		})
		if err != nil {
			return OIDCOutputs{}, fmt.Errorf("creating the OIDC provider for %s: %w", cluster.OIDCIssuer, err)
		}
		o.ProviderARN = aws.ToString(created.OpenIDConnectProviderArn)
		return o, nil
	case err != nil:
		return OIDCOutputs{}, fmt.Errorf("reading OIDC provider %s: %w", o.ProviderARN, err)
	}
	if err := spec.checkOwned("IAM OIDC provider", o.ProviderARN, awssdk.FromIAMTags(got.Tags)); err != nil {
		return OIDCOutputs{}, err
	}
	if !slices.Contains(got.ClientIDList, stsAudience) {
		// Adding it needs iam:AddClientIDToOpenIDConnectProvider, which
		// the guide does not grant.
		return OIDCOutputs{}, fmt.Errorf("OIDC provider %s lacks the audience %s that IRSA needs: %v", o.ProviderARN, stsAudience, got.ClientIDList)
	}
	return o, nil
}

// DestroyOIDCProvider deletes the provider EnsureOIDCProvider returned. The
// ARN comes from the recorded outputs because the cluster (and so its
// issuer) may already be gone. Absent, not ours or an empty ARN: nil. It
// needs iam:DeleteOpenIDConnectProvider, which OrchesteraAccessPolicy lacks.
func DestroyOIDCProvider(ctx context.Context, api awssdk.IAM, spec StackSpec, o OIDCOutputs) error {
	if err := spec.validateNames(); err != nil || o.ProviderARN == "" {
		return err
	}
	got, err := api.GetOpenIDConnectProvider(ctx, &iam.GetOpenIDConnectProviderInput{OpenIDConnectProviderArn: aws.String(o.ProviderARN)})
	if awssdk.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading OIDC provider %s: %w", o.ProviderARN, err)
	}
	if !spec.owns(awssdk.FromIAMTags(got.Tags)) {
		return nil
	}
	if _, err := api.DeleteOpenIDConnectProvider(ctx, &iam.DeleteOpenIDConnectProviderInput{
		OpenIDConnectProviderArn: aws.String(o.ProviderARN),
	}); err != nil && !awssdk.IsNotFound(err) {
		return fmt.Errorf("deleting OIDC provider %s: %w", o.ProviderARN, err)
	}
	return nil
}
