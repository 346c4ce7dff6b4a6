// Package cli is the orchestera command line: every command except `server`
// is a client of the HTTP API. One command per file.
package cli
