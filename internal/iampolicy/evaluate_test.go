package iampolicy

import (
	"slices"
	"testing"
)

func mustParse(t testing.TB, s string) Document {
	t.Helper()
	d, err := Parse([]byte(s))
	if err != nil {
		t.Fatalf("Parse(%s): %v", s, err)
	}
	return d
}

// allow and deny are one-statement policies; extra is raw statement JSON
// such as `"Condition": {...}`.
func allow(action, resource, extra string) string {
	return `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", ` + action + `, "Resource": ` + resource + extra + `}]}`
}

func deny(action, extra string) string {
	return `{"Version": "2012-10-17", "Statement": {"Effect": "Deny", ` + action + `, "Resource": "*"` + extra + `}}`
}

func TestMissing(t *testing.T) {
	access := string(AccessPolicy().JSON())
	small := []string{"ec2:*", "eks:*", "iam:GetRole", "iam:PassRole", "sqs:*"}
	tests := []struct {
		name     string
		policies []string
		required []string
		want     []string
	}{
		{"access policy grants everything", []string{access}, RequiredActions(), nil},
		{"no policies grant nothing, sorted", nil, []string{"sqs:*", "iam:PassRole", "ec2:*"}, []string{"ec2:*", "iam:PassRole", "sqs:*"}},
		{"duplicates once, sorted ignoring case, required spelling", nil, []string{"sqs:*", "EKS:*", "ec2:*", "eks:*"}, []string{"ec2:*", "EKS:*", "sqs:*"}},
		{"single-object Statement and string Action",
			[]string{`{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "iam:GetRole", "Resource": "*"}}`},
			[]string{"iam:GetRole", "iam:PassRole"}, []string{"iam:PassRole"}},
		{"action names ignore case", []string{allow(`"Action": ["IAM:getrole", "Ec2:*"]`, `"*"`, "")}, small, []string{"eks:*", "iam:PassRole", "sqs:*"}},
		{"star inside an action", []string{allow(`"Action": "iam:Get*"`, `"*"`, "")},
			[]string{"iam:GetRole", "iam:GetPolicy", "iam:PassRole"}, []string{"iam:PassRole"}},
		{"question mark", []string{allow(`"Action": "ec2:Describe?pc*"`, `"*"`, "")},
			[]string{"ec2:DescribeVpcs", "ec2:DescribeSubnets", "ec2:*"}, []string{"ec2:*", "ec2:DescribeSubnets"}},
		{"star alone grants all", []string{allow(`"Action": "*"`, `"*"`, "")}, RequiredActions(), nil},
		{"service wildcard needs the whole service", []string{allow(`"Action": ["ec2:Describe*", "ec2:RunInstances"]`, `"*"`, "")}, []string{"ec2:*"}, []string{"ec2:*"}},
		{"service wildcard through ?", []string{allow(`"Action": ["e?2:*", "EKS*"]`, `"*"`, "")}, small, []string{"iam:GetRole", "iam:PassRole", "sqs:*"}},
		{"service wildcard needs a trailing star", []string{allow(`"Action": "ec2:*s"`, `"*"`, "")}, []string{"ec2:*", "ec2:DescribeVpcs"}, []string{"ec2:*"}},
		{"resource not star", []string{allow(`"Action": "*"`, `"arn:aws:iam::123456789012:role/*"`, "")}, small, small},
		{"resource list containing star", []string{allow(`"Action": "*"`, `["arn:aws:s3:::b", "*"]`, "")}, small, nil},
		{"condition on the allow", []string{allow(`"Action": "*"`, `"*"`, `, "Condition": {"Bool": {"aws:SecureTransport": "true"}}`)}, small, small},
		{"allow lowercase effect is no allow", []string{`{"Statement": {"Effect": "allow", "Action": "*", "Resource": "*"}}`}, small, small},
		{"allow with Action and NotAction grants nothing", []string{allow(`"Action": "*", "NotAction": "s3:*"`, `"*"`, "")}, small, small},
		{"allow NotAction grants the rest", []string{allow(`"NotAction": "iam:*"`, `"*"`, "")}, small, []string{"iam:GetRole", "iam:PassRole"}},
		{"allow NotAction touching a service withholds its wildcard", []string{allow(`"NotAction": ["ec2:TerminateInstances", "IAM:passrole"]`, `"*"`, "")},
			append(small, "ec2:DescribeVpcs"), []string{"ec2:*", "iam:PassRole"}},
		{"allow NotAction pattern could match a service", []string{allow(`"NotAction": "*:Delete*"`, `"*"`, "")}, small, []string{"ec2:*", "eks:*", "sqs:*"}},
		{"deny one ec2 action withholds ec2:*", []string{access, deny(`"Action": "ec2:TerminateInstances"`, "")}, small, []string{"ec2:*"}},
		{"deny counts with any resource and condition",
			[]string{access, `{"Statement": [{"Effect": "Deny", "Action": "iam:passrole", "Resource": "arn:aws:iam::1:role/x", "Condition": {"Bool": {"aws:ViaAWSService": "false"}}}]}`},
			small, []string{"iam:PassRole"}},
		{"deny with wildcard", []string{access, deny(`"Action": "iam:Tag*"`, "")}, RequiredActions(),
			[]string{"iam:TagInstanceProfile", "iam:TagOpenIDConnectProvider", "iam:TagPolicy", "iam:TagRole"}},
		{"deny across services", []string{access, deny(`"Action": "*:Get*"`, "")}, small, []string{"ec2:*", "eks:*", "iam:GetRole", "sqs:*"}},
		{"deny of another service", []string{access, deny(`"Action": ["s3:*", "organizations:*"]`, "")}, RequiredActions(), nil},
		{"deny star", []string{access, deny(`"Action": "*"`, "")}, small, small},
		{"deny NotAction denies the rest", []string{access, deny(`"NotAction": ["ec2:*", "IAM:Get*"]`, "")}, small, []string{"eks:*", "iam:PassRole", "sqs:*"}},
		{"deny NotAction not excluding the whole service", []string{access, deny(`"NotAction": ["ec2:Describe*", "eks:*", "sqs:*", "iam:*"]`, "")},
			append(small, "ec2:DescribeVpcs"), []string{"ec2:*"}},
		{"union of documents", []string{allow(`"Action": "ec2:*"`, `"*"`, ""), allow(`"Action": ["iam:GetRole", "iam:PassRole"]`, `"*"`, "")},
			small, []string{"eks:*", "sqs:*"}},
		{"deny in another document", []string{allow(`"Action": "*"`, `"*"`, ""), deny(`"Action": "sqs:Delete*"`, "")}, small, []string{"sqs:*"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var docs []Document
			for _, p := range tt.policies {
				docs = append(docs, mustParse(t, p))
			}
			if got := Missing(tt.required, docs...); !slices.Equal(got, tt.want) {
				t.Errorf("Missing = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestAddStatementClosesTheGap(t *testing.T) {
	have := mustParse(t, allow(`"Action": ["ec2:*", "iam:Get*"]`, `"*"`, ""))
	missing := Missing(RequiredActions(), have)
	if len(missing) == 0 {
		t.Fatal("expected missing actions")
	}
	add := mustParse(t, string(AddStatement(missing).JSON())) // what a customer pastes
	if got := Missing(RequiredActions(), have, add); got != nil {
		t.Fatalf("still missing %q", got)
	}
}

func TestGlob(t *testing.T) {
	tests := []struct {
		p, r                 string
		match, over, covered bool // match only where r is literal
	}{
		{"iam:get*", "iam:getrole", true, true, true},
		{"iam:get?ole", "iam:getrole", true, true, true},
		{"iam:get?", "iam:getrole", false, false, false},
		{"*", "ec2:*", false, true, true},
		{"e?2:*", "ec2:*", false, true, true},
		{"ec2*", "ec2:*", false, true, true},
		{"ec2:describe*", "ec2:*", false, true, false},
		{"*:get*", "ec2:*", false, true, false},
		{"eks:*", "ec2:*", false, false, false},
		{"ec2:**", "ec2:*", false, true, true},
		{"ec2:*?", "ec2:d*", false, true, false}, // sound, not complete
	}
	for _, tt := range tests {
		t.Run(tt.p+" "+tt.r, func(t *testing.T) {
			if !isPattern(tt.r) && match(tt.p, tt.r) != tt.match {
				t.Errorf("match = %v", !tt.match)
			}
			if overlap(tt.p, tt.r) != tt.over || overlap(tt.r, tt.p) != tt.over {
				t.Errorf("overlap = %v", !tt.over)
			}
			if covers(tt.p, tt.r) != tt.covered {
				t.Errorf("covers = %v", !tt.covered)
			}
		})
	}
}
