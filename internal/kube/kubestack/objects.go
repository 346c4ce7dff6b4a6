package kubestack

import (
	rbacv1 "k8s.io/api/rbac/v1"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"
	rbacv1ac "k8s.io/client-go/applyconfigurations/rbac/v1"
)

// The labels on everything the platform creates in a cluster.
const (
	LabelManagedBy = "orchestera.io/managed-by"
	LabelOrg       = "orchestera.io/org"
	LabelStack     = "orchestera.io/stack"
	managedBy      = "orchestera"
	fieldManager   = "orchestera"
)

// The Spark nodes: Karpenter labels and taints them, Spark pods select and
// tolerate them; system pods stay off them.
const (
	SparkNodeKey   = "dedicated"
	SparkNodeValue = "spark"
)

// The accounts of a namespace: the one Spark drivers run as, and the one
// people's tokens are for.
const (
	SparkAccount = "spark"
	UserAccount  = "orchestera-user"
)

// Owner is the stack a cluster object belongs to.
type Owner struct {
	OrgID, Stack string
}

// Labels are the ownership labels.
func (o Owner) Labels() map[string]string {
	return map[string]string{LabelManagedBy: managedBy, LabelOrg: o.OrgID, LabelStack: o.Stack}
}

// Owns reports whether labels mark an object as the stack's.
func (o Owner) Owns(labels map[string]string) bool {
	return labels[LabelManagedBy] == managedBy && labels[LabelOrg] == o.OrgID && labels[LabelStack] == o.Stack
}

// Selector selects the stack's objects.
func (o Owner) Selector() string {
	return LabelManagedBy + "=" + managedBy + "," + LabelOrg + "=" + o.OrgID + "," + LabelStack + "=" + o.Stack
}

// driverRules are what a Spark driver in client mode needs in its namespace:
// its executor pods, their service, config maps (the pod template) and
// volume claims. Spark deletes its executors with one collection delete.
var driverRules = []*rbacv1ac.PolicyRuleApplyConfiguration{
	rbacv1ac.PolicyRule().WithAPIGroups("").WithResources("pods", "services", "configmaps", "persistentvolumeclaims").
		WithVerbs("get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"),
	rbacv1ac.PolicyRule().WithAPIGroups("").WithResources("pods/log").WithVerbs("get"),
}

// userRules are what a person's token may do in one namespace: see and run
// pods, read their logs, reach them (notebooks), never read secrets.
var userRules = []*rbacv1ac.PolicyRuleApplyConfiguration{
	rbacv1ac.PolicyRule().WithAPIGroups("").WithResources("pods", "services", "configmaps", "persistentvolumeclaims").
		WithVerbs("get", "list", "watch", "create", "update", "patch", "delete"),
	rbacv1ac.PolicyRule().WithAPIGroups("").WithResources("pods/log", "events").WithVerbs("get", "list", "watch"),
	rbacv1ac.PolicyRule().WithAPIGroups("").WithResources("pods/portforward").WithVerbs("create"),
}

func namespaceObject(o Owner, name string) *corev1ac.NamespaceApplyConfiguration {
	return corev1ac.Namespace(name).WithLabels(o.Labels())
}

func serviceAccount(o Owner, ns, name string) *corev1ac.ServiceAccountApplyConfiguration {
	return corev1ac.ServiceAccount(name, ns).WithLabels(o.Labels())
}

func role(o Owner, ns, name string, rules []*rbacv1ac.PolicyRuleApplyConfiguration) *rbacv1ac.RoleApplyConfiguration {
	return rbacv1ac.Role(name, ns).WithLabels(o.Labels()).WithRules(rules...)
}

// binding binds the Role name to the ServiceAccount of the same name.
func binding(o Owner, ns, name string) *rbacv1ac.RoleBindingApplyConfiguration {
	return rbacv1ac.RoleBinding(name, ns).WithLabels(o.Labels()).
		WithRoleRef(rbacv1ac.RoleRef().WithAPIGroup(rbacv1.GroupName).WithKind("Role").WithName(name)).
		WithSubjects(rbacv1ac.Subject().WithKind(rbacv1.ServiceAccountKind).WithName(name).WithNamespace(ns))
}

// accountRules are each account's Role.
var accountRules = map[string][]*rbacv1ac.PolicyRuleApplyConfiguration{SparkAccount: driverRules, UserAccount: userRules}
