// Package web is the console: server-rendered pages for organizations, AWS
// setup and connections, the stack wizard and attaching a cluster, stacks
// with live progress and their sync status, namespaces with their
// datasources, secrets and kubeconfig, runs with live logs, and the audit
// log, served by `orchestera server` at /.
//
// It calls the same services as the API (identity, connections, stacks,
// runs, secrets), so every rule and every error message comes from the
// domain; a failed call answers the status the API would (api.ProblemOf),
// and the console sits behind the API's limits. Templates
// and assets are embedded; the small script in static/ only enhances pages
// that work without it, and live parts stream over server-sent events.
//
// A browser session is an API token of its own ("console session"), kept
// in an HttpOnly, SameSite cookie; every unsafe request must carry the
// session's CSRF token and pass net/http's cross-origin check.
package web
