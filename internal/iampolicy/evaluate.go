package iampolicy

import (
	"slices"
	"strings"
)

// Missing returns the required actions that the union of docs does not
// grant, once each, sorted by their lowercase form and spelled as in
// required. It answers "will OrchesteraAccessRole be able to do its job with
// these policies attached?", close to IAM's evaluation for what matters here:
//
//   - Action names compare case-insensitively; policy actions may use '*'
//     and '?'. Action, NotAction and Resource may be a string or a list, and
//     Statement one object or a list.
//   - An Allow grants only with Resource "*" (alone or in a list) and no
//     Condition: we need every action on every resource, unconditionally.
//     Allow+Action grants what its patterns match; Allow+NotAction grants
//     everything its patterns do not match. A statement with both (which IAM
//     rejects) grants nothing.
//   - A Deny counts whatever its Resource and Condition, since we cannot
//     tell when they bite: Deny+Action denies what its patterns match,
//     Deny+NotAction everything they do not.
//   - A required wildcard such as "ec2:*" is granted only by one grant that
//     covers the whole service ("ec2:*", "e?2:*", "*", or an Allow+NotAction
//     none of whose patterns could match an ec2 action), and not at all if
//     any Deny could match some ec2 action.
//
// Where the exact answer needs pattern algebra (several Allow patterns that
// together cover a service, or a Deny+NotAction whose patterns together
// exclude one) Missing errs toward "missing": it may ask for a grant the
// customer has, never pass a policy that would fail at run time.
func Missing(required []string, docs ...Document) []string {
	var allows, denies []actions
	for _, d := range docs {
		for _, s := range d.Statement {
			switch s.Effect { // IAM accepts only these two spellings
			case "Allow":
				if onEveryResource(s) && len(s.Condition) == 0 {
					allows = append(allows, actionsOf(s))
				}
			case "Deny":
				denies = append(denies, actionsOf(s))
			}
		}
	}
	seen := map[string]bool{}
	var out []string
	for _, r := range required {
		lr := strings.ToLower(r)
		if seen[lr] {
			continue
		}
		seen[lr] = true
		if !slices.ContainsFunc(allows, func(a actions) bool { return a.allowCovers(lr) }) ||
			slices.ContainsFunc(denies, func(a actions) bool { return a.denyTouches(lr) }) {
			out = append(out, r)
		}
	}
	slices.SortStableFunc(out, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) })
	return out
}

// actions is a statement's Action and NotAction, lowercased once.
type actions struct{ action, notAction []string }

func actionsOf(s Statement) actions {
	lower := func(l StringList) []string {
		out := make([]string, len(l))
		for i, a := range l {
			out[i] = strings.ToLower(a)
		}
		return out
	}
	return actions{lower(s.Action), lower(s.NotAction)}
}

// allowCovers reports whether an Allow grants all of the lowercased
// required entry r.
func (a actions) allowCovers(r string) bool {
	switch {
	case len(a.action) > 0 && len(a.notAction) > 0:
		return false
	case len(a.action) > 0:
		return slices.ContainsFunc(a.action, func(p string) bool { return covers(p, r) })
	case len(a.notAction) > 0:
		return !slices.ContainsFunc(a.notAction, func(p string) bool { return overlap(p, r) })
	}
	return false
}

// denyTouches reports whether a Deny could deny some of r.
func (a actions) denyTouches(r string) bool {
	if slices.ContainsFunc(a.action, func(p string) bool { return overlap(p, r) }) {
		return true
	}
	return len(a.notAction) > 0 && !slices.ContainsFunc(a.notAction, func(p string) bool { return covers(p, r) })
}

func onEveryResource(s Statement) bool { return slices.Contains(s.Resource, "*") }
