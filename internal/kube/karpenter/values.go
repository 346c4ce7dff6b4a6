package karpenter

// Settings are what the chart is configured with from the stack.
type Settings struct {
	ClusterName, ClusterEndpoint, InterruptionQueue string
	ControllerRoleARN                               string // IRSA role of Karpenter's service account
	SystemNodegroup                                 string // where Karpenter runs
}

// Values are the chart's values for the stack: Karpenter's settings, its
// IRSA role, and a node selector keeping it on the system node group so
// it never runs on the nodes it manages.
func Values(s Settings) map[string]any {
	return map[string]any{
		"settings": map[string]any{
			"clusterName": s.ClusterName, "clusterEndpoint": s.ClusterEndpoint, "interruptionQueue": s.InterruptionQueue,
		},
		"serviceAccount": map[string]any{
			"annotations": map[string]any{"eks.amazonaws.com/role-arn": s.ControllerRoleARN},
		},
		"nodeSelector": map[string]any{"eks.amazonaws.com/nodegroup": s.SystemNodegroup},
	}
}
