package awsstack

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/orchestera/orchestera/internal/aws/awssdk"
	"github.com/orchestera/orchestera/internal/iampolicy"
)

// TestGuideGaps pins what OrchesteraAccessPolicy, as the customer guide
// prints it, lacks for each stack function. A change here is a change the
// guide (or the plan's report) must follow.
func TestGuideGaps(t *testing.T) {
	want := map[string][]string{
		"EnsureIAM":           {"iam:UpdateAssumeRolePolicy"}, // only to repair a drifted trust policy
		"EnsureKarpenter":     {"iam:UpdateAssumeRolePolicy"}, // only when the cluster's issuer changed
		"DestroyIAM":          {"iam:DetachRolePolicy"},
		"DestroyKarpenter":    {"iam:DetachRolePolicy"},
		"DestroyOIDCProvider": {"iam:DeleteOpenIDConnectProvider"},
	}
	got := GuideGaps()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("GuideGaps() = %v\nwant %v", got, want)
	}
	// A policy that adds them closes every gap.
	var extra []string
	for _, m := range got {
		extra = append(extra, m...)
	}
	if left := MissingStepActions(iampolicy.AccessPolicy(), iampolicy.AddStatement(extra)); len(left) != 0 {
		t.Errorf("still missing after adding %v: %v", extra, left)
	}
}

// TestStepActionsCoverTheCalls checks that every AWS call this package's
// code makes (directly or through an SDK paginator) appears in some action
// list, so a new call cannot slip past the planner's permission check.
func TestStepActionsCoverTheCalls(t *testing.T) {
	var all []string
	for _, l := range StepActions {
		all = append(all, l...)
	}
	wellFormed := regexp.MustCompile(`^[a-z0-9-]+:[A-Z][A-Za-z0-9]+$`)
	for _, a := range all {
		if !wellFormed.MatchString(a) {
			t.Errorf("malformed action %q", a)
		}
	}
	called := calledNames(t)
	for prefix, iface := range map[string]reflect.Type{
		"ec2":            reflect.TypeFor[awssdk.EC2](),
		"cloudformation": reflect.TypeFor[awssdk.CloudFormation](),
		"iam":            reflect.TypeFor[awssdk.IAM](),
		"eks":            reflect.TypeFor[awssdk.EKS](),
		"sqs":            reflect.TypeFor[awssdk.SQS](),
	} {
		for i := 0; i < iface.NumMethod(); i++ {
			m := iface.Method(i).Name
			if a := prefix + ":" + m; called[m] && !slices.Contains(all, a) {
				t.Errorf("%s.%s is called but %s is in no action list", iface.Name(), m, a)
			}
		}
	}
	if !called["CreateCluster"] || !called["ListAttachedRolePolicies"] {
		t.Fatal("the scan of this package's calls found too little")
	}
}

// calledNames are the method names this package's code calls, counting
// api.Method(...) and the SDK's NewMethodPaginator(api, ...).
func calledNames(t *testing.T) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(af, func(n ast.Node) bool {
			if sel, ok := n.(*ast.SelectorExpr); ok {
				name := sel.Sel.Name
				if m, ok := strings.CutPrefix(name, "New"); ok && strings.HasSuffix(m, "Paginator") {
					name = strings.TrimSuffix(m, "Paginator")
				}
				out[name] = true
			}
			return true
		})
	}
	return out
}

func TestOptionalAdditionsAreOutsideTheGuide(t *testing.T) {
	for _, o := range OptionalAdditions {
		if missing := iampolicy.Missing(o.Actions, iampolicy.AccessPolicy()); len(missing) != len(o.Actions) {
			t.Errorf("%s: the guide already grants some of %v (missing only %v): create it instead of offering it", o.Name, o.Actions, missing)
		}
		for _, p := range o.EventPatterns {
			if !strings.HasPrefix(p, `{"source":`) {
				t.Errorf("%s: pattern %s", o.Name, p)
			}
		}
	}
}

// TestWhatVerificationAcceptsCoversEveryCall is the proof that a stack can
// always be taken down: every action any step function calls, destroys and
// repairs included, is allowed by the policies verification accepts (the
// guide's OrchesteraAccessPolicy and OrchesteraLifecyclePolicy, which the
// can_destroy check asks for).
func TestWhatVerificationAcceptsCoversEveryCall(t *testing.T) {
	if missing := MissingStepActions(iampolicy.AccessPolicy(), iampolicy.LifecyclePolicy()); len(missing) != 0 {
		t.Fatalf("not allowed by what verification accepts: %v", missing)
	}
	var gaps []string
	for _, acts := range GuideGaps() {
		gaps = append(gaps, acts...)
	}
	for _, a := range gaps {
		if !slices.Contains(iampolicy.LifecycleActions(), a) {
			t.Errorf("%s is missing from the guide but not asked for by can_destroy", a)
		}
	}
}
