package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
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
	In     io.Reader
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
		newStacks(o), newNamespaces(o), newDatasources(o), newToken(o), newRun(o), newRuns(o), newSecrets(o), newIAM(o), newNotebook(o), newConnections(o), newAudit(o), newAWS(o))
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

// serverURL normalizes a server URL as typed: a trailing slash goes, and a
// loopback address without a scheme is http (local mode's); any other
// address without a scheme is refused with the fix, since guessing between
// http and https would either fail or send a token in clear.
func serverURL(flag, raw string) (string, error) {
	s := strings.TrimRight(strings.TrimSpace(raw), "/")
	if s == "" {
		return "", nil
	}
	if !strings.Contains(s, "://") {
		host := s
		if h, _, err := net.SplitHostPort(s); err == nil {
			host = h
		}
		if !isLoopback(host) {
			return "", fmt.Errorf("%s %q: add the scheme, e.g. https://%s (a URL without one is taken as http only on 127.0.0.1 or localhost)", flag, raw, s)
		}
		s = "http://" + s
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return "", fmt.Errorf("%s %q: must be an http(s) URL such as https://orchestera.example.com or http://127.0.0.1:7420", flag, raw)
	}
	return s, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

// sameServer reports whether two server URLs reach the same server:
// localhost, 127.0.0.1 and ::1 are one machine, and a port left out is the
// scheme's.
func sameServer(a, b string) bool {
	ua, errA := url.Parse(a)
	ub, errB := url.Parse(b)
	if errA != nil || errB != nil || ua.Scheme != ub.Scheme {
		return false
	}
	host := func(u *url.URL) string {
		if isLoopback(u.Hostname()) {
			return "loopback"
		}
		return strings.ToLower(u.Hostname())
	}
	port := func(u *url.URL) string {
		if p := u.Port(); p != "" {
			return p
		}
		if u.Scheme == "https" {
			return "443"
		}
		return "80"
	}
	return host(ua) == host(ub) && port(ua) == port(ub) && strings.TrimRight(ua.Path, "/") == strings.TrimRight(ub.Path, "/")
}

// client resolves the server and token: the token from ORCHESTERA_TOKEN or
// the config, the latter only when it was saved for this same server so a
// token is never sent to a server it was not made for.
func (o *Options) client() (*client.Client, error) {
	server, token, err := o.resolve()
	if err != nil {
		return nil, err
	}
	return client.New(server, token), nil
}

// resolve returns the server to talk to and the token to send it.
func (o *Options) resolve() (server, token string, err error) {
	cfg, err := config.Load(o.Home)
	if err != nil {
		return "", "", err
	}
	if server, err = serverURL("--server", o.Server); err != nil {
		return "", "", err
	}
	if server == "" {
		server = cfg.Server
	}
	if server == "" {
		server = DefaultServer
	}
	token = os.Getenv("ORCHESTERA_TOKEN")
	if token == "" && cfg.Server != "" && sameServer(cfg.Server, server) {
		token = cfg.Token
	}
	return server, token, nil
}
