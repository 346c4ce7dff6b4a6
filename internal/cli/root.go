package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/orchestera/orchestera/internal/cli/awscmd"
	"github.com/orchestera/orchestera/internal/cli/clikit"
	"github.com/orchestera/orchestera/internal/cli/runcmd"
	"github.com/orchestera/orchestera/internal/config"
)

// DefaultServer is where local mode listens unless told otherwise.
const DefaultServer = clikit.DefaultServer

// ExitError ends the CLI with a specific exit code, e.g. a failed run's.
type ExitError = clikit.ExitError

// NewRoot builds the command tree; extra adds commands wired in cmd/ (the
// server).
func NewRoot(extra ...*cobra.Command) *cobra.Command {
	o := &clikit.Options{}
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
			o.Out, o.Err, o.In = cmd.OutOrStdout(), cmd.ErrOrStderr(), cmd.InOrStdin()
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
		newStacks(o), newNamespaces(o), newDatasources(o), newToken(o), runcmd.NewRun(o), runcmd.NewRuns(o), newSecrets(o), newIAM(o), runcmd.NewNotebook(o), newConnections(o), newAudit(o), awscmd.New(o))
	root.AddCommand(extra...)
	root.CompletionOptions.DisableDefaultCmd = true
	root.AddCommand(newCompletion())
	refuseUnknownSubcommands(root)
	return root
}

// newCompletion replaces cobra's completion command, which printed its help
// and exited 0 for a shell it does not know (completion tcsh).
func newCompletion() *cobra.Command {
	shells := map[string]func(cmd *cobra.Command) error{
		"bash":       func(cmd *cobra.Command) error { return cmd.Root().GenBashCompletionV2(cmd.OutOrStdout(), true) },
		"zsh":        func(cmd *cobra.Command) error { return cmd.Root().GenZshCompletion(cmd.OutOrStdout()) },
		"fish":       func(cmd *cobra.Command) error { return cmd.Root().GenFishCompletion(cmd.OutOrStdout(), true) },
		"powershell": func(cmd *cobra.Command) error { return cmd.Root().GenPowerShellCompletionWithDesc(cmd.OutOrStdout()) },
	}
	names := []string{"bash", "zsh", "fish", "powershell"}
	return &cobra.Command{
		Use:   "completion bash|zsh|fish|powershell",
		Short: "Print the shell completion script; it completes stack names, run ids and states from the server",
		Example: "  source <(orchestera completion bash)\n" +
			"  orchestera completion zsh > \"${fpath[1]}/_orchestera\"\n" +
			"  orchestera completion fish > ~/.config/fish/completions/orchestera.fish",
		ValidArgs: names,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return fmt.Errorf("completion takes one shell: %s", strings.Join(names, ", "))
			}
			if shells[args[0]] == nil {
				return fmt.Errorf("completion %q: no completion for that shell; the shells are %s", args[0], strings.Join(names, ", "))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error { return shells[args[0]](cmd) },
	}
}

// refuseUnknownSubcommands makes every command that only groups others
// fail on an argument that names none of them, with cobra's suggestions:
// by default `orchestera runs lsit` printed the help of runs and exited 0,
// so a script's typo passed for success. The root does this already.
func refuseUnknownSubcommands(c *cobra.Command) {
	for _, sub := range c.Commands() {
		refuseUnknownSubcommands(sub)
	}
	if c.HasParent() && c.HasSubCommands() && c.Run == nil && c.RunE == nil {
		c.Args = cobra.ArbitraryArgs
		c.RunE = func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return cmd.Help()
			}
			msg := fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath())
			if cmd.SuggestionsMinimumDistance <= 0 {
				cmd.SuggestionsMinimumDistance = 2 // cobra sets it on the root only
			}
			if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
				msg += "\n\nDid you mean this?\n\t" + strings.Join(s, "\n\t")
			}
			var names []string
			for _, sub := range cmd.Commands() {
				if sub.IsAvailableCommand() {
					names = append(names, sub.Name())
				}
			}
			return fmt.Errorf("%s\n\n%s takes one of: %s", msg, cmd.CommandPath(), strings.Join(names, ", "))
		}
	}
}

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
