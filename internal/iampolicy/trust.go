package iampolicy

import (
	"fmt"
	"slices"
	"strings"
)

// Problem is one reason a trust policy is unsafe or will not let the
// platform in. Rule is a stable snake_case id for scripts and docs.
type Problem struct {
	Rule    string `json:"rule"`
	Message string `json:"message"`
	Fix     string `json:"fix"`
}

// Trust policy rules, in the order LintTrust reports them per statement.
const (
	RulePrincipalAny       = "principal_any"
	RuleOtherPrincipal     = "other_principal"
	RuleNoAssumeRole       = "no_assume_role"
	RulePlatformNotTrusted = "platform_not_trusted"
	RuleExternalIDMissing  = "external_id_missing"
	RuleExternalIDMismatch = "external_id_mismatch"
	RuleNotPrincipal       = "not_principal"
)

// assumeActions are the ways into a role. AssumeRoleWithSAML and
// AssumeRoleWithWebIdentity count too: a Federated principal allowed either
// of them can use OrchesteraAccessRole as surely as an account can.
var assumeActions = []string{"sts:assumerole", "sts:assumerolewithsaml", "sts:assumerolewithwebidentity"}

// LintTrust checks OrchesteraAccessRole's trust policy. It is clean when
// only the platform account is trusted (as "N" or "arn:aws:iam::N:root"),
// for sts:AssumeRole, and every statement trusting it requires the
// organization's external ID with StringEquals on sts:ExternalId. That
// condition is what stops the platform being tricked into using this role
// on another organization's behalf (the confused deputy):
// https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html
func LintTrust(doc Document, platformAccountID, externalID string) []Problem {
	var ps []Problem
	anyAssume, platformTrusted := false, false
	fixPrincipal := fmt.Sprintf(`make the Principal {"AWS": "arn:aws:iam::%s:root"}`, platformAccountID)
	for i, s := range doc.Statement {
		if s.Effect != "Allow" {
			continue
		}
		where := statementName(i, s)
		if s.NotPrincipal != nil && allowsAssume(s) {
			ps = append(ps, Problem{RuleNotPrincipal,
				fmt.Sprintf("%s uses NotPrincipal with Allow, which trusts every principal except the listed ones; only the Orchestera platform account %s may assume this role", where, platformAccountID),
				"replace NotPrincipal with a Principal: " + strings.TrimPrefix(fixPrincipal, "make the Principal ")})
		}
		if s.Principal != nil && (s.Principal.Any || slices.Contains(s.Principal.Map["AWS"], "*")) {
			ps = append(ps, Problem{RulePrincipalAny,
				fmt.Sprintf(`%s trusts every AWS principal ("*"); only the Orchestera platform account %s may assume this role`, where, platformAccountID),
				fixPrincipal})
		}
		if !allowsAssume(s) || s.Principal == nil {
			continue
		}
		anyAssume = true
		trustsPlatform := false
		for _, p := range principals(s.Principal) {
			switch {
			case p.kind == "AWS" && (p.id == platformAccountID || p.id == "arn:aws:iam::"+platformAccountID+":root"):
				trustsPlatform = true
			case p.kind == "AWS" && p.id == "*": // reported as principal_any
			default:
				ps = append(ps, Problem{RuleOtherPrincipal,
					fmt.Sprintf("%s trusts %s; only the Orchestera platform account %s may assume this role", where, p, platformAccountID),
					fmt.Sprintf("remove %s from the Principal; give it a role of its own if it needs one", p.id)})
			}
		}
		if trustsPlatform {
			platformTrusted = true
			ps = append(ps, lintExternalID(where, s, externalID)...)
		}
	}
	switch {
	case !anyAssume:
		ps = append(ps, Problem{RuleNoAssumeRole,
			"no Allow statement with a Principal grants sts:AssumeRole, so nobody can assume this role",
			fmt.Sprintf(`add a statement with "Effect": "Allow", "Action": "sts:AssumeRole" and %s`, strings.TrimPrefix(fixPrincipal, "make the "))})
	case !platformTrusted:
		ps = append(ps, Problem{RulePlatformNotTrusted,
			fmt.Sprintf("no statement trusts the Orchestera platform account %s, so the platform cannot assume this role", platformAccountID),
			fixPrincipal})
	}
	return ps
}

// lintExternalID checks one statement that trusts the platform. IAM ORs the
// values of a condition key, so a second value would let the platform in on
// another ID: every value must be ours.
func lintExternalID(where string, s Statement, want string) []Problem {
	var got, otherOps []string
	found := false
	for _, op := range sortedKeys(s.Condition) {
		for _, key := range sortedKeys(s.Condition[op]) {
			vals := s.Condition[op][key]
			if !strings.EqualFold(key, "sts:ExternalId") { // condition keys ignore case
				continue
			}
			if op == "StringEquals" {
				found = true
				got = append(got, vals...)
			} else {
				otherOps = append(otherOps, op)
			}
		}
	}
	fix := fmt.Sprintf(`set "Condition": {"StringEquals": {"sts:ExternalId": %q}} on %s`, want, where)
	if !found {
		msg := fmt.Sprintf("%s lets the platform assume this role without your external ID", where)
		if len(otherOps) > 0 {
			msg += fmt.Sprintf(" (sts:ExternalId is checked with %s; only StringEquals is accepted)", strings.Join(otherOps, ", "))
		}
		return []Problem{{RuleExternalIDMissing, msg, fix}}
	}
	if slices.ContainsFunc(got, func(v string) bool { return v != want }) || len(got) == 0 {
		return []Problem{{RuleExternalIDMismatch,
			fmt.Sprintf("%s accepts external ID %s; it must accept only your organization's external ID %q", where, quoteAll(got), want), fix}}
	}
	return nil
}

func allowsAssume(s Statement) bool {
	acts := actionsOf(s)
	return slices.ContainsFunc(assumeActions, acts.allowCovers)
}

// trusted is one principal entry, such as AWS arn:aws:iam::1:root.
type trusted struct{ kind, id string }

func (p trusted) String() string {
	switch p.kind {
	case "AWS":
		return p.id
	case "Service":
		return "the service " + p.id
	case "Federated":
		return "the identity provider " + p.id
	}
	return p.kind + " " + p.id
}

func principals(p *Principal) []trusted {
	var out []trusted
	for _, kind := range sortedKeys(p.Map) {
		for _, id := range p.Map[kind] {
			out = append(out, trusted{kind, id})
		}
	}
	return out
}

func statementName(i int, s Statement) string {
	if s.Sid != "" {
		return fmt.Sprintf("statement %d (Sid %q)", i+1, s.Sid)
	}
	return fmt.Sprintf("statement %d", i+1)
}

func quoteAll(vs []string) string {
	q := make([]string, len(vs))
	for i, v := range vs {
		q[i] = fmt.Sprintf("%q", v)
	}
	if len(q) == 0 {
		return "an empty list"
	}
	return strings.Join(q, " or ")
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}
