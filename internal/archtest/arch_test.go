package archtest

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/orchestera/orchestera/"

// allowed lists, for each package of ours, the packages of ours it may
// import (non-test files). "std" alone means the standard library only.
// Domain and rules import no adapter; adapters depend on the domain; only
// cmd/ wires adapters together.
var allowed = map[string][]string{
	// The domain: types, rules, ports. Nothing of ours.
	"internal/domain": {"std"},
	// Services: the domain only (and the step engine, for the lifecycle).
	"internal/identity":    {"std", "internal/domain"},
	"internal/connections": {"std", "internal/domain"},
	"internal/stacks":      {"std", "internal/domain", "internal/provision"},
	"internal/runs":        {"std", "internal/domain"},
	"internal/secrets":     {"std", "internal/domain"},
	"internal/provision":   {"std", "internal/domain"},
	// Pure helpers.
	"internal/iampolicy": {"std", "internal/cfn", "internal/domain"},
	"internal/cfn":       {"std"},
	"internal/runenv":    {"std", "internal/domain"},
	"internal/secretbox": {"std"},
	"internal/config":    {"std"},
	"internal/version":   {"std"},
	// The kubeconfig people's kubectl uses, for the CLI and the console.
	"internal/kubeconfig": {},
	// Adapters: the domain and their own kind, never a service or the store.
	"internal/aws/awssdk":     {},
	"internal/aws/assume":     {"internal/aws/awssdk"},
	"internal/aws/onboard":    {"internal/aws/awssdk", "internal/domain", "internal/iampolicy"},
	"internal/aws/verify":     {"internal/aws/assume", "internal/aws/awssdk", "internal/domain", "internal/iampolicy"},
	"internal/aws/awsstack":   {"internal/aws/assume", "internal/aws/awssdk", "internal/cfn", "internal/domain", "internal/iampolicy"},
	"internal/kube/kubestack": {"internal/domain", "internal/runenv"},
	"internal/kube/karpenter": {"internal/domain", "internal/kube/kubestack"},
	"internal/kube/kuberun":   {"internal/domain", "internal/runenv", "internal/kube/kubestack"},
	"internal/aws/ekstoken":   {},
	// The aws-eks stack whole: the AWS side and the Kubernetes side.
	"internal/eksstack":       {"internal/aws/awssdk", "internal/aws/awsstack", "internal/aws/ekstoken", "internal/domain", "internal/iampolicy", "internal/kube/karpenter", "internal/kube/kubestack"},
	"internal/localrun":       {"std", "internal/domain", "internal/runenv"},
	"internal/store":          {"internal/domain", "internal/store/sqlstore"},
	"internal/store/sqlstore": {"internal/domain"},
	"internal/githubauth":     {"internal/domain"},
	"internal/api":            {"internal/domain", "internal/identity", "internal/stacks", "internal/runs", "internal/secrets", "internal/connections", "internal/iampolicy"},
	"internal/web":            {"internal/api", "internal/domain", "internal/identity", "internal/stacks", "internal/runs", "internal/secrets", "internal/connections", "internal/iampolicy", "internal/kubeconfig"},
	"internal/client":         {"internal/api", "internal/domain"},
	"internal/cli":            {"internal/api", "internal/client", "internal/config", "internal/domain", "internal/version", "internal/iampolicy", "internal/aws/onboard", "internal/kubeconfig", "internal/cli/clikit", "internal/cli/awscmd", "internal/cli/runcmd"},
	// The CLI's command packages use the kit, never the root that wires
	// them in.
	"internal/cli/clikit": {"internal/client", "internal/config"},
	"internal/cli/awscmd": {"internal/api", "internal/aws/onboard", "internal/cli/clikit", "internal/client", "internal/domain", "internal/iampolicy"},
	"internal/cli/runcmd": {"internal/api", "internal/cli/clikit", "internal/client", "internal/domain"},
	// Test support.
	"internal/aws/mototest":          {},
	"internal/kube/kubetest":         {"std"},
	"internal/store/storetest":       {"std", "internal/domain"},
	"internal/store/pgtest":          {"internal/store/sqlstore"},
	"internal/api/apitest":           {"internal/api", "internal/connections", "internal/domain", "internal/githubauth", "internal/githubauth/githubtest", "internal/identity", "internal/localrun", "internal/runs", "internal/secrets", "internal/stacks", "internal/store/sqlstore"},
	"internal/cli/clitest":           {"internal/api/apitest", "internal/cli", "internal/config"},
	"internal/githubauth/githubtest": {"std"},
	"internal/web/browsertest":       {},
	"internal/golden":                {"std"},
	"internal/fakeclock":             {"std"},
	"internal/poll":                  {"std"},
	"internal/archtest":              {"std"},
}

// stdOnly packages may import nothing outside the standard library.
func stdOnly(rules []string) bool { return slices.Contains(rules, "std") }

func TestImportRules(t *testing.T) {
	for dir, imports := range packageImports(t) {
		if strings.HasPrefix(dir, "cmd/") || strings.HasPrefix(dir, "bench/") {
			continue // wiring and benchmarks may use anything
		}
		rules, ok := allowed[dir]
		if !ok {
			t.Errorf("package %s has no import rule: add it to allowed in this test", dir)
			continue
		}
		for _, imp := range imports {
			ours, isOurs := strings.CutPrefix(imp, module)
			switch {
			case isOurs && !slices.Contains(rules, ours):
				t.Errorf("%s imports %s; allowed: %v", dir, ours, rules)
			case !isOurs && stdOnly(rules) && strings.Contains(strings.SplitN(imp, "/", 2)[0], "."):
				t.Errorf("%s must import only the standard library, but imports %s", dir, imp)
			}
		}
	}
}

// TestAdapterBoundaries states the rules the table above must keep, so an
// edit of the table cannot quietly break them: the CLI links only the
// onboarding package of the AWS side, and no AWS or Kubernetes package
// reaches a service or the store.
func TestAdapterBoundaries(t *testing.T) {
	for dir, rules := range allowed {
		for _, r := range rules {
			switch {
			case (dir == "internal/cli" || strings.HasPrefix(dir, "internal/cli/")) && strings.HasPrefix(r, "internal/aws/") && r != "internal/aws/onboard":
				t.Errorf("the CLI may use only internal/aws/onboard of the AWS side, not %s", r)
			case (strings.HasPrefix(dir, "internal/aws/") || strings.HasPrefix(dir, "internal/kube/") || dir == "internal/eksstack") && (strings.HasPrefix(r, "internal/store") || slices.Contains(services, r)):
				t.Errorf("%s may not import %s: cloud adapters depend on the domain's ports only", dir, r)
			}
		}
	}
}

var services = []string{"internal/identity", "internal/connections", "internal/stacks", "internal/runs", "internal/secrets", "internal/provision"}

func TestEveryPackageHasADocComment(t *testing.T) {
	fset := token.NewFileSet()
	for dir := range packageImports(t) {
		documented := false
		files, _ := filepath.Glob(filepath.Join(root(t), dir, "*.go"))
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			af, err := parser.ParseFile(fset, f, nil, parser.PackageClauseOnly|parser.ParseComments)
			if err != nil {
				t.Fatal(err)
			}
			documented = documented || af.Doc != nil
		}
		if !documented {
			t.Errorf("package %s has no doc comment (// Package ... in doc.go)", dir)
		}
	}
}

func root(t *testing.T) string {
	dir, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// packageImports maps every package directory (relative to the module
// root) to the imports of its non-test files.
func packageImports(t *testing.T) map[string][]string {
	t.Helper()
	base := root(t)
	out := map[string][]string{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(base, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") || d.Name() == "build" || d.Name() == "testdata" || d.Name() == "python") && path != base {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(base, filepath.Dir(path))
		rel = filepath.ToSlash(rel)
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			out[rel] = append(out[rel], p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) < 10 {
		t.Fatalf("found only %d packages under %s", len(out), base)
	}
	return out
}
