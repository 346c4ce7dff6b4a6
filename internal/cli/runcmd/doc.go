// Package runcmd is what runs code in a stack's namespace from the CLI:
// `orchestera run` (the submission, the project packed for Kubernetes
// stacks, the log follower that survives a server restart, the exit code),
// `orchestera runs` and `orchestera notebook`.
package runcmd
