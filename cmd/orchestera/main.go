// Command orchestera is the one binary: `orchestera server` runs the control
// plane, every other subcommand is a client of its HTTP API. This package is
// the only place where adapters are wired together.
package main

import (
	"os"

	"github.com/orchestera/orchestera/internal/cli"
	"github.com/orchestera/orchestera/internal/localrun"
)

func main() {
	// The server starts this binary again as the init of each local run;
	// that is not a command for people, so it is not in the command tree.
	if len(os.Args) > 1 && os.Args[1] == localrun.InitCommand {
		os.Exit(localrun.InitMain())
	}
	os.Exit(cli.Execute(cli.NewRoot(newServerCommand())))
}
