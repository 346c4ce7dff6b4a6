package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/orchestera/orchestera/internal/client"
	"github.com/orchestera/orchestera/internal/config"
)

// DefaultServer is where local mode listens unless told otherwise.
const DefaultServer = "http://127.0.0.1:7420"

// Options are the global flags, shared by every client command.
type Options struct {
	Server string
	Output string
	Home   string
	Out    io.Writer
	Err    io.Writer
}

// NewRoot builds the command tree; extra adds commands wired in cmd/ (the
// server).
func NewRoot(extra ...*cobra.Command) *cobra.Command {
	o := &Options{}
	root := &cobra.Command{
		Use:   "orchestera",
		Short: "Auto-scaling Apache Spark on Amazon EKS in your own AWS account",
		Long: `Orchestera runs PySpark pipelines on Spark clusters ("stacks") in your own
AWS account, or on a local stack on this machine.

Start a local control plane with 'orchestera server'; every other command is a
client of its HTTP API and finds it through --server, ORCHESTERA_SERVER or the
config that 'orchestera login' (or local mode) wrote to $ORCHESTERA_HOME.`,
		Example:       "  orchestera server &\n  orchestera whoami\n  orchestera tokens list -o json",
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			o.Out, o.Err = cmd.OutOrStdout(), cmd.ErrOrStderr()
			switch o.Output {
			case "table", "json", "yaml":
				return nil
			}
			return fmt.Errorf("--output %q: must be table, json or yaml", o.Output)
		},
	}
	f := root.PersistentFlags()
	f.StringVar(&o.Server, "server", os.Getenv("ORCHESTERA_SERVER"), "server URL (env ORCHESTERA_SERVER; default: the config's, else "+DefaultServer+")")
	f.StringVarP(&o.Output, "output", "o", "table", "output format: table, json or yaml")
	f.StringVar(&o.Home, "home", config.Home(), "data and config directory (env ORCHESTERA_HOME)")
	root.RegisterFlagCompletionFunc("output", cobra.FixedCompletions([]string{"table", "json", "yaml"}, cobra.ShellCompDirectiveNoFileComp))

	root.AddCommand(newVersion(o), newLogin(o), newWhoami(o), newOrgs(o), newMembers(o), newInvites(o), newTokens(o),
		newStacks(o), newNamespaces(o), newRun(o), newRuns(o), newSecrets(o), newConnections(o), newAudit(o), newAWS(o))
	root.AddCommand(extra...)
	return root
}

// ExitError ends the CLI with a specific exit code, e.g. a failed run's.
type ExitError struct {
	Code    int
	Message string // printed to stderr unless empty
}

func (e *ExitError) Error() string { return e.Message }

// Execute runs the CLI and returns the process exit code.
func Execute(root *cobra.Command) int {
	err := root.ExecuteContext(context.Background())
	var exit *ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &exit):
		if exit.Message != "" {
			fmt.Fprintln(root.ErrOrStderr(), exit.Message)
		}
		return exit.Code
	}
	fmt.Fprintln(root.ErrOrStderr(), "Error:", err)
	return 1
}

// client resolves the server and token: the token from ORCHESTERA_TOKEN or
// the config, the latter only when it was saved for this same server so a
// token is never sent to a server it was not made for.
func (o *Options) client() (*client.Client, error) {
	cfg, err := config.Load(o.Home)
	if err != nil {
		return nil, err
	}
	server := strings.TrimRight(o.Server, "/")
	if server == "" {
		server = cfg.Server
	}
	if server == "" {
		server = DefaultServer
	}
	token := os.Getenv("ORCHESTERA_TOKEN")
	if token == "" && strings.TrimRight(cfg.Server, "/") == server {
		token = cfg.Token
	}
	return client.New(server, token), nil
}
