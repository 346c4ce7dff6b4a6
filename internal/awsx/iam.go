package awsx

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/orchestera/orchestera/internal/iampolicy"
)

// IAMAPI is exactly the IAM calls the bootstrap commands make; *iam.Client
// satisfies it, and tests may use a fake.
type IAMAPI interface {
	GetPolicy(context.Context, *iam.GetPolicyInput, ...func(*iam.Options)) (*iam.GetPolicyOutput, error)
	ListPolicies(context.Context, *iam.ListPoliciesInput, ...func(*iam.Options)) (*iam.ListPoliciesOutput, error)
	CreatePolicy(context.Context, *iam.CreatePolicyInput, ...func(*iam.Options)) (*iam.CreatePolicyOutput, error)
	GetPolicyVersion(context.Context, *iam.GetPolicyVersionInput, ...func(*iam.Options)) (*iam.GetPolicyVersionOutput, error)
	ListPolicyVersions(context.Context, *iam.ListPolicyVersionsInput, ...func(*iam.Options)) (*iam.ListPolicyVersionsOutput, error)
	CreatePolicyVersion(context.Context, *iam.CreatePolicyVersionInput, ...func(*iam.Options)) (*iam.CreatePolicyVersionOutput, error)
	DeletePolicyVersion(context.Context, *iam.DeletePolicyVersionInput, ...func(*iam.Options)) (*iam.DeletePolicyVersionOutput, error)

	GetRole(context.Context, *iam.GetRoleInput, ...func(*iam.Options)) (*iam.GetRoleOutput, error)
	CreateRole(context.Context, *iam.CreateRoleInput, ...func(*iam.Options)) (*iam.CreateRoleOutput, error)
	UpdateAssumeRolePolicy(context.Context, *iam.UpdateAssumeRolePolicyInput, ...func(*iam.Options)) (*iam.UpdateAssumeRolePolicyOutput, error)
	ListAttachedRolePolicies(context.Context, *iam.ListAttachedRolePoliciesInput, ...func(*iam.Options)) (*iam.ListAttachedRolePoliciesOutput, error)
	AttachRolePolicy(context.Context, *iam.AttachRolePolicyInput, ...func(*iam.Options)) (*iam.AttachRolePolicyOutput, error)

	GetGroup(context.Context, *iam.GetGroupInput, ...func(*iam.Options)) (*iam.GetGroupOutput, error)
	CreateGroup(context.Context, *iam.CreateGroupInput, ...func(*iam.Options)) (*iam.CreateGroupOutput, error)
	ListAttachedGroupPolicies(context.Context, *iam.ListAttachedGroupPoliciesInput, ...func(*iam.Options)) (*iam.ListAttachedGroupPoliciesOutput, error)
	AttachGroupPolicy(context.Context, *iam.AttachGroupPolicyInput, ...func(*iam.Options)) (*iam.AttachGroupPolicyOutput, error)
	GetUser(context.Context, *iam.GetUserInput, ...func(*iam.Options)) (*iam.GetUserOutput, error)
	AddUserToGroup(context.Context, *iam.AddUserToGroupInput, ...func(*iam.Options)) (*iam.AddUserToGroupOutput, error)
}

// STSAPI is the one STS call the bootstrap makes: which account the
// credentials belong to.
type STSAPI interface {
	GetCallerIdentity(context.Context, *sts.GetCallerIdentityInput, ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error)
}

var (
	_ IAMAPI = (*iam.Client)(nil)
	_ STSAPI = (*sts.Client)(nil)
)

// ManagedByTag marks what Orchestera created.
var managedByTag = types.Tag{Key: aws.String("orchestera.io/managed-by"), Value: aws.String("orchestera")}

// maxPolicyVersions is IAM's limit of stored versions per managed policy
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_managed-versioning.html).
const maxPolicyVersions = 5

// managedPolicy is a customer managed policy kept in line with a document
// Orchestera builds.
type managedPolicy struct {
	name, description string
	want              iampolicy.Document
}

// ensurePolicy creates p when existing is nil, else makes p.want the default
// version when the current default differs semantically. It returns the
// policy's ARN.
func ensurePolicy(ctx context.Context, api IAMAPI, existing *types.Policy, p managedPolicy, r *reporter) (string, error) {
	if existing == nil {
		out, err := api.CreatePolicy(ctx, &iam.CreatePolicyInput{
			PolicyName:     aws.String(p.name),
			Description:    aws.String(p.description),
			PolicyDocument: aws.String(string(p.want.JSON())),
			Tags:           []types.Tag{managedByTag},
		})
		if err != nil {
			return "", fmt.Errorf("creating policy %s: %w", p.name, err)
		}
		arn := aws.ToString(out.Policy.Arn)
		r.did("created policy %s", arn)
		return arn, nil
	}
	arn := aws.ToString(existing.Arn)
	v, err := api.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: existing.Arn, VersionId: existing.DefaultVersionId})
	if err != nil {
		return "", fmt.Errorf("reading policy %s version %s: %w", arn, aws.ToString(existing.DefaultVersionId), err)
	}
	current, parseErr := decodeDocument(aws.ToString(v.PolicyVersion.Document))
	if parseErr == nil && sameDocument(current, p.want) {
		r.already("policy %s is already up to date", arn)
		return arn, nil
	}
	versions, err := api.ListPolicyVersions(ctx, &iam.ListPolicyVersionsInput{PolicyArn: existing.Arn})
	if err != nil {
		return "", fmt.Errorf("listing versions of policy %s: %w", arn, err)
	}
	if len(versions.Versions) >= maxPolicyVersions {
		oldest := oldestNonDefault(versions.Versions)
		if oldest == nil {
			return "", fmt.Errorf("policy %s has %d versions and none can be deleted", arn, len(versions.Versions))
		}
		if _, err := api.DeletePolicyVersion(ctx, &iam.DeletePolicyVersionInput{PolicyArn: existing.Arn, VersionId: oldest.VersionId}); err != nil {
			return "", fmt.Errorf("deleting version %s of policy %s: %w", aws.ToString(oldest.VersionId), arn, err)
		}
		r.did("deleted version %s of policy %s (IAM keeps at most %d versions)", aws.ToString(oldest.VersionId), arn, maxPolicyVersions)
	}
	nv, err := api.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{
		PolicyArn: existing.Arn, PolicyDocument: aws.String(string(p.want.JSON())), SetAsDefault: true,
	})
	if err != nil {
		return "", fmt.Errorf("updating policy %s: %w", arn, err)
	}
	why := describeChange(current, p.want)
	if parseErr != nil {
		why = "the old document could not be read: " + parseErr.Error()
	}
	r.did("updated policy %s: version %s is now the default (%s)", arn, aws.ToString(nv.PolicyVersion.VersionId), why)
	return arn, nil
}

func oldestNonDefault(vs []types.PolicyVersion) *types.PolicyVersion {
	var oldest *types.PolicyVersion
	for i := range vs {
		v := &vs[i]
		if v.IsDefaultVersion {
			continue
		}
		if oldest == nil || aws.ToTime(v.CreateDate).Before(aws.ToTime(oldest.CreateDate)) {
			oldest = v
		}
	}
	return oldest
}

// decodeDocument reads a policy document as IAM returns it: URL-encoded
// (RFC 3986) in GetRole, GetPolicyVersion and friends.
func decodeDocument(s string) (iampolicy.Document, error) {
	if !strings.HasPrefix(strings.TrimSpace(s), "{") {
		u, err := url.QueryUnescape(s)
		if err != nil {
			return iampolicy.Document{}, fmt.Errorf("URL-decoding a policy document: %w", err)
		}
		s = u
	}
	return iampolicy.Parse([]byte(s))
}

// sameDocument compares documents as IAM evaluates them: statement order,
// Sids, list order, duplicates, the case of action names and condition keys
// and a bare account id versus its :root ARN do not matter.
func sameDocument(a, b iampolicy.Document) bool {
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
func canonical(d iampolicy.Document) []string {
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

var accountIDPattern = regexp.MustCompile(`^\d{12}$`)

// principalARN writes an account id principal as IAM stores it.
func principalARN(p string) string {
	if accountIDPattern.MatchString(p) {
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

// describeChange says in a few words how want differs from old: the actions
// added and removed, and the resources, principals and external ids before
// and after.
func describeChange(old, want iampolicy.Document) string {
	var parts []string
	oa, wa := collect(old, actionsOf), collect(want, actionsOf)
	if add := minus(wa, oa); len(add) > 0 {
		parts = append(parts, "adds "+short(add))
	}
	if rm := minus(oa, wa); len(rm) > 0 {
		parts = append(parts, "removes "+short(rm))
	}
	for _, f := range []struct {
		what string
		get  func(iampolicy.Statement) []string
	}{
		{"resource", func(s iampolicy.Statement) []string { return s.Resource }},
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

func actionsOf(s iampolicy.Statement) []string { return s.Action }

func principalsOf(s iampolicy.Statement) []string {
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

func externalIDsOf(s iampolicy.Statement) []string {
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

func collect(d iampolicy.Document, get func(iampolicy.Statement) []string) []string {
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
