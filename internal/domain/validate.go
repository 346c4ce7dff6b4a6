package domain

import (
	"net/mail"
	"regexp"
	"strings"
)

var (
	orgNamePattern   = regexp.MustCompile(`^[a-z][a-z0-9-]{1,38}[a-z0-9]$`)
	tokenNamePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9 ._-]{0,62}$`)
)

// ValidateOrgName: 3-40 characters, lowercase letters, digits and hyphens,
// starting with a letter and not ending with a hyphen (a DNS label, since
// names end up in Kubernetes and AWS resource names).
func ValidateOrgName(name string) error {
	if !orgNamePattern.MatchString(name) {
		return Invalid("name", "dns_label",
			"must be 3-40 lowercase letters, digits or hyphens, start with a letter and not end with a hyphen")
	}
	return nil
}

// NormalizeEmail validates an email address and returns it lowercased.
func NormalizeEmail(email string) (string, error) {
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || len(email) > 254 || !strings.Contains(email[strings.LastIndex(email, "@"):], ".") {
		return "", Invalid("email", "email", "must be a plain email address such as ada@example.com")
	}
	return strings.ToLower(email), nil
}

// ValidateRole accepts admin and member.
func ValidateRole(r Role) error {
	if r != RoleAdmin && r != RoleMember {
		return Invalid("role", "enum", `must be "admin" or "member"`)
	}
	return nil
}

// ValidateTokenName: 1-63 characters of letters, digits, spaces, dots,
// underscores and hyphens, starting with a letter or digit.
func ValidateTokenName(name string) error {
	if !tokenNamePattern.MatchString(name) {
		return Invalid("name", "token_name",
			"must be 1-63 letters, digits, spaces, '.', '_' or '-', starting with a letter or digit")
	}
	return nil
}

var accountIDPattern = regexp.MustCompile(`^[0-9]{12}$`)

// IsAccountID reports whether s is an AWS account id: 12 digits. Every
// account id the platform takes is checked here.
func IsAccountID(s string) bool { return accountIDPattern.MatchString(s) }
