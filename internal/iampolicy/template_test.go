package iampolicy

import (
	"bytes"
	"encoding/json"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

func TestCloudFormationTemplate(t *testing.T) {
	var tpl struct {
		Parameters map[string]map[string]any
		Resources  map[string]struct {
			Type       string
			Properties map[string]json.RawMessage
		}
		Outputs map[string]any
	}
	if err := json.Unmarshal(CloudFormationTemplate(), &tpl); err != nil {
		t.Fatalf("template is not JSON: %v", err)
	}
	t.Run("parameters", func(t *testing.T) {
		ext, acct := tpl.Parameters[CFNParamExternalID], tpl.Parameters[CFNParamPlatformAcct]
		if ext["Type"] != "String" || ext["MinLength"] != float64(16) {
			t.Errorf("ExternalId = %v", ext)
		}
		if acct["Type"] != "String" || acct["AllowedPattern"] != `^\d{12}$` {
			t.Errorf("PlatformAccountId = %v", acct)
		}
	})
	t.Run("policy is AccessPolicy", func(t *testing.T) {
		p := tpl.Resources[AccessPolicyName]
		doc, err := Parse(p.Properties["PolicyDocument"])
		if p.Type != "AWS::IAM::ManagedPolicy" || err != nil || !reflect.DeepEqual(doc, AccessPolicy()) {
			t.Errorf("%s = %s %v", p.Type, p.Properties["PolicyDocument"], err)
		}
	})
	t.Run("the second policy is LifecyclePolicy", func(t *testing.T) {
		p := tpl.Resources[LifecyclePolicyName]
		doc, err := Parse(p.Properties["PolicyDocument"])
		if p.Type != "AWS::IAM::ManagedPolicy" || err != nil || !reflect.DeepEqual(doc, LifecyclePolicy()) {
			t.Errorf("%s = %s %v", p.Type, p.Properties["PolicyDocument"], err)
		}
	})
	t.Run("role trusts the platform with the external id", func(t *testing.T) {
		r := tpl.Resources[AccessRoleName]
		var arns []map[string]string
		json.Unmarshal(r.Properties["ManagedPolicyArns"], &arns)
		if r.Type != "AWS::IAM::Role" || len(arns) != 2 || arns[0]["Ref"] != AccessPolicyName || arns[1]["Ref"] != LifecyclePolicyName {
			t.Errorf("%s, ManagedPolicyArns %s", r.Type, r.Properties["ManagedPolicyArns"])
		}
		// What CloudFormation resolves the intrinsics to.
		var compact bytes.Buffer
		if err := json.Compact(&compact, r.Properties["AssumeRolePolicyDocument"]); err != nil {
			t.Fatal(err)
		}
		resolved := strings.NewReplacer(
			`{"Fn::Sub":"arn:aws:iam::${PlatformAccountId}:root"}`, `"arn:aws:iam::111122223333:root"`,
			`{"Ref":"ExternalId"}`, `"`+extID+`"`,
		).Replace(compact.String())
		doc, err := Parse([]byte(resolved))
		if err != nil || !reflect.DeepEqual(doc, TrustPolicy("111122223333", extID)) {
			t.Errorf("trust policy resolves to %s (%v)", resolved, err)
		}
		if ps := LintTrust(doc, "111122223333", extID); ps != nil {
			t.Errorf("problems: %+v", ps)
		}
	})
	if _, ok := tpl.Outputs[CFNOutputRoleArn]; !ok {
		t.Error("no RoleArn output")
	}
}

func TestQuickCreateURL(t *testing.T) {
	got := QuickCreateURL("https://b.s3.amazonaws.com/o/access.json?v=1", "us-east-1", "org_a&b", platform)
	want := "https://us-east-1.console.aws.amazon.com/cloudformation/home?region=us-east-1#/stacks/quickcreate" +
		"?templateURL=https%3A%2F%2Fb.s3.amazonaws.com%2Fo%2Faccess.json%3Fv%3D1&stackName=orchestera-access" +
		"&param_ExternalId=org_a%26b&param_PlatformAccountId=017059471480"
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	u, err := url.Parse(got)
	if err != nil {
		t.Fatal(err)
	}
	_, query, _ := strings.Cut(u.EscapedFragment(), "?")
	if q, _ := url.ParseQuery(query); q.Get("param_ExternalId") != "org_a&b" || q.Get("templateURL") != "https://b.s3.amazonaws.com/o/access.json?v=1" {
		t.Fatalf("fragment query = %v", q)
	}
}
