package iampolicy

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/orchestera/orchestera/internal/golden"
)

func TestAccessPolicyGolden(t *testing.T) {
	golden.Equal(t, filepath.Join("testdata", "access-policy.golden.json"), AccessPolicy().JSON())
}

// TestPoliciesMatchTheGuide holds the code to the customer guide: the access
// policy is the guide's JSON block without duplicates, and the management
// policy is its first block.
func TestPoliciesMatchTheGuide(t *testing.T) {
	guide := readGuide(t)
	t.Run(AccessPolicyName, func(t *testing.T) {
		doc := mustParse(t, jsonBlockAfter(t, guide, "### Create `"+AccessPolicyName+"`"))
		if len(doc.Statement) != 1 {
			t.Fatalf("the guide's policy has %d statements", len(doc.Statement))
		}
		if !slices.Equal(guideActions, doc.Statement[0].Action) {
			t.Errorf("guideActions differ from the guide's list:\n got %q\nwant %q", guideActions, doc.Statement[0].Action)
		}
		var dedup []string
		for _, a := range doc.Statement[0].Action {
			if !slices.Contains(dedup, a) {
				dedup = append(dedup, a)
			}
		}
		if !slices.Equal(RequiredActions(), dedup) {
			t.Errorf("RequiredActions() = %q, want %q", RequiredActions(), dedup)
		}
		doc.Statement[0].Action = dedup
		if !reflect.DeepEqual(AccessPolicy(), doc) {
			t.Errorf("AccessPolicy() = %s\nwant %s", AccessPolicy().JSON(), doc.JSON())
		}
	})
	t.Run(ManagementPolicyName, func(t *testing.T) {
		doc := mustParse(t, jsonBlockAfter(t, guide, "### Setup IAM roles"))
		if got := ManagementPolicy("<member-account-id>"); !reflect.DeepEqual(got, doc) {
			t.Errorf("ManagementPolicy() = %s\nwant %s", got.JSON(), doc.JSON())
		}
	})
}

// readGuide reads the tests' copy of the customer guide (see the comment at
// the top of the file for where it came from).
func readGuide(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "aws-account-setup.md"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func jsonBlockAfter(t *testing.T, md, heading string) string {
	t.Helper()
	_, rest, ok := strings.Cut(md, heading)
	if ok {
		_, rest, ok = strings.Cut(rest, "```json")
	}
	block, _, closed := strings.Cut(rest, "```")
	if !ok || !closed {
		t.Fatalf("no ```json block after %q in the guide", heading)
	}
	return block
}
