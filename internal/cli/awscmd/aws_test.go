package awscmd_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/orchestera/orchestera/internal/cli"
	"github.com/orchestera/orchestera/internal/iampolicy"
)

// runAWS runs the CLI with separate stdout and stderr and the exit code
// Execute would return (-1 for an error that is not an ExitError).
func runAWS(t *testing.T, stdin string, args ...string) (stdout, stderr string, code int, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	root := cli.NewRoot()
	root.SetArgs(append([]string{"--home", t.TempDir()}, args...))
	root.SetIn(strings.NewReader(stdin))
	root.SetOut(&out)
	root.SetErr(&errOut)
	err = root.ExecuteContext(context.Background())
	var exit *cli.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		code = exit.Code
	default:
		code = -1
	}
	return out.String(), errOut.String(), code, err
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestAWSPolicyPrintsTheGolden(t *testing.T) {
	want, err := os.ReadFile(filepath.Join("..", "..", "iampolicy", "testdata", "access-policy.golden.json"))
	if err != nil {
		t.Fatal(err)
	}
	out, _, _, err := runAWS(t, "", "aws", "policy")
	if err != nil || out != string(want) {
		t.Fatalf("aws policy: %v\n%s", err, out)
	}
	if y, _, _, err := runAWS(t, "", "aws", "policy", "-o", "yaml"); err != nil || !strings.Contains(y, "- iam:PassRole\n") {
		t.Fatalf("aws policy -o yaml: %v\n%s", err, y)
	}
}

func TestAWSGenerators(t *testing.T) {
	const extID = "org_0123456789abcdef"
	tests := []struct {
		name     string
		args     []string
		wantErr  string // in the error
		wantOut  string // in stdout
		checkOut func(t *testing.T, out string)
	}{
		{name: "trust policy needs an external id", args: []string{"aws", "trust-policy"}, wantErr: "--external-id is required"},
		{name: "trust policy account", args: []string{"aws", "trust-policy", "--external-id", extID, "--platform-account-id", "12345"},
			wantErr: `--platform-account-id "12345": must be a 12-digit AWS account ID`},
		{name: "trust policy lints clean", args: []string{"aws", "trust-policy", "--external-id", extID}, checkOut: func(t *testing.T, out string) {
			doc, err := iampolicy.Parse([]byte(out))
			if err != nil || iampolicy.LintTrust(doc, iampolicy.GuidePlatformAccountID, extID) != nil {
				t.Fatalf("%v %+v", err, iampolicy.LintTrust(doc, iampolicy.GuidePlatformAccountID, extID))
			}
		}},
		{name: "management policy account", args: []string{"aws", "management-policy", "--member-account-id", "1111222233334"},
			wantErr: "--member-account-id"},
		{name: "management policy", args: []string{"aws", "management-policy", "--member-account-id", "111122223333"},
			wantOut: `"Resource": "arn:aws:iam::111122223333:role/OrganizationAccountAccessRole"`},
		{name: "template", args: []string{"aws", "template"}, wantOut: `"AWS::IAM::Role"`, checkOut: func(t *testing.T, out string) {
			if !json.Valid([]byte(out)) {
				t.Fatal("not JSON")
			}
		}},
		{name: "template URL must be https", args: []string{"aws", "template", "--template-url", "http://x", "--external-id", extID}, wantErr: "--template-url"},
		{name: "template URL needs the external id", args: []string{"aws", "template", "--template-url", "https://b.s3.amazonaws.com/t.json", "--external-id", "short"},
			wantErr: "--external-id is required with --template-url, and the template needs at least 16 characters"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, _, _, err := runAWS(t, "", tt.args...)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || !strings.Contains(out, tt.wantOut) {
				t.Fatalf("%v\n%s", err, out)
			}
			if tt.checkOut != nil {
				tt.checkOut(t, out)
			}
		})
	}
}

func TestAWSTemplateQuickCreateLink(t *testing.T) {
	out, stderr, _, err := runAWS(t, "", "aws", "template", "--template-url", "https://b.s3.amazonaws.com/t.json", "--external-id", "org_0123456789abcdef")
	want := iampolicy.QuickCreateURL("https://b.s3.amazonaws.com/t.json", "us-east-1", "org_0123456789abcdef", iampolicy.GuidePlatformAccountID)
	if err != nil || out != string(iampolicy.CloudFormationTemplate()) || !strings.Contains(stderr, want) {
		t.Fatalf("%v\nstdout %s\nstderr %s", err, out, stderr)
	}
}

func TestAWSCheckPolicy(t *testing.T) {
	access := writeFile(t, "access.json", string(iampolicy.AccessPolicy().JSON()))
	partial := writeFile(t, "partial.json", `{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": ["ec2:*", "eks:*", "iam:*"], "Resource": "*"}}`)
	rest := writeFile(t, "rest.json", `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "NotAction": ["ec2:*", "eks:*", "iam:*"], "Resource": "*"}]}`)
	denySQS := writeFile(t, "deny.json", `{"Statement": [{"Effect": "Deny", "Action": "sqs:DeleteQueue", "Resource": "*"}]}`)
	tests := []struct {
		name    string
		args    []string
		stdin   string
		code    int
		stdout  string
		message string // in the ExitError's message
	}{
		{name: "access policy", args: []string{access}},
		{name: "union of files", args: []string{partial, rest}},
		{name: "stdin", args: []string{"-"}, stdin: string(iampolicy.AccessPolicy().JSON())},
		{name: "missing actions", args: []string{partial}, code: 1,
			stdout:  "cloudformation:*\npricing:GetProducts\nsqs:*\nssm:GetParameter\nssm:GetParametersByPath\n",
			message: "5 of 36 required actions are not granted"},
		{name: "deny", args: []string{access, denySQS}, code: 1, stdout: "sqs:*\n", message: "narrow the Deny"},
		{name: "json", args: []string{partial, "-o", "json"}, code: 1,
			stdout: `{"ok":false,"missing":["cloudformation:*","pricing:GetProducts","sqs:*","ssm:GetParameter","ssm:GetParametersByPath"]}`},
		{name: "no such file", args: []string{access, "nope.json"}, code: 2, message: "nope.json: no such file or directory"},
		{name: "not a policy", args: []string{writeFile(t, "bad.json", `{"Statement": "x"}`)}, code: 2, message: "bad.json: not an IAM policy document"},
		{name: "no files", code: 2, message: "at least one policy FILE"},
		{name: "unknown flag", args: []string{access, "--nope"}, code: 2, message: "unknown flag: --nope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, _, code, err := runAWS(t, tt.stdin, append([]string{"aws", "check-policy"}, tt.args...)...)
			if tt.name == "json" {
				var compact bytes.Buffer
				json.Compact(&compact, []byte(out))
				out = compact.String()
			}
			if code != tt.code || out != tt.stdout || (tt.message != "" && !strings.Contains(err.Error(), tt.message)) {
				t.Fatalf("code %d, err %v\nstdout %q", code, err, out)
			}
		})
	}
	t.Run("the printed statement closes the gap", func(t *testing.T) {
		_, _, _, err := runAWS(t, "", "aws", "check-policy", partial)
		_, stmt, _ := strings.Cut(err.Error(), "\n")
		add, perr := iampolicy.Parse([]byte(stmt))
		have, _ := iampolicy.Parse([]byte(`{"Statement": {"Effect": "Allow", "Action": ["ec2:*", "eks:*", "iam:*"], "Resource": "*"}}`))
		if perr != nil || iampolicy.Missing(iampolicy.RequiredActions(), have, add) != nil {
			t.Fatalf("%v\n%s", perr, stmt)
		}
	})
}

func TestAWSCheckTrust(t *testing.T) {
	const extID = "org_0123456789abcdef"
	good := writeFile(t, "good.json", string(iampolicy.TrustPolicy(iampolicy.GuidePlatformAccountID, extID).JSON()))
	other := writeFile(t, "other.json", `{"Statement": [{"Effect": "Allow", "Principal": {"AWS": ["017059471480", "arn:aws:iam::111122223333:root"]},
		"Action": "sts:AssumeRole", "Condition": {"StringEquals": {"sts:ExternalId": "org_0123456789abcdef"}}}]}`)
	tests := []struct {
		name    string
		args    []string
		code    int
		stdout  []string // each in stdout
		message string
	}{
		{name: "clean", args: []string{good, "--external-id", extID}, stdout: []string{"trust policy OK\n"}},
		{name: "other account", args: []string{other, "--external-id", extID}, code: 1,
			stdout:  []string{"other_principal: statement 1 trusts arn:aws:iam::111122223333:root; only the Orchestera platform account 017059471480 may assume this role\n  fix: remove"},
			message: "1 problem(s)"},
		{name: "wrong external id", args: []string{good, "--external-id", "org_fedcba9876543210"}, code: 1, stdout: []string{"external_id_mismatch: ", "fix: "}},
		{name: "other platform", args: []string{good, "--external-id", extID, "--platform-account-id", "111122223333"}, code: 1,
			stdout: []string{"other_principal: ", "platform_not_trusted: "}},
		{name: "json", args: []string{other, "--external-id", extID, "-o", "json"}, code: 1, stdout: []string{`"ok": false`, `"rule": "other_principal"`}},
		{name: "unreadable", args: []string{"nope.json", "--external-id", extID}, code: 2, message: "nope.json: no such file or directory"},
		{name: "no external id", args: []string{good}, code: 2, message: "--external-id is required"},
		{name: "bad account", args: []string{good, "--external-id", extID, "--platform-account-id", "x"}, code: 2, message: "--platform-account-id"},
		{name: "two files", args: []string{good, good, "--external-id", extID}, code: 2, message: "exactly one"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, _, code, err := runAWS(t, "", append([]string{"aws", "check-trust"}, tt.args...)...)
			if code != tt.code || (tt.message != "" && !strings.Contains(err.Error(), tt.message)) ||
				slices.ContainsFunc(tt.stdout, func(s string) bool { return !strings.Contains(out, s) }) {
				t.Fatalf("code %d, err %v\nstdout %s", code, err, out)
			}
		})
	}
}
