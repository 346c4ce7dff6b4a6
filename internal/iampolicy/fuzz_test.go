package iampolicy

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

var policySeeds = []string{
	string(AccessPolicy().JSON()),
	string(TrustPolicy(GuidePlatformAccountID, "org_0123456789abcdef").JSON()),
	string(ManagementPolicy("111122223333").JSON()),
	`{"Statement": {"Effect": "Allow", "Action": "iam:Get*", "Resource": "*"}}`,
	`{"Statement": [{"Effect": "Allow", "NotAction": ["ec2:Terminate*", "IAM:*"], "Resource": ["*"]}]}`,
	`{"Statement": [{"Effect": "Deny", "NotAction": "ec2:*", "Resource": "arn:x", "Condition": {"Bool": {"k": "v"}}}]}`,
	`{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sts:*", "Condition": {"StringLike": {"sts:externalid": ["a", "b"]}}}]}`,
	`{"Statement": [{"Effect": "Allow", "Principal": {"Federated": "x", "AWS": ["1", "*"]}, "Action": "*?*?*", "Resource": "*"}]}`,
	`{"Statement": []}`, `{"Statement": {}}`, `{"Statement": [{"Action": 1}]}`, `[]`, `null`,
}

func FuzzParseAndMissing(f *testing.F) {
	for _, s := range policySeeds {
		f.Add([]byte(s))
	}
	required := RequiredActions()
	f.Fuzz(func(t *testing.T, data []byte) {
		if got := Missing(required, AccessPolicy()); got != nil {
			t.Fatalf("AccessPolicy misses %q", got)
		}
		doc, err := Parse(data)
		if err != nil {
			return
		}
		missing := Missing(required, doc)
		if !slices.IsSortedFunc(missing, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) }) ||
			slices.ContainsFunc(missing, func(a string) bool { return !slices.Contains(required, a) }) {
			t.Fatalf("Missing = %q: unsorted or not from required", missing)
		}
		var listed []string // the document's own actions, as required entries
		hasDeny := false
		for _, s := range doc.Statement {
			listed = append(append(listed, s.Action...), s.NotAction...)
			hasDeny = hasDeny || s.Effect == "Deny"
		}
		Missing(listed, doc)
		if hasDeny {
			return
		}
		// Without a Deny, adding grants never takes one away.
		if got := Missing(required, doc, AccessPolicy()); got != nil {
			t.Fatalf("with AccessPolicy added, still missing %q", got)
		}
		if got := Missing(required, doc, AddStatement(missing)); got != nil {
			t.Fatalf("with AddStatement added, still missing %q", got)
		}
		for _, s := range doc.Statement {
			if s.Effect == "Allow" && onEveryResource(s) && len(s.Condition) == 0 && len(s.NotAction) == 0 {
				// Only literal ones: covers is sound, not complete, on patterns.
				literal := slices.DeleteFunc(slices.Clone(s.Action), func(a string) bool { return strings.ContainsAny(a, "*?") })
				if got := Missing(literal, doc); got != nil {
					t.Fatalf("an Allow's own actions %q are missing", got)
				}
			}
		}
	})
}

func FuzzLintTrust(f *testing.F) {
	for i, s := range policySeeds {
		f.Add([]byte(s), uint64(17059471480+i), "org_0123456789abcdef")
	}
	f.Add([]byte(`{}`), uint64(0), "x")
	f.Add([]byte(`{}`), uint64(999999999999), `"\u2028<&>`)
	f.Fuzz(func(t *testing.T, data []byte, account uint64, externalID string) {
		n := fmt.Sprintf("%012d", account%1_000_000_000_000)
		if doc, err := Parse(data); err == nil {
			LintTrust(doc, n, externalID)
		}
		if externalID == "" {
			return
		}
		if ps := LintTrust(TrustPolicy(n, externalID), n, externalID); ps != nil {
			t.Fatalf("TrustPolicy(%s, %q) has problems: %+v", n, externalID, ps)
		}
		if !utf8.ValidString(externalID) {
			return // JSON would replace the invalid bytes
		}
		doc, err := Parse(TrustPolicy(n, externalID).JSON())
		if err != nil {
			t.Fatal(err)
		}
		if ps := LintTrust(doc, n, externalID); ps != nil {
			t.Fatalf("TrustPolicy(%s, %q) after JSON has problems: %+v", n, externalID, ps)
		}
	})
}

// FuzzGlob checks the matcher against regexp, and overlap and covers
// against match, on the literal strings where all three must agree.
func FuzzGlob(f *testing.F) {
	for _, s := range [][2]string{{"iam:get*", "iam:getrole"}, {"e?2:*", "ec2:x"}, {"*a*b?", "xaybz"}, {"**", ""}, {"a*", "b"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, p, s string) {
		ascii := func(x string) bool { return !strings.ContainsFunc(x, func(r rune) bool { return r >= utf8.RuneSelf }) }
		if len(p) > 64 || len(s) > 64 || !ascii(p) || !ascii(s) || strings.ContainsAny(s, "*?") { // the matcher is byte-wise
			return
		}
		var re strings.Builder
		re.WriteString(`(?s)^`)
		for _, c := range p {
			switch c {
			case '*':
				re.WriteString(".*")
			case '?':
				re.WriteString(".")
			default:
				re.WriteString(regexp.QuoteMeta(string(c)))
			}
		}
		want := regexp.MustCompile(re.String() + "$").MatchString(s)
		if match(p, s) != want || overlap(p, s) != want || overlap(s, p) != want || covers(p, s) != want {
			t.Fatalf("match(%q, %q) = %v, overlap %v, covers %v; regexp says %v", p, s, match(p, s), overlap(p, s), covers(p, s), want)
		}
	})
}
