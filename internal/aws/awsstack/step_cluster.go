package awsstack

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"

	"github.com/orchestera/orchestera/internal/aws/awssdk"
	"github.com/orchestera/orchestera/internal/domain"
)

// The EKS cluster is created with the EKS API, not CloudFormation (moto has
// no AWS::EKS::*, emulator gap 11). Creating one takes about ten
// minutes: instead of blocking, the ensure answers NotReadyError while the
// cluster is CREATING and the engine runs it again.

// ClusterOutputs are what Kubernetes clients and IRSA need.
type ClusterOutputs struct {
	Name, ARN, Version   string
	Endpoint             string
	CertificateAuthority string // base64 PEM, as EKS returns it
	OIDCIssuer           string // https://oidc.eks.<region>.amazonaws.com/id/<id>
}

// EnsureCluster creates the EKS cluster in the network's subnets with the
// cluster role, or reads ours. CREATING or DELETING is a NotReadyError;
// FAILED is an error with EKS's health issues. A cluster of that name
// without our tags is refused. A version change is not made here: upgrades
// are their own step.
func EnsureCluster(ctx context.Context, api awssdk.EKS, spec StackSpec, roles IAMOutputs, net NetworkOutputs) (ClusterOutputs, error) {
	if err := spec.Validate(); err != nil {
		return ClusterOutputs{}, err
	}
	name := spec.ClusterName()
	out, err := api.DescribeCluster(ctx, &eks.DescribeClusterInput{Name: aws.String(name)})
	var c *ekstypes.Cluster
	switch {
	case awssdk.IsNotFound(err):
		if roles.ClusterRoleARN == "" || len(net.PrivateSubnetIDs) == 0 || len(net.PublicSubnetIDs) == 0 {
			return ClusterOutputs{}, fmt.Errorf("creating EKS cluster %s: the cluster role and the network's subnets are required", name)
		}
		created, err := api.CreateCluster(ctx, &eks.CreateClusterInput{
			Name: aws.String(name), Version: aws.String(spec.KubernetesVersion), RoleArn: aws.String(roles.ClusterRoleARN),
			// Private subnets for the control plane's ENIs, public ones so
			// EKS can place internet-facing load balancers.
			ResourcesVpcConfig: &ekstypes.VpcConfigRequest{
				SubnetIds:             append(append([]string(nil), net.PrivateSubnetIDs...), net.PublicSubnetIDs...),
				EndpointPrivateAccess: aws.Bool(true), EndpointPublicAccess: aws.Bool(true),
			},
			// Access entries (API) for the platform, the aws-auth
			// ConfigMap still honoured; the creator (OrchesteraAccessRole)
			// is made cluster admin so the platform can install Karpenter.
			AccessConfig: &ekstypes.CreateAccessConfigRequest{
				AuthenticationMode:                      ekstypes.AuthenticationModeApiAndConfigMap,
				BootstrapClusterCreatorAdminPermissions: aws.Bool(true),
			},
			Tags: spec.Tags(),
		})
		if awssdk.ErrorCode(err) == "ResourceInUseException" { // created by a concurrent run
			return ClusterOutputs{}, domain.NotReady(defaultNotReady, "EKS cluster %s is being created", name)
		}
		if err != nil {
			return ClusterOutputs{}, fmt.Errorf("creating EKS cluster %s: %w", name, err)
		}
		c = created.Cluster
	case err != nil:
		return ClusterOutputs{}, fmt.Errorf("describing EKS cluster %s: %w", name, err)
	default:
		c = out.Cluster
		if err := spec.checkOwned("EKS cluster", name, c.Tags); err != nil {
			return ClusterOutputs{}, err
		}
	}
	return clusterOutputs(c)
}

func clusterOutputs(c *ekstypes.Cluster) (ClusterOutputs, error) {
	name := aws.ToString(c.Name)
	switch c.Status {
	case ekstypes.ClusterStatusActive, ekstypes.ClusterStatusUpdating: // the endpoint serves while updating
	case ekstypes.ClusterStatusFailed:
		var issues []string
		if c.Health != nil {
			for _, i := range c.Health.Issues {
				issues = append(issues, fmt.Sprintf("%s: %s", i.Code, aws.ToString(i.Message)))
			}
		}
		if len(issues) == 0 {
			issues = []string{"EKS reported no health issue"}
		}
		return ClusterOutputs{}, fmt.Errorf("EKS cluster %s is FAILED: %s; destroy the stack and create it again", name, strings.Join(issues, "; "))
	case ekstypes.ClusterStatusDeleting:
		return ClusterOutputs{}, domain.NotReady(defaultNotReady, "EKS cluster %s is being deleted", name)
	default: // CREATING, PENDING
		return ClusterOutputs{}, domain.NotReady(defaultNotReady, "EKS cluster %s is %s", name, c.Status)
	}
	o := ClusterOutputs{Name: name, ARN: aws.ToString(c.Arn), Version: aws.ToString(c.Version), Endpoint: aws.ToString(c.Endpoint)}
	if c.CertificateAuthority != nil {
		o.CertificateAuthority = aws.ToString(c.CertificateAuthority.Data)
	}
	if c.Identity != nil && c.Identity.Oidc != nil {
		o.OIDCIssuer = aws.ToString(c.Identity.Oidc.Issuer)
	}
	if o.Endpoint == "" || o.OIDCIssuer == "" || o.CertificateAuthority == "" {
		return ClusterOutputs{}, domain.NotReady(defaultNotReady, "EKS cluster %s is %s but has no endpoint, CA or OIDC issuer yet", name, c.Status)
	}
	return o, nil
}

// DestroyCluster deletes the EKS cluster. It answers NotReadyError while
// the cluster is being deleted or still has node groups, and nil once it is
// gone (or was never ours).
func DestroyCluster(ctx context.Context, api awssdk.EKS, spec StackSpec) error {
	if err := spec.validateNames(); err != nil {
		return err
	}
	name := spec.ClusterName()
	out, err := api.DescribeCluster(ctx, &eks.DescribeClusterInput{Name: aws.String(name)})
	if awssdk.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("describing EKS cluster %s: %w", name, err)
	}
	if !spec.owns(out.Cluster.Tags) {
		return nil
	}
	if out.Cluster.Status != ekstypes.ClusterStatusDeleting {
		_, err := api.DeleteCluster(ctx, &eks.DeleteClusterInput{Name: aws.String(name)})
		switch {
		case awssdk.IsNotFound(err):
			return nil
		case awssdk.ErrorCode(err) == "ResourceInUseException": // node groups or an update in flight
			return domain.NotReady(defaultNotReady, "EKS cluster %s cannot be deleted yet: %s", name, awssdk.Message(err))
		case err != nil:
			return fmt.Errorf("deleting EKS cluster %s: %w", name, err)
		}
	}
	// Even when DeleteCluster answered at once, confirm the deletion on the
	// next run rather than trusting its (stale) status.
	return domain.NotReady(defaultNotReady, "EKS cluster %s is being deleted", name)
}
