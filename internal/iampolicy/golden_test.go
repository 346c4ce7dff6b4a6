package iampolicy

import (
	"github.com/orchestera/orchestera/internal/golden"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
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

// readGuide finds shared/spec beside the repository, where CI clones it.
func readGuide(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test directory")
		}
		dir = parent
	}
	path := filepath.Join(dir, "..", "shared", "spec", "aws-account-setup.md")
	b, err := os.ReadFile(path)
	switch {
	case err == nil:
		return string(b)
	case os.Getenv("CI") == "true":
		t.Fatalf("the customer guide must be beside the repository in CI: %v", err)
	}
	t.Skipf("customer guide not found: %v", err)
	return ""
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
