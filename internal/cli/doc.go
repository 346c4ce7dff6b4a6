// Package cli is the orchestera command line: every command except `server`
// is a client of the HTTP API. It builds the root command and wires in the
// command packages beside it (awscmd, runcmd), which share clikit; the
// commands it keeps are one per file.
package cli
