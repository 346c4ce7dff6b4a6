package eksstack

import (
	"context"
	"errors"
	"strings"
	"time"

	"k8s.io/client-go/dynamic"

	"github.com/orchestera/orchestera/internal/aws/awsstack"
	"github.com/orchestera/orchestera/internal/domain"
	"github.com/orchestera/orchestera/internal/kube/karpenter"
	"github.com/orchestera/orchestera/internal/kube/kubestack"
)

// The Kubernetes steps of an aws-eks stack.
const (
	StepNamespaces = "namespaces"
	StepChart      = "karpenter-chart"
	StepNodePool   = "spark-nodepool"
)

// kubeSteps bootstrap the cluster once it exists: the namespaces, then
// Karpenter (on the system nodes, with its queue and role), then the Spark
// node pool. Destroyed in reverse before the cluster: the pool's nodes
// first, which would otherwise outlive it and hold the network.
func (p *Provider) kubeSteps(st domain.Stack) []domain.Step {
	spec := awsstack.SpecFor(st)
	release := karpenter.Release{Namespace: "karpenter", Name: "karpenter"}
	pool := "spark"
	if p.Kubeconfig != "" { // stacks share one API server
		id := strings.ReplaceAll(strings.ToLower(st.ID), "_", "-")
		release.Namespace += "-" + id
		pool += "-" + id
	}
	o := st.Options.WithDefaults()
	owner := kubestack.Owner{OrgID: st.OrgID, Stack: st.Name}
	poolOf := func(r domain.StepRun) (karpenter.Pool, error) {
		var iamOut awsstack.IAMOutputs
		var net awsstack.NetworkOutputs
		err := errors.Join(domain.ReadOutput(r, awsstack.StepIAM, &iamOut), domain.ReadOutput(r, awsstack.StepNetwork, &net))
		return karpenter.Pool{Name: pool, Labels: owner.Labels(), CPULimit: o.SparkCPULimit, CapacityTypes: o.CapacityTypes,
			InstanceFamilies: o.InstanceFamilies, NodeRole: iamOut.NodeRoleName, Subnets: net.PrivateSubnetIDs,
			Cluster: spec.ClusterName(), Tags: spec.Tags()}, err
	}
	dynamicClient := func(ctx context.Context) (dynamic.Interface, error) {
		_, cfg, err := p.kube.Client(ctx, st)
		if err != nil {
			return nil, err
		}
		return dynamic.NewForConfig(cfg)
	}
	return []domain.Step{
		p.kube.NamespacesStep(st, awsstack.StepCluster),
		{Name: StepChart, After: []string{awsstack.StepKarpenter, awsstack.StepNodegroup}, Estimate: 20 * time.Second,
			Resources: []string{"Helm release karpenter"},
			Ensure: func(ctx context.Context, r domain.StepRun) error {
				var cl awsstack.ClusterOutputs
				var k awsstack.KarpenterOutputs
				if err := errors.Join(domain.ReadOutput(r, awsstack.StepCluster, &cl), domain.ReadOutput(r, awsstack.StepKarpenter, &k)); err != nil {
					return err
				}
				_, cfg, err := p.kube.Client(ctx, st)
				if err != nil {
					return err
				}
				release.Values = karpenter.Values(karpenter.Settings{ClusterName: cl.Name, ClusterEndpoint: cl.Endpoint,
					InterruptionQueue: k.QueueName, ControllerRoleARN: k.ControllerRoleARN, SystemNodegroup: spec.SystemNodegroup()})
				return karpenter.Install(ctx, cfg, p.Chart, release, p.Log)
			},
			Destroy: func(ctx context.Context, _ domain.StepRun) error {
				_, cfg, err := p.kube.Client(ctx, st)
				if kubestack.Gone(err) {
					return nil
				}
				if err != nil {
					return err
				}
				return karpenter.Uninstall(ctx, cfg, release, p.Log)
			}},
		{Name: StepNodePool, After: []string{StepChart, awsstack.StepIAM, awsstack.StepNetwork}, Estimate: 5 * time.Second,
			Resources: []string{"karpenter.sh/NodePool spark", "karpenter.k8s.aws/EC2NodeClass spark"},
			Ensure: func(ctx context.Context, r domain.StepRun) error {
				np, err := poolOf(r)
				if err != nil {
					return err
				}
				dc, err := dynamicClient(ctx)
				if err != nil {
					return err
				}
				return karpenter.Apply(ctx, dc, np)
			},
			Destroy: func(ctx context.Context, r domain.StepRun) error {
				np, _ := poolOf(r) // deleting needs only its name and labels
				dc, err := dynamicClient(ctx)
				if kubestack.Gone(err) {
					return nil
				}
				if err != nil {
					return err
				}
				return karpenter.Delete(ctx, dc, np)
			}},
	}
}
