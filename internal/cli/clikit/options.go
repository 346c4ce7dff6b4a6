package clikit

import (
	"context"
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

// ExitError ends the CLI with a specific exit code, e.g. a failed run's.
type ExitError struct {
	Code    int
	Message string // printed to stderr unless empty
}

func (e *ExitError) Error() string { return e.Message }

// ServerURL normalizes a server URL as typed: a trailing slash goes, and a
// loopback address without a scheme is http (local mode's); any other
// address without a scheme is refused with the fix, since guessing between
// http and https would either fail or send a token in clear.
func ServerURL(flag, raw string) (string, error) {
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

// Client resolves the server and token: the token from ORCHESTERA_TOKEN or
// the config, the latter only when it was saved for this same server so a
// token is never sent to a server it was not made for.
func (o *Options) Client() (*client.Client, error) {
	server, token, err := o.Resolve()
	if err != nil {
		return nil, err
	}
	return client.New(server, token), nil
}

// Resolve returns the server to talk to and the token to send it.
func (o *Options) Resolve() (server, token string, err error) {
	cfg, err := config.Load(o.Home)
	if err != nil {
		return "", "", err
	}
	if server, err = ServerURL("--server", o.Server); err != nil {
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

// WithClient resolves the API client before running f.
func WithClient(o *Options, f func(*cobra.Command, *client.Client, []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		c, err := o.Client()
		if err != nil {
			return err
		}
		return f(cmd, c, args)
	}
}

// OnlyNamespace is the namespace given, or the stack's only one.
func OnlyNamespace(ctx context.Context, c *client.Client, stack, namespace string) (string, error) {
	if namespace != "" {
		return namespace, nil
	}
	nss, err := c.ListNamespaces(ctx, stack)
	if err != nil {
		return "", err
	}
	if len(nss) != 1 {
		var names []string
		for _, n := range nss {
			names = append(names, n.Name)
		}
		return "", fmt.Errorf("--namespace: stack %s has %d namespaces (%v): name one", stack, len(nss), names)
	}
	return nss[0].Name, nil
}
