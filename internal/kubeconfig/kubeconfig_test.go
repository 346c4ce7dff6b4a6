package kubeconfig

import (
	"strings"
	"testing"

	"k8s.io/client-go/tools/clientcmd"
)

func TestBuildRunsOrchesteraTokenAndHoldsNoCredential(t *testing.T) {
	for _, c := range []struct {
		name, home string
		want       []string
	}{
		{"the CLI's", "/home/ada/.orchestera", []string{"token", "--stack", "shared", "--namespace", "etl", "--home", "/home/ada/.orchestera", "--server", "https://orchestera.example.com"}},
		{"the console's", "", []string{"token", "--stack", "shared", "--namespace", "etl", "--server", "https://orchestera.example.com"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			raw, err := Build(Access{Stack: "shared", Namespace: "etl", Endpoint: "https://10.0.0.1:6443", CA: []byte("-----BEGIN CERTIFICATE-----\n"),
				Command: "orchestera", Server: "https://orchestera.example.com", Home: c.home})
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := clientcmd.Load(raw)
			if err != nil {
				t.Fatalf("kubectl cannot read it: %v\n%s", err, raw)
			}
			ctx := cfg.Contexts[cfg.CurrentContext]
			if cfg.CurrentContext != "shared-etl" || ctx.Namespace != "etl" || cfg.Clusters[ctx.Cluster].Server != "https://10.0.0.1:6443" {
				t.Fatalf("context %q: %+v, cluster %+v", cfg.CurrentContext, ctx, cfg.Clusters[ctx.Cluster])
			}
			u := cfg.AuthInfos[ctx.AuthInfo]
			if u.Token != "" || u.ClientKeyData != nil || u.Exec == nil || u.Exec.Command != "orchestera" || strings.Join(u.Exec.Args, " ") != strings.Join(c.want, " ") {
				t.Fatalf("user: %+v exec %+v", u, u.Exec)
			}
		})
	}
}
