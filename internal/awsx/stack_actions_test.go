package awsx

import (
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

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

// TestStepActionsCoverTheInterfaces checks that every call the narrow
// interfaces allow appears in some action list, so a new call cannot slip
// past the planner's permission check.
func TestStepActionsCoverTheInterfaces(t *testing.T) {
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
	for prefix, iface := range map[string]reflect.Type{
		"ec2":            reflect.TypeFor[EC2API](),
		"cloudformation": reflect.TypeFor[CFNAPI](),
		"iam":            reflect.TypeFor[StackIAMAPI](),
		"eks":            reflect.TypeFor[EKSAPI](),
		"sqs":            reflect.TypeFor[SQSAPI](),
	} {
		for i := 0; i < iface.NumMethod(); i++ {
			if a := prefix + ":" + iface.Method(i).Name; !slices.Contains(all, a) {
				t.Errorf("%s.%s is callable but %s is in no action list", iface.Name(), iface.Method(i).Name, a)
			}
		}
	}
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
