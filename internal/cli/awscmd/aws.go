package awscmd

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/spf13/cobra"
	"sigs.k8s.io/yaml"

	"github.com/orchestera/orchestera/internal/cli/clikit"
	"github.com/orchestera/orchestera/internal/domain"
	"github.com/orchestera/orchestera/internal/iampolicy"
)

// New groups the AWS account setup commands: documents printed and
// checked offline, and bootstrap commands that use the caller's own AWS
// credentials. None of them calls the Orchestera server.
func New(o *clikit.Options) *cobra.Command {
	aws := &cobra.Command{
		Use:   "aws",
		Short: "Set up your AWS account for Orchestera: IAM policies, the access role and their checks",
		Long: `Print the documents the AWS account setup guide asks for, check the ones
you already have, or create them with your own AWS credentials (bootstrap,
bootstrap-management). The print and check commands work offline.`,
		Example: "  orchestera aws policy > orchestera-access-policy.json\n" +
			"  orchestera aws check-policy my-policy.json\n" +
			"  orchestera aws check-trust trust.json --external-id $EXTERNAL_ID",
	}
	aws.AddCommand(newPolicy(o), newLifecyclePolicy(o), newTrustPolicy(o), newManagementPolicy(o), newTemplate(o),
		newCheckPolicy(o), newCheckTrust(o), newBootstrap(o), newBootstrapManagement(o))
	return aws
}

// writeDocument prints a JSON document as is (what a customer pastes into
// the console), or as YAML with -o yaml for CloudFormation and Terraform.
func writeDocument(o *clikit.Options, b []byte) error {
	if o.Output == "yaml" {
		y, err := yaml.JSONToYAML(b)
		if err != nil {
			return err
		}
		b = y
	}
	_, err := o.Out.Write(b)
	return err
}

// accountID checks a 12-digit AWS account ID flag.
func accountID(flag, v string) error {
	if !domain.IsAccountID(v) {
		return fmt.Errorf("--%s %q: must be a 12-digit AWS account ID", flag, v)
	}
	return nil
}

// readPolicy reads and parses one policy file ("-" is stdin). Failures are
// exit code 2, apart from the 1 that means "the policy falls short".
func readPolicy(cmd *cobra.Command, path string) (iampolicy.Document, error) {
	var b []byte
	var err error
	if path == "-" {
		b, err = io.ReadAll(cmd.InOrStdin())
	} else {
		b, err = os.ReadFile(path)
	}
	if pe := (*fs.PathError)(nil); errors.As(err, &pe) {
		err = pe.Err // the path is in the message already
	}
	if err != nil {
		return iampolicy.Document{}, &clikit.ExitError{Code: 2, Message: fmt.Sprintf("%s: %v", path, err)}
	}
	d, err := iampolicy.Parse(b)
	if err != nil {
		return d, &clikit.ExitError{Code: 2, Message: fmt.Sprintf("%s: %v", path, err)}
	}
	return d, nil
}

// usageExit makes argument and flag mistakes of the check commands exit 2,
// so 1 keeps meaning "the document falls short".
func usageExit(cmd *cobra.Command) {
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &clikit.ExitError{Code: 2, Message: err.Error()} })
}
