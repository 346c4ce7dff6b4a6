package kubestack

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/orchestera/orchestera/internal/domain"
)

var apply = metav1.ApplyOptions{FieldManager: fieldManager, Force: true}

// EnsureNamespace applies a stack namespace: the Kubernetes namespace, the
// spark and orchestera-user ServiceAccounts with their Roles and
// RoleBindings. A namespace of that name that is not the stack's is refused.
func EnsureNamespace(ctx context.Context, cs kubernetes.Interface, o Owner, name string) error {
	got, err := cs.CoreV1().Namespaces().Get(ctx, name, metav1.GetOptions{})
	switch {
	case err == nil && !o.Owns(got.Labels):
		return domain.WithFix(domain.Errorf(domain.CodeConflict, "namespace %s exists in the cluster and is not stack %s's", name, o.Stack),
			"Orchestera never adopts what it did not create: use another namespace name, or delete or relabel the namespace yourself")
	case err != nil && !apierrors.IsNotFound(err):
		return fmt.Errorf("reading namespace %s: %w", name, err)
	}
	if _, err := cs.CoreV1().Namespaces().Apply(ctx, namespaceObject(o, name), apply); err != nil {
		return fmt.Errorf("applying namespace %s: %w", name, err)
	}
	for account, rules := range accountRules {
		if _, err := cs.CoreV1().ServiceAccounts(name).Apply(ctx, serviceAccount(o, name, account), apply); err != nil {
			return fmt.Errorf("applying service account %s/%s: %w", name, account, err)
		}
		if _, err := cs.RbacV1().Roles(name).Apply(ctx, role(o, name, account, rules), apply); err != nil {
			return fmt.Errorf("applying role %s/%s: %w", name, account, err)
		}
		if _, err := cs.RbacV1().RoleBindings(name).Apply(ctx, binding(o, name, account), apply); err != nil {
			return fmt.Errorf("applying role binding %s/%s: %w", name, account, err)
		}
	}
	return nil
}

// DeleteNamespace deletes the namespace if it is the stack's; absent is
// success. Kubernetes then deletes everything in it.
func DeleteNamespace(ctx context.Context, cs kubernetes.Interface, o Owner, name string) error {
	got, err := cs.CoreV1().Namespaces().Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) || (err == nil && !o.Owns(got.Labels)) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading namespace %s: %w", name, err)
	}
	if err := cs.CoreV1().Namespaces().Delete(ctx, name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("deleting namespace %s: %w", name, err)
	}
	return nil
}

// OwnedNamespaces lists the stack's namespaces in the cluster, with the
// ones still being deleted.
func OwnedNamespaces(ctx context.Context, cs kubernetes.Interface, o Owner) ([]string, error) {
	list, err := cs.CoreV1().Namespaces().List(ctx, metav1.ListOptions{LabelSelector: o.Selector()})
	if err != nil {
		return nil, fmt.Errorf("listing the stack's namespaces: %w", err)
	}
	var out []string
	for _, ns := range list.Items {
		out = append(out, ns.Name)
	}
	return out, nil
}

// EnsureNamespaces applies every namespace of the stack and deletes the
// stack's namespaces that are no longer its.
func EnsureNamespaces(ctx context.Context, cs kubernetes.Interface, o Owner, names []string) error {
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
		if err := EnsureNamespace(ctx, cs, o, n); err != nil {
			return err
		}
	}
	owned, err := OwnedNamespaces(ctx, cs, o)
	if err != nil {
		return err
	}
	for _, n := range owned {
		if !want[n] {
			if err := DeleteNamespace(ctx, cs, o, n); err != nil {
				return err
			}
		}
	}
	return nil
}
