// Package clikit is what every command of the orchestera CLI needs: the
// global options and the API client they resolve, rendering as a table,
// JSON or YAML, argument and flag validators, shell completion from the
// server, and the error that ends the CLI with a chosen exit code. It
// holds no command.
package clikit
