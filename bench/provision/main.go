// Command provision benchmarks the provisioning engine's scheduling against
// the best any scheduler could do.
//
// It runs the engine with a MemoryStore on fake steps that only sleep, for
// the durations of a latency model of a real AWS stack (the table below)
// divided by -scale, so that EKS's nine minutes take three seconds. The
// critical path of the scaled model (its longest dependency chain) is a
// lower bound on wall time; the ratio of the two is the engine's overhead
// and lost parallelism. It also projects the real-world time (wall × scale)
// and compares it with the EKS control plane's time alone. The last line,
// provision_critical_path_ratio=<wall / critical path>, is what scripts
// compare; the goals are printed above it.
//
//	go run ./bench/provision
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// The goals the summary checks.
const (
	goalRatio  = 1.05
	goalOverCP = 3 * time.Minute // projected time at most the control plane's plus this
)

// modelStep is one step of the stack with its typical real duration.
type modelStep struct {
	name      string
	after     []string
	took      time.Duration // unscaled
	resources []string
}

// model is the latency model of an AWS stack, unscaled. Durations are
// typical times in us-east-1; what dominates each step is in its comment.
var model = []modelStep{
	// One cfn stack: a VPC, public and private subnets in two or more AZs,
	// an internet gateway, route tables, and a NAT gateway per AZ. The NAT
	// gateways dominate: two to three minutes to become available.
	{"network", nil, 150 * time.Second, []string{"AWS::CloudFormation::Stack", "AWS::EC2::VPC", "AWS::EC2::Subnet",
		"AWS::EC2::InternetGateway", "AWS::EC2::NatGateway", "AWS::EC2::RouteTable"}},
	// Cluster and node roles and the nodes' instance profile: seconds of API
	// calls, then waiting out IAM's eventual consistency.
	{"iam", nil, 60 * time.Second, []string{"AWS::IAM::Role", "AWS::IAM::InstanceProfile"}},
	// The EKS control plane: about nine minutes from CreateCluster to ACTIVE.
	{"cluster", []string{"network", "iam"}, 9 * time.Minute, []string{"AWS::EKS::Cluster"}},
	// The cluster's OIDC provider, for IAM roles for service accounts.
	{"oidc", []string{"cluster"}, 10 * time.Second, []string{"AWS::IAM::OIDCProvider"}},
	// The system managed node group (where Karpenter and CoreDNS run): about
	// three minutes for instances to launch and join.
	{"nodegroup", []string{"cluster", "iam"}, 3 * time.Minute, []string{"AWS::EKS::Nodegroup"}},
	// Karpenter's interruption queue, its policy and the EventBridge rules
	// feeding it; needs nothing of the cluster.
	{"karpenter-prereqs", nil, 30 * time.Second, []string{"AWS::SQS::Queue", "AWS::SQS::QueuePolicy", "AWS::Events::Rule"}},
	// Karpenter's controller role (trusting the OIDC provider) and node
	// role. The controller's policy names the interruption queue, hence
	// karpenter-prereqs; it is never on the critical path.
	{"karpenter-roles", []string{"oidc", "karpenter-prereqs"}, 30 * time.Second, []string{"AWS::IAM::Role"}},
	// Namespaces, Karpenter's Helm release and NodePool, the stack marked
	// ready.
	{"finalize", []string{"nodegroup", "karpenter-roles"}, 30 * time.Second, []string{"Kubernetes::Namespace", "Karpenter::NodePool"}},
}

const eksStep = "cluster"

type options struct {
	scale    float64
	parallel int
	rounds   int
}

func main() {
	var o options
	flag.Float64Var(&o.scale, "scale", 180, "divide the model's durations by this (180: EKS's 9m takes 3s)")
	flag.IntVar(&o.parallel, "parallel", 0, "the engine's MaxParallel; 0 means no cap")
	flag.IntVar(&o.rounds, "rounds", 1, "provisions to measure; the summary shows the median")
	flag.Parse()
	if flag.NArg() > 0 || o.scale <= 0 || o.rounds < 1 || o.parallel < 0 {
		flag.Usage()
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, o)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench/provision:", err)
		os.Exit(1)
	}
}
