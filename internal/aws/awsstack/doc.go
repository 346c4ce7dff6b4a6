// Package awsstack is the AWS side of a stack: the steps that build and
// tear down its VPC (one CloudFormation stack, called a cfnStack here so it
// is never confused with the product's stacks), IAM roles, EKS cluster,
// OIDC provider, system node group and Karpenter's queue and role, one file
// per step; the IAM actions each step needs; the leftover scan after a
// destroy; and the fixed-cost estimate of a plan. Provider hands the steps
// to the stack lifecycle (package stacks), which runs them with the step
// engine. Every step is an idempotent ensure that finds what it made by a
// deterministic name and our ownership tags, never adopts what is not
// ours, and answers domain.NotReady while AWS works instead of waiting.
package awsstack
