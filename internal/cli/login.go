package cli

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/orchestera/orchestera/internal/api"
	"github.com/orchestera/orchestera/internal/cli/clikit"
	"github.com/orchestera/orchestera/internal/client"
	"github.com/orchestera/orchestera/internal/config"
)

func newLogin(o *clikit.Options) *cobra.Command {
	var token, accept string
	var createOrg bool
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "login",
		Short: "Save a server URL and token for the other commands",
		Long: `Save a server URL and API token in $ORCHESTERA_HOME/config.json (mode 0600).

With --token the token is checked and saved. Without it, login prints a URL
that signs you in with GitHub in your browser and hands a new token back to
this command on a loopback port; the callback must carry the random state
this command made, so no other program can hand it a token.

Signing in never joins an organization by itself. If you belong to none and
have pending invitations, login lists them and asks which one to accept, or
whether to create an organization of your own; --accept-invitation ID and
--create-organization answer without asking.`,
		Example: "  orchestera login --server https://orchestera.example.com\n" +
			"  orchestera login --server https://orchestera.example.com --accept-invitation inv_ab12cd34ef56gh78\n" +
			"  orchestera login --server http://127.0.0.1:7420 --token orch_...",
		Args: clikit.Args(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.Server == "" {
				return errors.New("--server is required: the URL of the Orchestera server to log in to")
			}
			server, err := clikit.ServerURL("--server", o.Server)
			if err != nil {
				return err
			}
			if timeout <= 0 {
				return fmt.Errorf("--timeout %s: must be more than 0", timeout)
			}
			if accept != "" && createOrg {
				return errors.New("--accept-invitation and --create-organization exclude each other: choose one")
			}
			if token == "" {
				ch := choice{accept: accept, create: createOrg, in: o.In, out: o.Err}
				if token, err = browserLogin(cmd.Context(), o, server, timeout, ch); err != nil {
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
			out := struct {
				Server string     `json:"server"`
				Whoami api.Whoami `json:"whoami"`
			}{server, me}
			return o.Render(out, func(w *tabwriter.Writer) {
				fmt.Fprintf(w, "Logged in to %s as %s (%s in organization %s).\n", server, me.User.Email, me.Role, me.Organization.Name)
			})
		},
	}
	cmd.Flags().StringVar(&token, "token", "", "an API token (orch_...); omit it to sign in with GitHub in a browser")
	cmd.Flags().DurationVar(&timeout, "timeout", 5*time.Minute, "how long to wait for the browser sign-in")
	cmd.Flags().StringVar(&accept, "accept-invitation", "", "if the sign-in offers invitations, accept this one (inv_...)")
	cmd.Flags().BoolVar(&createOrg, "create-organization", false, "if the sign-in offers invitations, decline them and create an organization of your own")
	return cmd
}

// callbackResult is what the loopback callback received: a token, or the
// ticket of a sign-in that waits for the user's choice.
type callbackResult struct{ token, ticket string }

// browserLogin waits on a loopback port for the server to hand back a token
// after GitHub sign-in. The callback URL carries a random state; a request
// without it is refused, so another local process cannot plant a token.
func browserLogin(ctx context.Context, o *clikit.Options, server string, timeout time.Duration, ch choice) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("listening for the sign-in callback: %w", err)
	}
	state, err := randomState()
	if err != nil {
		return "", err
	}
	got := make(chan callbackResult, 1)
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if r.URL.Path != "/callback" || subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(state)) != 1 {
			http.Error(w, "this callback was not started by this orchestera login", http.StatusBadRequest)
			return
		}
		res := callbackResult{token: q.Get("token"), ticket: q.Get("ticket")}
		if res.token == "" && res.ticket == "" {
			http.Error(w, "no token in the callback", http.StatusBadRequest)
			return
		}
		select {
		case got <- res:
			if res.ticket != "" {
				fmt.Fprintln(w, "Signed in. You have pending invitations: choose in the terminal.")
			} else {
				fmt.Fprintln(w, "Signed in. You can close this tab and return to the terminal.")
			}
		default:
			http.Error(w, "this login already received its callback", http.StatusConflict)
		}
	})}
	go srv.Serve(ln)
	defer srv.Close()

	callback := fmt.Sprintf("http://%s/callback?state=%s", ln.Addr(), state)
	fmt.Fprintf(o.Err, "Open this URL in a browser to sign in with GitHub:\n\n  %s/auth/github/login?cli_redirect=%s\n\nWaiting up to %s...\n",
		server, url.QueryEscape(callback), timeout)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	select {
	case res := <-got:
		if res.token != "" {
			return res.token, nil
		}
		return ch.decide(ctx, client.New(server, ""), res.ticket)
	case <-ctx.Done():
		return "", fmt.Errorf("no sign-in arrived within %s; run login again, or pass --token", timeout)
	}
}

func randomState() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// choice is how a sign-in with pending invitations is answered: by a flag,
// or by the user at a prompt.
type choice struct {
	accept string
	create bool
	in     io.Reader
	out    io.Writer
}

// decide shows the offers, takes the user's explicit choice and returns the
// token the server mints for it.
func (ch choice) decide(ctx context.Context, c *client.Client, ticket string) (string, error) {
	offer, err := c.SignInChoice(ctx, ticket)
	if err != nil {
		return "", err
	}
	var invs []api.InvitationOffer
	if offer.Choice != nil {
		invs = offer.Choice.Invitations
	}
	fmt.Fprintf(ch.out, "\n%s is invited to:\n", offer.User.Email)
	for i, inv := range invs {
		fmt.Fprintf(ch.out, "  %d) %s as %s, invited by %s (%s)\n", i+1, inv.Organization, inv.Role, inv.InvitedBy, inv.ID)
	}
	accept, create := ch.accept, ch.create
	if accept == "" && !create {
		fmt.Fprintf(ch.out, "Accept one? Type its number, \"new\" for an organization of your own, or nothing to stop: ")
		line, _ := bufio.NewReader(ch.in).ReadString('\n')
		line = strings.TrimSpace(line)
		n, err := strconv.Atoi(line)
		switch {
		case line == "new":
			create = true
		case err == nil && n >= 1 && n <= len(invs):
			accept = invs[n-1].ID
		default:
			return "", errors.New("no choice made, nothing joined: run login again and choose, or pass --accept-invitation ID or --create-organization")
		}
	}
	var done api.SignedIn
	if create {
		done, err = c.CreateOrganization(ctx, ticket, "cli-login")
	} else {
		done, err = c.AcceptInvitation(ctx, ticket, accept, "cli-login")
	}
	if err != nil {
		return "", clikit.Flagged(err, map[string]string{"invitation_id": "--accept-invitation"})
	}
	return done.Token, nil
}
