// Package clitest runs the whole orchestera CLI in tests, as main does,
// against a whole API server (apitest): what the tests of internal/cli and
// of its command packages share.
package clitest

import (
	"context"
	"io"
	"testing"

	"github.com/orchestera/orchestera/internal/api/apitest"
	"github.com/orchestera/orchestera/internal/cli"
	"github.com/orchestera/orchestera/internal/config"
)

// Server is a whole API server (apitest) with the local admin's token.
type Server struct {
	*apitest.Server
	Token string
}

// NewServer starts a server with the local organization, its admin and the
// local stack; it stops when the test ends.
func NewServer(t *testing.T) Server {
	t.Helper()
	s := apitest.Start(t)
	orgID, token, err := s.Identity.EnsureLocal(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Stacks.EnsureLocal(context.Background(), orgID); err != nil {
		t.Fatal(err)
	}
	return Server{Server: s, Token: token}
}

// HomeFor is a new home whose config logs in to s as its admin.
func HomeFor(t *testing.T, s Server) string {
	t.Helper()
	home := t.TempDir()
	if err := config.Save(home, config.Client{Server: s.URL, Token: s.Token}); err != nil {
		t.Fatal(err)
	}
	return home
}

// Run executes the CLI with args in home and returns stdout (with stderr
// mixed in) and the error.
func Run(t *testing.T, home string, args ...string) (string, error) {
	t.Helper()
	out := &apitest.Buffer{}
	err := RunTo(out, home, args...)
	return out.String(), err
}

// RunTo executes the CLI with args in home, writing stdout and stderr to
// out.
func RunTo(out io.Writer, home string, args ...string) error {
	root := cli.NewRoot()
	root.SetArgs(append([]string{"--home", home}, args...))
	root.SetOut(out)
	root.SetErr(out)
	return root.ExecuteContext(context.Background())
}

// Result is one CLI invocation through cli.Execute, as main runs it.
type Result struct {
	Stdout, Stderr string
	Code           int
}

// Execute runs the CLI with args in home, stdin from stdin unless nil, and
// returns what it printed and its exit code.
func Execute(t *testing.T, home string, stdin io.Reader, args ...string) Result {
	t.Helper()
	root := cli.NewRoot()
	root.SetArgs(append([]string{"--home", home}, args...))
	out, errb := &apitest.Buffer{}, &apitest.Buffer{}
	root.SetOut(out)
	root.SetErr(errb)
	if stdin != nil {
		root.SetIn(stdin)
	}
	code := cli.Execute(root)
	return Result{out.String(), errb.String(), code}
}
