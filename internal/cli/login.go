package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/orchestera/orchestera/internal/client"
	"github.com/orchestera/orchestera/internal/config"
)

func newLogin(o *Options) *cobra.Command {
	var token string
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "login",
		Short: "Save a server URL and token for the other commands",
		Long: `Save a server URL and API token in $ORCHESTERA_HOME/config.json (mode 0600).

With --token the token is checked and saved. Without it, login prints a URL
that signs you in with GitHub in your browser and hands a new token back to
this command on a loopback port.`,
		Example: "  orchestera login --server https://orchestera.example.com\n  orchestera login --server http://127.0.0.1:7420 --token orch_...",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			server := strings.TrimRight(o.Server, "/")
			if server == "" {
				return errors.New("--server is required: the URL of the Orchestera server to log in to")
			}
			if u, err := url.Parse(server); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				return fmt.Errorf("--server %q: must be an http(s) URL such as https://orchestera.example.com", server)
			}
			if token == "" {
				var err error
				if token, err = browserLogin(cmd.Context(), o, server, timeout); err != nil {
					return err
				}
			}
			me, err := client.New(server, token).Whoami(cmd.Context())
			if err != nil {
				return fmt.Errorf("checking the token with %s: %w", server, err)
			}
			if err := config.Save(o.Home, config.Client{Server: server, Token: token}); err != nil {
				return fmt.Errorf("saving the config: %w", err)
			}
			fmt.Fprintf(o.Out, "Logged in to %s as %s (%s in organization %s).\n", server, me.User.Email, me.Role, me.Organization.Name)
			return nil
		},
	}
	cmd.Flags().StringVar(&token, "token", "", "an API token (orch_...); omit it to sign in with GitHub in a browser")
	cmd.Flags().DurationVar(&timeout, "timeout", 5*time.Minute, "how long to wait for the browser sign-in")
	return cmd
}

// browserLogin waits on a loopback port for the server to hand back a token
// after GitHub sign-in.
func browserLogin(ctx context.Context, o *Options, server string, timeout time.Duration) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("listening for the sign-in callback: %w", err)
	}
	got := make(chan string, 1)
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t := r.URL.Query().Get("token")
		if t == "" {
			http.Error(w, "no token in the callback", http.StatusBadRequest)
			return
		}
		fmt.Fprintln(w, "Signed in. You can close this tab and return to the terminal.")
		select {
		case got <- t:
		default:
		}
	})}
	go srv.Serve(ln)
	defer srv.Close()

	callback := fmt.Sprintf("http://%s/callback", ln.Addr())
	fmt.Fprintf(o.Out, "Open this URL in a browser to sign in with GitHub:\n\n  %s/auth/github/login?cli_redirect=%s\n\nWaiting up to %s...\n",
		server, url.QueryEscape(callback), timeout)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	select {
	case t := <-got:
		return t, nil
	case <-ctx.Done():
		return "", fmt.Errorf("no sign-in arrived within %s; run login again, or pass --token", timeout)
	}
}
