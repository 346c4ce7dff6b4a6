// Command orchestera is the one binary: `orchestera server` runs the control
// plane, every other subcommand is a client of its HTTP API. This package is
// the only place where adapters are wired together.
package main

import (
	"os"

	"github.com/orchestera/orchestera/internal/cli"
)

func main() {
	os.Exit(cli.Execute(cli.NewRoot(newServerCommand())))
}
