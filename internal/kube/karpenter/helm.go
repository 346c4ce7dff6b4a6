package karpenter

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/cli"
	"helm.sh/helm/v3/pkg/registry"
	"helm.sh/helm/v3/pkg/storage/driver"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/orchestera/orchestera/internal/domain"
)

// Chart is where the chart comes from: an OCI reference such as
// oci://public.ecr.aws/karpenter/karpenter with its Version, or a chart
// directory or archive on the server's disk.
type Chart struct {
	Ref, Version string
	// CacheDir keeps pulled charts; it is the server's own.
	CacheDir string
}

// Release is one installation of the chart.
type Release struct {
	Namespace, Name string
	Values          map[string]any
}

// Install installs the release, or upgrades it to the chart and values
// given (helm upgrade --install), without waiting for its pods: the
// NodePool step waits for what it needs. A release with an operation in
// progress is not ready yet.
func Install(ctx context.Context, cfg *rest.Config, ch Chart, r Release, log *slog.Logger) error {
	ac, err := configuration(cfg, r.Namespace, log)
	if err != nil {
		return err
	}
	c, err := load(ac, ch)
	if err != nil {
		return err
	}
	last, err := action.NewHistory(ac).Run(r.Name)
	switch {
	case errors.Is(err, driver.ErrReleaseNotFound):
		in := action.NewInstall(ac)
		in.ReleaseName, in.Namespace, in.CreateNamespace, in.Timeout = r.Name, r.Namespace, true, 5*time.Minute
		_, err = in.RunWithContext(ctx, c, r.Values)
	case err != nil:
		return fmt.Errorf("reading release %s/%s: %w", r.Namespace, r.Name, err)
	case len(last) > 0 && last[len(last)-1].Info.Status.IsPending():
		return domain.NotReady(5*time.Second, "release %s/%s is %s", r.Namespace, r.Name, last[len(last)-1].Info.Status)
	default:
		up := action.NewUpgrade(ac)
		up.Namespace, up.Timeout = r.Namespace, 5*time.Minute
		_, err = up.RunWithContext(ctx, r.Name, c, r.Values)
	}
	if err != nil {
		return fmt.Errorf("installing chart %s as %s/%s: %w", c.Metadata.Name, r.Namespace, r.Name, err)
	}
	return nil
}

// Uninstall removes the release; absent is success.
func Uninstall(ctx context.Context, cfg *rest.Config, r Release, log *slog.Logger) error {
	ac, err := configuration(cfg, r.Namespace, log)
	if err != nil {
		return err
	}
	if _, err := action.NewUninstall(ac).Run(r.Name); err != nil && !errors.Is(err, driver.ErrReleaseNotFound) {
		return fmt.Errorf("uninstalling release %s/%s: %w", r.Namespace, r.Name, err)
	}
	return nil
}

// Installed is the chart version and values of the deployed release.
func Installed(cfg *rest.Config, r Release) (version string, values map[string]any, err error) {
	ac, err := configuration(cfg, r.Namespace, nil)
	if err != nil {
		return "", nil, err
	}
	rel, err := action.NewGet(ac).Run(r.Name)
	if err != nil {
		return "", nil, err
	}
	return rel.Chart.Metadata.Version, rel.Config, nil
}

// load reads a chart from disk, pulling an OCI chart into the cache first.
func load(ac *action.Configuration, ch Chart) (*chart.Chart, error) {
	path := ch.Ref
	if strings.HasPrefix(ch.Ref, "oci://") {
		rc, err := registry.NewClient(registry.ClientOptCredentialsFile(""))
		if err != nil {
			return nil, err
		}
		ac.RegistryClient = rc
		settings := cli.New()
		settings.RepositoryCache = ch.CacheDir
		pull := action.NewInstall(ac) // its ChartPathOptions carry the registry client
		pull.Version = ch.Version
		if path, err = pull.LocateChart(ch.Ref, settings); err != nil {
			return nil, fmt.Errorf("pulling chart %s %s: %w", ch.Ref, ch.Version, err)
		}
	}
	c, err := loader.Load(path)
	if err != nil {
		return nil, fmt.Errorf("loading chart %s: %w", path, err)
	}
	if ch.Version != "" && c.Metadata.Version != ch.Version {
		return nil, domain.WithFix(fmt.Errorf("chart %s is version %s, not %s", path, c.Metadata.Version, ch.Version),
			"set the server's Karpenter chart version to the chart's, or point it at the chart of that version")
	}
	return c, nil
}

// configuration is Helm's action configuration on a cluster, keeping
// releases in Secrets of the release's namespace (Helm's default).
func configuration(cfg *rest.Config, namespace string, log *slog.Logger) (*action.Configuration, error) {
	ac := new(action.Configuration)
	debug := func(format string, v ...any) {
		if log != nil {
			log.Debug(fmt.Sprintf(format, v...), "component", "helm")
		}
	}
	if err := ac.Init(getter{cfg: cfg, namespace: namespace}, namespace, "secret", debug); err != nil {
		return nil, fmt.Errorf("helm on the cluster: %w", err)
	}
	return ac, nil
}

// getter hands Helm the platform's connection to the cluster, in place of
// a kubeconfig file.
type getter struct {
	cfg       *rest.Config
	namespace string
}

func (g getter) ToRESTConfig() (*rest.Config, error) { return rest.CopyConfig(g.cfg), nil }

func (g getter) ToDiscoveryClient() (discovery.CachedDiscoveryInterface, error) {
	dc, err := discovery.NewDiscoveryClientForConfig(g.cfg)
	if err != nil {
		return nil, err
	}
	return memory.NewMemCacheClient(dc), nil
}

func (g getter) ToRESTMapper() (meta.RESTMapper, error) {
	dc, err := g.ToDiscoveryClient()
	if err != nil {
		return nil, err
	}
	return restmapper.NewShortcutExpander(restmapper.NewDeferredDiscoveryRESTMapper(dc), dc, nil), nil
}

func (g getter) ToRawKubeConfigLoader() clientcmd.ClientConfig {
	return clientcmd.NewDefaultClientConfig(*clientcmdapi.NewConfig(), &clientcmd.ConfigOverrides{Context: clientcmdapi.Context{Namespace: g.namespace}})
}
