// Package karpenter installs Karpenter on a stack's EKS cluster with the
// Helm SDK (the chart and its version are the server's configuration), and
// applies the NodePool and EC2NodeClass that bring up nodes for Spark: spot
// and on-demand, tainted dedicated=spark:NoSchedule and labelled
// dedicated=spark, removed when empty, within the stack's CPU limit.
// Karpenter itself runs on the system node group.
package karpenter
