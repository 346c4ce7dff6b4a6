package kubestack

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"syscall"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// Guard decides which addresses the server may connect to for an attached
// cluster. A hosted server must not be turned into a way of reaching its own
// network: loopback, link-local (the cloud's metadata service) and private
// addresses are refused unless AllowPrivate (a server on a user's own
// machine, or tests). The check is made on the address actually dialled,
// so a name that later resolves elsewhere is caught too.
type Guard struct {
	AllowPrivate bool
}

// CheckURL checks a cluster address before anything is kept.
func (g Guard) CheckURL(server string) error {
	u, err := url.Parse(server)
	if err != nil || u.Host == "" {
		return fmt.Errorf("the cluster's server %q is not a URL", server)
	}
	if g.AllowPrivate {
		return nil
	}
	ips, err := net.DefaultResolver.LookupNetIP(context.Background(), "ip", u.Hostname())
	if err != nil {
		return fmt.Errorf("cannot resolve the cluster's server %s: %v", u.Hostname(), err)
	}
	for _, ip := range ips {
		if err := g.checkIP(ip); err != nil {
			return err
		}
	}
	return nil
}

func (g Guard) checkIP(ip netip.Addr) error {
	ip = ip.Unmap()
	if g.AllowPrivate || ip.IsGlobalUnicast() && !ip.IsPrivate() {
		return nil
	}
	return fmt.Errorf("the cluster's server is at %s, a loopback, link-local or private address this server does not connect to", ip)
}

// dial connects only to addresses the guard allows.
func (g Guard) dial(ctx context.Context, network, address string) (net.Conn, error) {
	d := net.Dialer{Timeout: 10 * time.Second, ControlContext: func(_ context.Context, _, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return err
		}
		return g.checkIP(ap.Addr())
	}}
	return d.DialContext(ctx, network, address)
}

// restConfig is a client configuration from a kept kubeconfig.
func restConfig(kubeconfig []byte, g Guard) (*rest.Config, error) {
	cfg, err := clientcmd.RESTConfigFromKubeConfig(kubeconfig)
	if err != nil {
		return nil, err
	}
	cfg.Dial = g.dial
	cfg.UserAgent = "orchestera"
	return cfg, nil
}

func clientset(kubeconfig []byte, g Guard) (kubernetes.Interface, error) {
	cfg, err := restConfig(kubeconfig, g)
	if err != nil {
		return nil, err
	}
	return kubernetes.NewForConfig(cfg)
}
