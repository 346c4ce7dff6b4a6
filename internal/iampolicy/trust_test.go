package iampolicy

import (
	"slices"
	"strings"
	"testing"
)

const (
	platform = "017059471480"
	extID    = "org_0123456789abcdef"
)

// trustStmt is one Allow statement with the given principal and extra JSON.
func trustStmt(principal, extra string) string {
	return `{"Effect": "Allow", "Principal": ` + principal + `, "Action": "sts:AssumeRole"` + extra + `}`
}

const withExtID = `, "Condition": {"StringEquals": {"sts:ExternalId": "org_0123456789abcdef"}}`

func TestLintTrust(t *testing.T) {
	root := `{"AWS": "arn:aws:iam::017059471480:root"}`
	tests := []struct {
		name     string
		policy   string
		want     []string // rules, in order
		contains string   // in some message
	}{
		{"built policy", string(TrustPolicy(platform, extID).JSON()), nil, ""},
		{"NotPrincipal trusts everyone else", `{"Statement": [` + trustStmt(root, withExtID) + `, {"Effect": "Allow", "NotPrincipal": {"AWS": "arn:aws:iam::999999999999:root"}, "Action": "sts:AssumeRole"}]}`,
			[]string{RuleNotPrincipal}, "NotPrincipal with Allow"},
		{"bare account id, single-object Statement", `{"Statement": ` + trustStmt(`{"AWS": "017059471480"}`, withExtID) + `}`, nil, ""},
		{"ARN list form", `{"Statement": [` + trustStmt(`{"AWS": ["arn:aws:iam::017059471480:root"]}`, withExtID) + `]}`, nil, ""},
		{"condition key ignores case", `{"Statement": [` + trustStmt(root, `, "Condition": {"StringEquals": {"STS:externalid": ["org_0123456789abcdef"]}}`) + `]}`, nil, ""},
		{"sts:* counts as AssumeRole", `{"Statement": [{"Effect": "Allow", "Principal": ` + root + `, "Action": "sts:*"` + withExtID + `}]}`, nil, ""},
		{"principal star", `{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"` + withExtID + `}]}`,
			[]string{RulePrincipalAny, RulePlatformNotTrusted}, `trusts every AWS principal ("*")`},
		{"AWS star beside the platform", `{"Statement": [` + trustStmt(`{"AWS": ["arn:aws:iam::017059471480:root", "*"]}`, withExtID) + `]}`,
			[]string{RulePrincipalAny}, "only the Orchestera platform account 017059471480"},
		{"principal star on another action", `{"Statement": [` + trustStmt(root, withExtID) + `, {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:TagSession"}]}`,
			[]string{RulePrincipalAny}, "statement 2"},
		{"another account", `{"Statement": [` + trustStmt(`{"AWS": ["arn:aws:iam::017059471480:root", "arn:aws:iam::111122223333:root"]}`, withExtID) + `]}`,
			[]string{RuleOtherPrincipal}, "statement 1 trusts arn:aws:iam::111122223333:root; only the Orchestera platform account 017059471480 may assume this role"},
		{"a role of the platform account", `{"Statement": [` + trustStmt(root, withExtID) + `, ` + trustStmt(`{"AWS": "arn:aws:iam::017059471480:role/x"}`, withExtID) + `]}`,
			[]string{RuleOtherPrincipal}, "arn:aws:iam::017059471480:role/x"},
		{"a service", `{"Statement": [` + trustStmt(`{"AWS": "017059471480", "Service": "ec2.amazonaws.com"}`, withExtID) + `]}`,
			[]string{RuleOtherPrincipal}, "the service ec2.amazonaws.com"},
		{"federated through web identity", `{"Statement": [` + trustStmt(root, withExtID) +
			`, {"Effect": "Allow", "Principal": {"Federated": "arn:aws:iam::1:oidc-provider/x"}, "Action": "sts:AssumeRoleWithWebIdentity"}]}`,
			[]string{RuleOtherPrincipal}, "the identity provider arn:aws:iam::1:oidc-provider/x"},
		{"another principal on a Deny is fine", `{"Statement": [` + trustStmt(root, withExtID) +
			`, {"Effect": "Deny", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "sts:AssumeRole"}]}`, nil, ""},
		{"platform not trusted", `{"Statement": [` + trustStmt(`{"AWS": "111122223333"}`, withExtID) + `]}`,
			[]string{RuleOtherPrincipal, RulePlatformNotTrusted}, "no statement trusts the Orchestera platform account 017059471480"},
		{"no assume role", `{"Statement": [{"Effect": "Allow", "Principal": ` + root + `, "Action": "sts:TagSession"}]}`, []string{RuleNoAssumeRole}, "nobody can assume"},
		{"assume role only denied", `{"Statement": {"Effect": "Deny", "Principal": ` + root + `, "Action": "sts:AssumeRole"}}`, []string{RuleNoAssumeRole}, ""},
		{"NotAction that keeps AssumeRole", `{"Statement": [{"Effect": "Allow", "Principal": ` + root + `, "NotAction": "sts:TagSession"` + withExtID + `}]}`, nil, ""},
		{"external id missing", `{"Statement": [` + trustStmt(root, "") + `]}`, []string{RuleExternalIDMissing}, "without your external ID"},
		{"external id with StringLike", `{"Statement": [` + trustStmt(root, `, "Condition": {"StringLike": {"sts:ExternalId": "org_*"}}`) + `]}`,
			[]string{RuleExternalIDMissing}, "checked with StringLike"},
		{"external id with StringEqualsIgnoreCase", `{"Statement": [` + trustStmt(root, `, "Condition": {"StringEqualsIgnoreCase": {"sts:ExternalId": "org_0123456789abcdef"}}`) + `]}`,
			[]string{RuleExternalIDMissing}, "only StringEquals"},
		{"second statement without external id", `{"Statement": [` + trustStmt(root, withExtID) + `, ` + trustStmt(`{"AWS": "017059471480"}`, "") + `]}`,
			[]string{RuleExternalIDMissing}, "statement 2"},
		{"external id mismatch", `{"Statement": [` + trustStmt(root, `, "Condition": {"StringEquals": {"sts:ExternalId": "org_someone_else_entirely"}}`) + `]}`,
			[]string{RuleExternalIDMismatch}, `accepts external ID "org_someone_else_entirely"; it must accept only your organization's external ID "org_0123456789abcdef"`},
		{"external id among others", `{"Statement": [` + trustStmt(root, `, "Condition": {"StringEquals": {"sts:ExternalId": ["org_0123456789abcdef", "x"]}}`) + `]}`,
			[]string{RuleExternalIDMismatch}, `"org_0123456789abcdef" or "x"`},
		{"Sid names the statement", `{"Statement": [{"Sid": "Trust", "Effect": "Allow", "Principal": ` + root + `, "Action": "sts:AssumeRole"}]}`,
			[]string{RuleExternalIDMissing}, `statement 1 (Sid "Trust")`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps := LintTrust(mustParse(t, tt.policy), platform, extID)
			var rules []string
			msgs := ""
			for _, p := range ps {
				rules = append(rules, p.Rule)
				msgs += p.Message + "\n"
				if p.Message == "" || p.Fix == "" {
					t.Errorf("%s lacks a message or a fix: %+v", p.Rule, p)
				}
			}
			if !slices.Equal(rules, tt.want) {
				t.Errorf("rules = %q, want %q\n%s", rules, tt.want, msgs)
			}
			if !strings.Contains(msgs, tt.contains) {
				t.Errorf("messages lack %q:\n%s", tt.contains, msgs)
			}
		})
	}
}

func TestTrustPolicyLintsClean(t *testing.T) {
	for _, n := range []string{platform, "111122223333", "000000000000"} {
		t.Run(n, func(t *testing.T) {
			if ps := LintTrust(TrustPolicy(n, extID), n, extID); ps != nil {
				t.Fatalf("problems: %+v", ps)
			}
			if ps := LintTrust(mustParse(t, string(TrustPolicy(n, extID).JSON())), n, extID); ps != nil {
				t.Fatalf("problems after a JSON round trip: %+v", ps)
			}
		})
	}
}
