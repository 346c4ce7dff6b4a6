// Package kubestack is the Kubernetes side of a stack: for each stack
// namespace a Kubernetes namespace labelled as Orchestera's, with the
// `spark` ServiceAccount and the namespaced Role a Spark driver needs to run
// its executors (nothing cluster-wide), and the `orchestera-user` account
// whose short-lived tokens give people kubectl access to one namespace.
// Everything is applied with server-side apply, so applying again changes
// nothing; objects of ours are found by their labels, and a namespace of the
// same name that is not ours is refused, never adopted.
//
// Provider builds attached (kind kubernetes) stacks from the credential an
// admin attached; the EKS side (package eksstack) uses the same functions on
// the clusters it builds.
package kubestack
