package eksstack

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/orchestera/orchestera/internal/aws/awsstack"
	"github.com/orchestera/orchestera/internal/domain"
	"github.com/orchestera/orchestera/internal/iampolicy"
	"github.com/orchestera/orchestera/internal/kube/kubestack"
)

// Sync reads the stack's parameters under
// /orchestera/sparklith/<cluster>/ and brings the cluster in line: an IAM
// role (IRSA) and service account annotation per iams parameter, a Secret
// per secrets parameter, the connections Secret. Roles made for
// parameters that are gone are deleted (the last report says which: the
// customer's policy cannot list roles). Each bad parameter is reported
// with its path and the problem, and the others still sync.
func (p *Provider) Sync(ctx context.Context, st domain.Stack, last domain.SyncReport) (domain.SyncReport, error) {
	c, _, err := p.AWS.Clients(ctx, st, "sync")
	if err != nil {
		return domain.SyncReport{}, err
	}
	spec := awsstack.SpecFor(st)
	params, err := awsstack.ReadParams(ctx, c.SSM, spec.ClusterName())
	if err != nil {
		return domain.SyncReport{}, err
	}
	nss, err := p.Sources.ListNamespaces(ctx, st.OrgID, st.ID)
	if err != nil {
		return domain.SyncReport{}, err
	}
	known := map[string]bool{}
	for _, ns := range nss {
		known[ns.Name] = true
	}
	var oidc awsstack.OIDCOutputs
	oidcErr := error(nil)
	if slices.ContainsFunc(params, func(pm awsstack.Param) bool { return pm.Kind == domain.ParamIAM }) {
		_, oidc, oidcErr = awsstack.ClusterOIDC(ctx, c.EKS, spec)
	}

	var r domain.SyncReport
	sources := map[string]kubestack.NamespaceSources{}
	for _, pm := range params {
		src := sources[pm.Namespace]
		switch {
		case pm.Problem != "":
			r.Items = append(r.Items, domain.SyncItem{Source: pm.Path, Problem: pm.Problem})
		case pm.Kind == domain.ParamSecrets:
			values, err := parseSecret(pm)
			s := kubestack.SecretSource{Alias: pm.Alias, Source: pm.Path, Values: values}
			if err != nil {
				s.Values, s.Problem = nil, err.Error()
			}
			src.Secrets = append(src.Secrets, s)
		default:
			it := domain.SyncItem{Namespace: pm.Namespace, Kind: domain.SyncIAM, Alias: pm.Alias, Source: pm.Path}
			role, account, arn, err := p.ensureRole(ctx, c, spec, oidc, oidcErr, known, src, pm)
			if err != nil {
				it.Problem = err.Error()
			} else {
				if src.Accounts == nil {
					src.Accounts = map[string]string{}
				}
				src.Accounts[account] = arn
				r.Owned = append(r.Owned, role)
			}
			r.Items = append(r.Items, it)
		}
		sources[pm.Namespace] = src
	}
	for _, role := range last.Owned {
		if slices.Contains(r.Owned, role) {
			continue
		}
		if err := awsstack.DestroyAccessRole(ctx, c.IAM, spec, role); err != nil {
			r.Owned = append(r.Owned, role) // tried again next time
			r.Items = append(r.Items, domain.SyncItem{Kind: domain.SyncIAM, Source: "role " + role, Problem: "its parameter is gone, but deleting it failed: " + err.Error()})
			continue
		}
		r.Removed++
	}
	items, removed, err := p.kube.SyncStack(ctx, st, sources)
	if err != nil {
		return r, err
	}
	r.Items, r.Removed = append(r.Items, items...), r.Removed+removed
	return r, nil
}

// ensureRole makes one iams parameter's role, returning the role's name,
// the service account it is for and its ARN.
func (p *Provider) ensureRole(ctx context.Context, c awsstack.Clients, spec awsstack.StackSpec, oidc awsstack.OIDCOutputs, oidcErr error,
	known map[string]bool, src kubestack.NamespaceSources, pm awsstack.Param) (string, string, string, error) {
	a, err := iampolicy.ParseAccess(pm.Value)
	switch {
	case err != nil:
		return "", "", "", err
	case !known[pm.Namespace]:
		return "", "", "", fmt.Errorf("stack %s has no namespace %s (orchestera namespaces create %s --stack %s)", spec.StackName, pm.Namespace, pm.Namespace, spec.StackName)
	case src.Accounts[a.ServiceAccountName] != "":
		return "", "", "", fmt.Errorf("another iams parameter of namespace %s is for service account %s already", pm.Namespace, a.ServiceAccountName)
	case oidcErr != nil:
		return "", "", "", fmt.Errorf("the cluster's OIDC provider: %v", oidcErr)
	}
	arn, err := awsstack.EnsureAccessRole(ctx, c.IAM, spec, oidc, pm.Namespace, pm.Alias, a)
	if err != nil {
		return "", "", "", err
	}
	return a.RoleName, a.ServiceAccountName, arn, nil
}

var envKey = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// parseSecret reads a secrets parameter: a SecureString holding a flat
// JSON object of strings, whose keys become environment variables. Errors
// name keys, never values.
func parseSecret(pm awsstack.Param) (map[string]string, error) {
	if !pm.Secure {
		return nil, fmt.Errorf("must be a SecureString: a String parameter is stored and shown in clear")
	}
	var raw map[string]any
	if err := json.Unmarshal([]byte(pm.Value), &raw); err != nil {
		return nil, fmt.Errorf("not a JSON object of strings")
	}
	out := make(map[string]string, len(raw))
	for k, v := range raw {
		s, ok := v.(string)
		switch {
		case !ok:
			return nil, fmt.Errorf("the value of %s is not a string: a secret is a flat object of strings", k)
		case !envKey.MatchString(k):
			return nil, fmt.Errorf("%q is not an environment variable name", k)
		case strings.HasPrefix(k, "ORCH_"):
			return nil, fmt.Errorf("%s is a reserved name: the platform sets ORCH_* itself", k)
		}
		out[k] = s
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("it has no keys")
	}
	return out, nil
}
