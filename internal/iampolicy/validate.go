package iampolicy

import (
	"fmt"
	"regexp"
)

var actionName = regexp.MustCompile(`^(\*|[a-z0-9-]+:[A-Za-z0-9*?]+)$`)

// maxInlineBytes is IAM's limit on a role's inline policies, all together,
// without whitespace.
const maxInlineBytes = 10240

// ValidateIdentityPolicy checks what IAM would refuse in a policy attached
// to a role, so the refusal names the policy instead of failing a sync
// half-way: the version, a statement, an effect, actions and resources, no
// principal.
func ValidateIdentityPolicy(d Document) error {
	switch {
	case d.Version != Version:
		return fmt.Errorf(`Version must be %q`, Version)
	case len(d.Statement) == 0:
		return fmt.Errorf("it has no Statement")
	case len(d.JSON()) > maxInlineBytes:
		return fmt.Errorf("it is %d bytes; a role's inline policies may have %d in all", len(d.JSON()), maxInlineBytes)
	}
	for i, s := range d.Statement {
		where := fmt.Sprintf("statement %d", i+1)
		if s.Sid != "" {
			where = "statement " + s.Sid
		}
		switch {
		case s.Effect != "Allow" && s.Effect != "Deny":
			return fmt.Errorf(`%s: Effect must be "Allow" or "Deny"`, where)
		case s.Principal != nil || s.NotPrincipal != nil:
			return fmt.Errorf("%s: a role's own policy has no Principal", where)
		case len(s.Action) == 0 && len(s.NotAction) == 0:
			return fmt.Errorf("%s: it has no Action", where)
		case len(s.Resource) == 0:
			return fmt.Errorf("%s: it has no Resource", where)
		}
		for _, a := range append(append([]string(nil), s.Action...), s.NotAction...) {
			if !actionName.MatchString(a) {
				return fmt.Errorf("%s: %q is not an action such as s3:GetObject", where, a)
			}
		}
	}
	return nil
}
