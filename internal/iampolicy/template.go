package iampolicy

import (
	"encoding/json"
	"fmt"
	"net/url"

	"github.com/orchestera/orchestera/internal/cfn"
)

// CloudFormation names of the onboarding template. The cfn stack is
// CloudFormation's, not one of our Spark stacks.
const (
	CFNStackName         = "orchestera-access"
	CFNParamExternalID   = "ExternalId"
	CFNParamPlatformAcct = "PlatformAccountId"
	CFNOutputRoleArn     = "RoleArn"
	// ExternalIDMinLength is the template's floor for the ExternalId
	// parameter; the CLI checks it before handing out a quick-create link.
	ExternalIDMinLength   = 16
	externalIDMaxLength   = 1224 // sts:AssumeRole's limit
	accountIDPattern      = `^\d{12}$`
	cfnTemplateFormatDate = "2010-09-09"
)

type cfnManagedPolicy struct {
	ManagedPolicyName string
	Description       string
	PolicyDocument    Document
}

type cfnRole struct {
	RoleName                 string
	Description              string
	AssumeRolePolicyDocument cfnTrustPolicy
	ManagedPolicyArns        []any
}

// cfnTrustPolicy mirrors TrustPolicy with intrinsic functions where the
// account and external ID go; a test substitutes them and compares.
type cfnTrustPolicy struct {
	Version   string
	Statement []cfnTrustStatement
}

type cfnTrustStatement struct {
	Effect    string
	Principal map[string]any
	Action    string
	Condition map[string]map[string]any
}

// CloudFormationTemplate creates OrchesteraAccessPolicy (exactly
// AccessPolicy) and OrchesteraAccessRole trusting the platform account with
// the organization's external ID, both passed as parameters. The names are
// fixed by the guide, so creating the cfn stack needs CAPABILITY_NAMED_IAM.
func CloudFormationTemplate() []byte {
	t := cfn.Template{
		AWSTemplateFormatVersion: cfnTemplateFormatDate,
		Description:              "Lets the Orchestera platform run Spark on EKS in this account (" + AccessPolicyName + ", " + LifecyclePolicyName + ", " + AccessRoleName + ")",
		Parameters: map[string]cfn.Parameter{
			CFNParamExternalID: {Type: "String", Description: "Your organization's external ID, shown by Orchestera",
				MinLength: ExternalIDMinLength, MaxLength: externalIDMaxLength},
			CFNParamPlatformAcct: {Type: "String", Description: "The Orchestera platform's AWS account ID",
				AllowedPattern: accountIDPattern, ConstraintDescription: "must be a 12-digit AWS account ID"},
		},
		Resources: map[string]cfn.Resource{
			AccessPolicyName: {Type: "AWS::IAM::ManagedPolicy", Properties: cfnManagedPolicy{
				ManagedPolicyName: AccessPolicyName,
				Description:       "What the Orchestera platform may do in this account",
				PolicyDocument:    AccessPolicy(),
			}},
			LifecyclePolicyName: {Type: "AWS::IAM::ManagedPolicy", Properties: cfnManagedPolicy{
				ManagedPolicyName: LifecyclePolicyName,
				Description:       "What the Orchestera platform needs beyond " + AccessPolicyName + " to destroy and repair stacks",
				PolicyDocument:    LifecyclePolicy(),
			}},
			AccessRoleName: {Type: "AWS::IAM::Role", Properties: cfnRole{
				RoleName:    AccessRoleName,
				Description: "Assumed by the Orchestera platform with your external ID",
				AssumeRolePolicyDocument: cfnTrustPolicy{Version: Version, Statement: []cfnTrustStatement{{
					Effect:    "Allow",
					Principal: map[string]any{"AWS": cfn.Sub(fmt.Sprintf("arn:aws:iam::${%s}:root", CFNParamPlatformAcct))},
					Action:    "sts:AssumeRole",
					Condition: map[string]map[string]any{"StringEquals": {"sts:ExternalId": cfn.Ref(CFNParamExternalID)}},
				}}},
				ManagedPolicyArns: []any{cfn.Ref(AccessPolicyName), cfn.Ref(LifecyclePolicyName)}, // Ref of a managed policy is its ARN
			}},
		},
		Outputs: map[string]cfn.Output{
			CFNOutputRoleArn: {Description: "Give this ARN to Orchestera", Value: cfn.GetAtt(AccessRoleName, "Arn")},
		},
	}
	b, err := json.MarshalIndent(t, "", "  ")
	if err != nil {
		panic(err) // only fixed types above: a failure is a bug here
	}
	return append(b, '\n')
}

// QuickCreateURL is the console's quick-create form for the template, which
// must be hosted on S3 (or HTTPS) for the console to fetch it:
// https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cfn-console-create-stacks-quick-create-links.html
func QuickCreateURL(templateURL, region, externalID, platformAccountID string) string {
	return fmt.Sprintf("https://%s.console.aws.amazon.com/cloudformation/home?region=%s#/stacks/quickcreate?templateURL=%s&stackName=%s&param_%s=%s&param_%s=%s",
		region, url.QueryEscape(region), url.QueryEscape(templateURL), CFNStackName,
		CFNParamExternalID, url.QueryEscape(externalID), CFNParamPlatformAcct, url.QueryEscape(platformAccountID))
}
