package domain

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// HasCluster reports whether the kind's stacks are Kubernetes clusters:
// namespaces are Kubernetes namespaces, synced with secrets and roles.
func (k StackKind) HasCluster() bool { return k == StackAWS || k == StackKubernetes }

// ClusterNamespace is the namespace a cluster stack gets when none is named:
// Kubernetes's own "default" is never the platform's.
const ClusterNamespace = "spark"

// ValidateStackNamespace checks a namespace name for a stack of the kind:
// a DNS label, and on a cluster not one of Kubernetes's own namespaces,
// which are not the platform's to manage.
func ValidateStackNamespace(kind StackKind, name string) error {
	if err := ValidateNamespaceName(name); err != nil {
		return err
	}
	if kind.HasCluster() && (name == "default" || strings.HasPrefix(name, "kube-")) {
		return Invalid("name", "not_reserved", fmt.Sprintf("%s is one of Kubernetes's own namespaces (default, kube-*): choose another name, such as %s", name, ClusterNamespace))
	}
	return nil
}

// ValidateNamespaceList checks the namespaces a stack is created with.
func ValidateNamespaceList(kind StackKind, names []string) error {
	for i, ns := range names {
		var e *Error
		if errors.As(ValidateStackNamespace(kind, ns), &e) {
			return Invalid("namespaces", e.Fields[0].Rule, fmt.Sprintf("%q: %s", ns, e.Fields[0].Message))
		}
		if slices.Contains(names[:i], ns) {
			return Invalid("namespaces", "unique", ns+" is listed twice")
		}
	}
	return nil
}

// SyncKind is what a synced source becomes in the cluster.
type SyncKind string

// The kinds of synced source.
const (
	SyncSecret     SyncKind = "secret"     // a Secret <alias>
	SyncIAM        SyncKind = "iam"        // an IAM role and its service account
	SyncDatasource SyncKind = "datasource" // an entry of the connections Secret
)

// SyncReport is the last sync of a stack's secrets, roles and datasources.
type SyncReport struct {
	At      time.Time
	Items   []SyncItem // every source, synced or not
	Removed int        // what the platform made whose source is gone, removed
	// Owned is what the platform made outside the cluster (IAM role names),
	// so the next sync removes those whose source is gone: the customer's
	// policy cannot list roles.
	Owned []string `json:",omitempty"`
}

// SyncItem is one source (an SSM parameter, a stored secret, a datasource):
// where it is, what it becomes, and why it could not be synced, if it
// could not. Never its value.
type SyncItem struct {
	Namespace string   `json:"namespace"`
	Kind      SyncKind `json:"kind"`
	Alias     string   `json:"alias"`
	Source    string   `json:"source"`
	Problem   string   `json:"problem,omitempty"`
}

// Problems are the items that could not be synced; the others were.
func (r SyncReport) Problems() []SyncItem {
	var out []SyncItem
	for _, it := range r.Items {
		if it.Problem != "" {
			out = append(out, it)
		}
	}
	return out
}

// Synced counts the items brought in line.
func (r SyncReport) Synced() int { return len(r.Items) - len(r.Problems()) }

// The per-namespace SSM parameters of an aws-eks stack, the product's
// contract: ParamRoot + <cluster>/<namespace>/iams/<alias> holds an IAM
// role for a service account, .../secrets/<alias> a secret.
const (
	ParamRoot    = "/orchestera/sparklith/"
	ParamIAM     = "iams"
	ParamSecrets = "secrets"
)

// ParamPath is the path of one parameter.
func ParamPath(cluster, namespace, kind, alias string) string {
	return ParamRoot + cluster + "/" + namespace + "/" + kind + "/" + alias
}

// EKSClusterName is the name of an aws-eks stack's EKS cluster.
func EKSClusterName(stack string) string { return "orchestera-" + stack + "-cluster" }
