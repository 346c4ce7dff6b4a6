package kubestack

import (
	"context"
	"fmt"
	"maps"
	"slices"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/orchestera/orchestera/internal/domain"
	"github.com/orchestera/orchestera/internal/runenv"
)

// LabelSecret marks a Secret the sync made from a secret source: its value
// is the alias. The connections Secret has LabelSecret too, with its own
// name.
const LabelSecret = "orchestera.io/secret"

// roleAnnotation is the IRSA annotation EKS's pod identity webhook reads.
const roleAnnotation = "eks.amazonaws.com/role-arn"

// iamManager owns the role annotations of service accounts, apart from the
// bootstrap's fields, so adding or removing one leaves the rest alone.
var iamApply = metav1.ApplyOptions{FieldManager: fieldManager + "-iam", Force: true}

// SecretSource is one secret to sync: its values, or why it cannot be.
type SecretSource struct {
	Alias, Source string
	Values        map[string]string
	Problem       string
}

// NamespaceSources is what one namespace should hold besides its accounts.
type NamespaceSources struct {
	Secrets []SecretSource
	// Accounts are the service accounts with an IAM role: name to role ARN.
	Accounts map[string]string
}

// SyncNamespace brings one namespace in line with its sources and its
// datasources: a Secret per secret, the connections Secret, the role
// annotations; the stack's Secrets and annotations whose source is gone are
// removed. It returns an item per secret and datasource, and how many
// objects it removed. An error is the cluster's, not a source's.
func SyncNamespace(ctx context.Context, cs kubernetes.Interface, o Owner, ns string, src NamespaceSources, ds []domain.Datasource) ([]domain.SyncItem, int, error) {
	var items []domain.SyncItem
	values := map[string]map[string]string{}
	for _, s := range src.Secrets {
		it := domain.SyncItem{Namespace: ns, Kind: domain.SyncSecret, Alias: s.Alias, Source: s.Source, Problem: s.Problem}
		if it.Problem == "" {
			problem, err := applySecret(ctx, cs, o, ns, s.Alias, s.Values)
			if err != nil {
				return nil, 0, err
			}
			it.Problem = problem
		}
		if it.Problem == "" {
			values[s.Alias] = s.Values
		}
		items = append(items, it)
	}
	file, problems := runenv.Connections(ds, values)
	for _, d := range ds {
		items = append(items, domain.SyncItem{Namespace: ns, Kind: domain.SyncDatasource, Alias: d.Name, Source: "datasource " + d.Name, Problem: problems[d.Name]})
	}
	if _, err := applySecret(ctx, cs, o, ns, runenv.ConnectionsSecret, map[string]string{runenv.ConnectionsKey: string(file)}); err != nil {
		return nil, 0, err
	}
	removed, err := removeSecrets(ctx, cs, o, ns, values)
	if err != nil {
		return nil, 0, err
	}
	n, err := annotateAccounts(ctx, cs, o, ns, src.Accounts)
	return items, removed + n, err
}

// applySecret applies a Secret of the stack's. A Secret of that name that
// is not the stack's is a problem of the source, never overwritten.
func applySecret(ctx context.Context, cs kubernetes.Interface, o Owner, ns, name string, data map[string]string) (string, error) {
	got, err := cs.CoreV1().Secrets(ns).Get(ctx, name, metav1.GetOptions{})
	switch {
	case err == nil && !o.Owns(got.Labels):
		return fmt.Sprintf("a Secret %s exists in namespace %s and is not Orchestera's: rename the alias or delete that Secret", name, ns), nil
	case err != nil && !apierrors.IsNotFound(err):
		return "", fmt.Errorf("reading secret %s/%s: %w", ns, name, err)
	}
	labels := o.Labels()
	labels[LabelSecret] = name
	bytes := make(map[string][]byte, len(data))
	for k, v := range data {
		bytes[k] = []byte(v)
	}
	obj := corev1ac.Secret(name, ns).WithLabels(labels).WithType(corev1.SecretTypeOpaque).WithData(bytes)
	if _, err := cs.CoreV1().Secrets(ns).Apply(ctx, obj, apply); err != nil {
		return "", fmt.Errorf("applying secret %s/%s: %w", ns, name, err)
	}
	return "", nil
}

// removeSecrets deletes the stack's synced Secrets whose source is gone.
func removeSecrets(ctx context.Context, cs kubernetes.Interface, o Owner, ns string, keep map[string]map[string]string) (int, error) {
	list, err := cs.CoreV1().Secrets(ns).List(ctx, metav1.ListOptions{LabelSelector: o.Selector() + "," + LabelSecret})
	if err != nil {
		return 0, fmt.Errorf("listing secrets in %s: %w", ns, err)
	}
	removed := 0
	for _, s := range list.Items {
		if _, ok := keep[s.Name]; ok || s.Name == runenv.ConnectionsSecret {
			continue
		}
		if err := cs.CoreV1().Secrets(ns).Delete(ctx, s.Name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
			return removed, fmt.Errorf("deleting secret %s/%s: %w", ns, s.Name, err)
		}
		removed++
	}
	return removed, nil
}

// annotateAccounts gives each service account its role annotation, and
// takes it off the stack's accounts that should have none; an account the
// sync created only for a role goes with it.
func annotateAccounts(ctx context.Context, cs kubernetes.Interface, o Owner, ns string, roles map[string]string) (int, error) {
	for _, name := range slices.Sorted(maps.Keys(roles)) {
		sa := corev1ac.ServiceAccount(name, ns).WithLabels(o.Labels()).WithAnnotations(map[string]string{roleAnnotation: roles[name]})
		if _, err := cs.CoreV1().ServiceAccounts(ns).Apply(ctx, sa, iamApply); err != nil {
			return 0, fmt.Errorf("annotating service account %s/%s: %w", ns, name, err)
		}
	}
	list, err := cs.CoreV1().ServiceAccounts(ns).List(ctx, metav1.ListOptions{LabelSelector: o.Selector()})
	if err != nil {
		return 0, fmt.Errorf("listing service accounts in %s: %w", ns, err)
	}
	removed := 0
	for _, sa := range list.Items {
		if _, ok := roles[sa.Name]; ok || sa.Annotations[roleAnnotation] == "" {
			continue
		}
		if _, base := accountRules[sa.Name]; !base {
			err = cs.CoreV1().ServiceAccounts(ns).Delete(ctx, sa.Name, metav1.DeleteOptions{})
		} else {
			// An empty apply gives up the fields this manager owned.
			_, err = cs.CoreV1().ServiceAccounts(ns).Apply(ctx, corev1ac.ServiceAccount(sa.Name, ns), iamApply)
		}
		if err != nil && !apierrors.IsNotFound(err) {
			return removed, fmt.Errorf("removing the role of service account %s/%s: %w", ns, sa.Name, err)
		}
		removed++
	}
	return removed, nil
}

// SyncStack syncs every namespace of the stack with its sources (by
// namespace) and datasources. Sources for a namespace the stack does not
// have are reported, not synced.
func (k *Kube) SyncStack(ctx context.Context, st domain.Stack, sources map[string]NamespaceSources) ([]domain.SyncItem, int, error) {
	cs, _, err := k.Client(ctx, st)
	if err != nil {
		return nil, 0, err
	}
	nss, err := k.Sources.ListNamespaces(ctx, st.OrgID, st.ID)
	if err != nil {
		return nil, 0, err
	}
	all, err := k.Sources.ListDatasources(ctx, st.OrgID, st.ID)
	if err != nil {
		return nil, 0, err
	}
	var items []domain.SyncItem
	removed := 0
	known := map[string]bool{}
	for _, ns := range nss {
		known[ns.Name] = true
		var ds []domain.Datasource
		for _, d := range all {
			if d.Namespace == ns.Name {
				ds = append(ds, d)
			}
		}
		got, n, err := SyncNamespace(ctx, cs, owner(st), ns.Name, sources[ns.Name], ds)
		if err != nil {
			return nil, 0, err
		}
		items, removed = append(items, got...), removed+n
	}
	for _, ns := range slices.Sorted(maps.Keys(sources)) {
		if known[ns] {
			continue
		}
		for _, s := range sources[ns].Secrets {
			items = append(items, domain.SyncItem{Namespace: ns, Kind: domain.SyncSecret, Alias: s.Alias, Source: s.Source,
				Problem: fmt.Sprintf("stack %s has no namespace %s (orchestera namespaces create %s --stack %s)", st.Name, ns, ns, st.Name)})
		}
	}
	return items, removed, nil
}
