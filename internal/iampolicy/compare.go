package iampolicy

import (
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strings"

	"github.com/orchestera/orchestera/internal/domain"
)

// Comparing policy documents as IAM evaluates them, and saying how two
// differ: what ensures use to tell a policy, trust policy or queue policy in
// the cloud from the one they would write.

// Decode reads a policy document as IAM returns it: URL-encoded
// (RFC 3986) in GetRole, GetPolicyVersion and friends.
func Decode(s string) (Document, error) {
	if !strings.HasPrefix(strings.TrimSpace(s), "{") {
		u, err := url.QueryUnescape(s)
		if err != nil {
			return Document{}, fmt.Errorf("URL-decoding a policy document: %w", err)
		}
		s = u
	}
	return Parse([]byte(s))
}

// Equal compares documents as IAM evaluates them: statement order,
// Sids, list order, duplicates, the case of action names and condition keys
// and a bare account id versus its :root ARN do not matter.
func Equal(a, b Document) bool {
	ca, cb := canonical(a), canonical(b)
	if len(ca) != len(cb) {
		return false
	}
	for i := range ca {
		if ca[i] != cb[i] {
			return false
		}
	}
	return true
}

type canonStatement struct {
	Effect       string
	Action       []string                       `json:",omitempty"`
	NotAction    []string                       `json:",omitempty"`
	Resource     []string                       `json:",omitempty"`
	PrincipalAny bool                           `json:",omitempty"`
	Principal    map[string][]string            `json:",omitempty"`
	Condition    map[string]map[string][]string `json:",omitempty"`
}

// canonical is the version followed by the sorted, distinct statements, each
// in a normal form.
func canonical(d Document) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range d.Statement {
		c := canonStatement{Effect: s.Effect, Action: set(s.Action, strings.ToLower),
			NotAction: set(s.NotAction, strings.ToLower), Resource: set(s.Resource, nil)}
		if s.Principal != nil {
			c.PrincipalAny = s.Principal.Any
			for k, v := range s.Principal.Map {
				if c.Principal == nil {
					c.Principal = map[string][]string{}
				}
				c.Principal[k] = set(v, principalARN)
			}
		}
		for op, kv := range s.Condition {
			if c.Condition == nil {
				c.Condition = map[string]map[string][]string{}
			}
			m := map[string][]string{}
			for k, v := range kv {
				m[strings.ToLower(k)] = set(v, nil)
			}
			c.Condition[op] = m
		}
		b, _ := json.Marshal(c)
		if !seen[string(b)] {
			seen[string(b)] = true
			out = append(out, string(b))
		}
	}
	sort.Strings(out)
	return append([]string{d.Version}, out...)
}

// principalARN writes an account id principal as IAM stores it.
func principalARN(p string) string {
	if domain.IsAccountID(p) {
		return "arn:aws:iam::" + p + ":root"
	}
	return p
}

// set is l mapped through f, without duplicates, sorted.
func set(l []string, f func(string) string) []string {
	if len(l) == 0 {
		return nil
	}
	m := map[string]bool{}
	for _, s := range l {
		if f != nil {
			s = f(s)
		}
		m[s] = true
	}
	out := make([]string, 0, len(m))
	for s := range m {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// DescribeChange says in a few words how want differs from old: the actions
// added and removed, and the resources, principals and external ids before
// and after.
func DescribeChange(old, want Document) string {
	var parts []string
	oa, wa := collect(old, statementActions), collect(want, statementActions)
	if add := minus(wa, oa); len(add) > 0 {
		parts = append(parts, "adds "+short(add))
	}
	if rm := minus(oa, wa); len(rm) > 0 {
		parts = append(parts, "removes "+short(rm))
	}
	for _, f := range []struct {
		what string
		get  func(Statement) []string
	}{
		{"resource", func(s Statement) []string { return s.Resource }},
		{"principal", principalsOf},
		{"external id", externalIDsOf},
	} {
		o, w := collect(old, f.get), collect(want, f.get)
		if strings.Join(o, ",") == strings.Join(w, ",") {
			continue
		}
		switch {
		case len(o) == 0:
			parts = append(parts, fmt.Sprintf("%s %s added", f.what, quoteList(w)))
		case len(w) == 0:
			parts = append(parts, fmt.Sprintf("%s %s removed", f.what, quoteList(o)))
		default:
			parts = append(parts, fmt.Sprintf("%s changed: %s -> %s", f.what, quoteList(o), quoteList(w)))
		}
	}
	if len(parts) == 0 {
		return "statements changed"
	}
	return strings.Join(parts, "; ")
}

func statementActions(s Statement) []string { return s.Action }

func principalsOf(s Statement) []string {
	if s.Principal == nil {
		return nil
	}
	if s.Principal.Any {
		return []string{"*"}
	}
	var out []string
	for k, v := range s.Principal.Map {
		for _, p := range v {
			if k == "AWS" {
				p = principalARN(p)
			} else {
				p = k + ":" + p
			}
			out = append(out, p)
		}
	}
	return out
}

func externalIDsOf(s Statement) []string {
	var out []string
	for _, kv := range s.Condition {
		for k, v := range kv {
			if strings.EqualFold(k, "sts:ExternalId") {
				out = append(out, v...)
			}
		}
	}
	return out
}

func collect(d Document, get func(Statement) []string) []string {
	var all []string
	for _, s := range d.Statement {
		all = append(all, get(s)...)
	}
	return set(all, nil)
}

// minus is a without b, comparing case-insensitively (for action names).
func minus(a, b []string) []string {
	in := map[string]bool{}
	for _, s := range b {
		in[strings.ToLower(s)] = true
	}
	var out []string
	for _, s := range a {
		if !in[strings.ToLower(s)] {
			out = append(out, s)
		}
	}
	return out
}

func short(l []string) string {
	const max = 4
	if len(l) <= max {
		return strings.Join(l, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(l[:max], ", "), len(l)-max)
}

func quoteList(l []string) string {
	q := make([]string, len(l))
	for i, s := range l {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}
