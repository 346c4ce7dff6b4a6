package karpenter

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"

	"github.com/orchestera/orchestera/internal/domain"
	"github.com/orchestera/orchestera/internal/kube/kubestack"
)

// The Karpenter APIs the Spark nodes are declared with.
var (
	NodePoolGVR     = schema.GroupVersionResource{Group: "karpenter.sh", Version: "v1", Resource: "nodepools"}
	NodeClaimGVR    = schema.GroupVersionResource{Group: "karpenter.sh", Version: "v1", Resource: "nodeclaims"}
	EC2NodeClassGVR = schema.GroupVersionResource{Group: "karpenter.k8s.aws", Version: "v1", Resource: "ec2nodeclasses"}
)

// What Spark pods select and tolerate (the runs' pods carry the same).
const (
	SparkLabel    = kubestack.SparkNodeKey
	SparkValue    = kubestack.SparkNodeValue
	fieldManager  = "orchestera"
	nodePoolLabel = "karpenter.sh/nodepool"
)

// Pool is the Spark nodes of one stack.
type Pool struct {
	Name             string            // of the NodePool and the EC2NodeClass
	Labels           map[string]string // ownership labels, on both
	CPULimit         int
	CapacityTypes    []string // spot, on-demand
	InstanceFamilies []string
	NodeRole         string   // the IAM role nodes run as
	Subnets          []string // private subnet ids
	Cluster          string   // the EKS cluster, whose security group nodes join
	Tags             map[string]string
}

// NodePool is the Spark NodePool: tainted and labelled nodes of the
// families and capacity types asked for, consolidated when empty, within
// the CPU limit.
func (p Pool) NodePool() *unstructured.Unstructured {
	reqs := []any{
		map[string]any{"key": "karpenter.sh/capacity-type", "operator": "In", "values": anyList(p.CapacityTypes)},
		map[string]any{"key": "karpenter.k8s.aws/instance-family", "operator": "In", "values": anyList(p.InstanceFamilies)},
		map[string]any{"key": "kubernetes.io/arch", "operator": "In", "values": []any{"amd64"}},
	}
	return object(NodePoolGVR, "NodePool", p.Name, p.Labels, map[string]any{
		"template": map[string]any{
			"metadata": map[string]any{"labels": map[string]any{SparkLabel: SparkValue}},
			"spec": map[string]any{
				"taints":       []any{map[string]any{"key": SparkLabel, "value": SparkValue, "effect": "NoSchedule"}},
				"requirements": reqs,
				"nodeClassRef": map[string]any{"group": EC2NodeClassGVR.Group, "kind": "EC2NodeClass", "name": p.Name},
				"expireAfter":  "720h",
			},
		},
		"limits":     map[string]any{"cpu": strconv.Itoa(p.CPULimit)},
		"disruption": map[string]any{"consolidationPolicy": "WhenEmpty", "consolidateAfter": "30s"},
	})
}

// NodeClass is the EC2NodeClass: the node role, the stack's private
// subnets, the cluster's security group, EKS's AL2023 image.
func (p Pool) NodeClass() *unstructured.Unstructured {
	var subnets []any
	for _, s := range p.Subnets {
		subnets = append(subnets, map[string]any{"id": s})
	}
	tags := map[string]any{}
	for k, v := range p.Tags {
		tags[k] = v
	}
	return object(EC2NodeClassGVR, "EC2NodeClass", p.Name, p.Labels, map[string]any{
		"role":                       p.NodeRole,
		"amiSelectorTerms":           []any{map[string]any{"alias": "al2023@latest"}},
		"subnetSelectorTerms":        subnets,
		"securityGroupSelectorTerms": []any{map[string]any{"tags": map[string]any{"aws:eks:cluster-name": p.Cluster}}},
		"tags":                       tags,
	})
}

func object(gvr schema.GroupVersionResource, kind, name string, labels map[string]string, spec map[string]any) *unstructured.Unstructured {
	l := map[string]any{}
	for k, v := range labels {
		l[k] = v
	}
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": gvr.GroupVersion().String(), "kind": kind,
		"metadata": map[string]any{"name": name, "labels": l},
		"spec":     spec,
	}}
}

func anyList(l []string) []any {
	out := make([]any, len(l))
	for i, s := range l {
		out[i] = s
	}
	return out
}

// Apply applies the EC2NodeClass and the NodePool. Until the chart's CRDs
// are served, it is not ready; objects of those names that are not the
// stack's are refused.
func Apply(ctx context.Context, dc dynamic.Interface, p Pool) error {
	for _, o := range []struct {
		gvr schema.GroupVersionResource
		obj *unstructured.Unstructured
	}{{EC2NodeClassGVR, p.NodeClass()}, {NodePoolGVR, p.NodePool()}} {
		got, err := dc.Resource(o.gvr).Get(ctx, p.Name, metav1.GetOptions{})
		switch {
		case meta.IsNoMatchError(err) || isMissingResource(err):
			return domain.NotReady(5*time.Second, "Karpenter's %s API is not served yet", o.gvr.Resource)
		case err == nil && !owns(got.GetLabels(), p.Labels):
			return domain.WithFix(domain.Errorf(domain.CodeConflict, "%s %s exists and is not this stack's", o.obj.GetKind(), p.Name),
				"Orchestera never adopts what it did not create: delete it, or it stays as it is")
		case err != nil && !apierrors.IsNotFound(err):
			return fmt.Errorf("reading %s %s: %w", o.obj.GetKind(), p.Name, err)
		}
		if _, err := dc.Resource(o.gvr).Apply(ctx, p.Name, o.obj, metav1.ApplyOptions{FieldManager: fieldManager, Force: true}); err != nil {
			if meta.IsNoMatchError(err) || isMissingResource(err) {
				return domain.NotReady(5*time.Second, "Karpenter's %s API is not served yet", o.gvr.Resource)
			}
			return fmt.Errorf("applying %s %s: %w", o.obj.GetKind(), p.Name, err)
		}
	}
	return nil
}

// Delete deletes the NodePool and the EC2NodeClass, then waits until
// Karpenter has terminated the pool's nodes: a node left running would
// keep the network from being deleted.
func Delete(ctx context.Context, dc dynamic.Interface, p Pool) error {
	for _, gvr := range []schema.GroupVersionResource{NodePoolGVR, EC2NodeClassGVR} {
		got, err := dc.Resource(gvr).Get(ctx, p.Name, metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err) || meta.IsNoMatchError(err):
			continue
		case err != nil:
			return fmt.Errorf("reading %s %s: %w", gvr.Resource, p.Name, err)
		case !owns(got.GetLabels(), p.Labels):
			continue
		}
		if err := dc.Resource(gvr).Delete(ctx, p.Name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("deleting %s %s: %w", gvr.Resource, p.Name, err)
		}
	}
	claims, err := dc.Resource(NodeClaimGVR).List(ctx, metav1.ListOptions{LabelSelector: nodePoolLabel + "=" + p.Name})
	switch {
	case meta.IsNoMatchError(err) || apierrors.IsNotFound(err):
		return nil
	case err != nil:
		return fmt.Errorf("listing the nodes of pool %s: %w", p.Name, err)
	case len(claims.Items) > 0:
		return domain.NotReady(10*time.Second, "Karpenter is terminating %d Spark nodes", len(claims.Items))
	}
	return nil
}

// isMissingResource tells a resource type the server does not serve (yet)
// from an object that does not exist: only the latter names the object.
func isMissingResource(err error) bool {
	var se *apierrors.StatusError
	if !errors.As(err, &se) || !apierrors.IsNotFound(err) {
		return false
	}
	d := se.ErrStatus.Details
	return d == nil || d.Name == ""
}

func owns(got, want map[string]string) bool {
	for k, v := range want {
		if got[k] != v {
			return false
		}
	}
	return len(want) > 0
}
