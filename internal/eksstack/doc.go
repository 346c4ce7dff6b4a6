// Package eksstack is an aws-eks stack whole: the AWS steps (package
// awsstack) and, once the cluster exists, its Kubernetes side (package
// kubestack: namespaces, Karpenter, the Spark node pool), reached with an
// EKS token made from the connection's assumed role, so the platform's own
// credentials never leave the server. It also syncs the per-namespace SSM
// parameters into IAM roles, service account annotations and Secrets.
package eksstack
