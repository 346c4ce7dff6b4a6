package iampolicy

import "strings"

// IAM action patterns are globs: '*' matches any run of characters, '?'
// exactly one, and the comparison ignores case. These helpers take
// lowercased patterns and work on bytes: IAM action names are ASCII, and a
// pattern with other bytes names no real action whatever we decide.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html

// match reports whether pattern p matches the literal action s.
func match(p, s string) bool {
	// Greedy with one backtrack point: the last '*' seen absorbs one more
	// byte whenever the rest fails. O(len(p)·len(s)) at worst.
	i, j, star, mark := 0, 0, -1, 0
	for j < len(s) {
		switch {
		case i < len(p) && p[i] == '*':
			star, mark = i, j
			i++
		case i < len(p) && (p[i] == '?' || p[i] == s[j]):
			i++
			j++
		case star >= 0:
			mark++
			i, j = star+1, mark
		default:
			return false
		}
	}
	for i < len(p) && p[i] == '*' {
		i++
	}
	return i == len(p)
}

// overlap reports whether some string matches both patterns: "could a Deny
// on p touch anything the required entry q names?"
func overlap(p, q string) bool {
	switch {
	case !isPattern(q):
		return match(p, q)
	case !isPattern(p):
		return match(q, p)
	}
	// reach[j] says whether p[:i] and q[:j] can produce the same string,
	// row by row over i. Stars produce anything, so one star may swallow
	// what the other side's next element produces.
	n, m := len(p), len(q)
	prev, cur := make([]bool, m+1), make([]bool, m+1)
	for i := 0; i <= n; i++ {
		for j := 0; j <= m; j++ {
			r := i == 0 && j == 0
			if i > 0 && prev[j] && (p[i-1] == '*' || j < m && q[j] == '*') {
				r = true
			}
			if j > 0 && cur[j-1] && (q[j-1] == '*' || i < n && p[i] == '*') {
				r = true
			}
			if i > 0 && j > 0 && prev[j-1] && p[i-1] != '*' && q[j-1] != '*' &&
				(p[i-1] == '?' || q[j-1] == '?' || p[i-1] == q[j-1]) {
				r = true
			}
			cur[j] = r
		}
		prev, cur = cur, prev
	}
	return prev[m]
}

// covers reports whether pattern p matches every action the required entry
// r names. For a literal r that is match. For a pattern r it is decided
// soundly but not completely: p must end in '*' and match r's literal head
// (the star absorbing the rest), so "ec2:*", "e?2:*", "*" and "ec2*" cover
// "ec2:*" and "ec2:Describe*" does not. A false "no" only makes the checker
// ask for a grant the customer may already have, never the reverse.
func covers(p, r string) bool {
	i := strings.IndexAny(r, "*?")
	if i < 0 {
		return match(p, r)
	}
	return strings.HasSuffix(p, "*") && match(p, r[:i])
}

func isPattern(s string) bool { return strings.ContainsAny(s, "*?") }
