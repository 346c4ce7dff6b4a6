// Package domain holds Orchestera's types and rules: organizations, users,
// memberships, invitations and API tokens, the errors they produce, and the
// Store interface that adapters implement. It imports only the standard
// library so every adapter (SQL, HTTP, AWS, Kubernetes) can depend on it and
// it depends on none of them.
package domain
