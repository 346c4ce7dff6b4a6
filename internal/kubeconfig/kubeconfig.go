// Package kubeconfig builds the kubeconfig people reach one namespace of a
// cluster stack with, for the CLI (`stacks kubeconfig`) and the console's
// download alike. It holds no credential: kubectl runs `orchestera token`,
// which asks the platform for a short-lived token of the namespace's
// orchestera-user account each time it needs one.
package kubeconfig

import (
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// Access is what the kubeconfig points at and how it gets its token.
type Access struct {
	Stack, Namespace string
	// Endpoint and CA (PEM) are the cluster's API server, as the
	// platform's token answer gives them.
	Endpoint string
	CA       []byte
	// Command is the orchestera binary kubectl runs; Server the platform's
	// URL it asks. Home, when set, is the CLI's config directory to use.
	Command, Server, Home string
}

// Build returns the kubeconfig as YAML, with one context,
// "<stack>-<namespace>", current.
func Build(a Access) ([]byte, error) {
	args := []string{"token", "--stack", a.Stack, "--namespace", a.Namespace}
	if a.Home != "" {
		args = append(args, "--home", a.Home)
	}
	args = append(args, "--server", a.Server)
	name := a.Stack + "-" + a.Namespace
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters[a.Stack] = &clientcmdapi.Cluster{Server: a.Endpoint, CertificateAuthorityData: a.CA}
	cfg.AuthInfos[name] = &clientcmdapi.AuthInfo{Exec: &clientcmdapi.ExecConfig{
		APIVersion: "client.authentication.k8s.io/v1", Command: a.Command, Args: args,
		InteractiveMode: clientcmdapi.NeverExecInteractiveMode,
	}}
	cfg.Contexts[name] = &clientcmdapi.Context{Cluster: a.Stack, AuthInfo: name, Namespace: a.Namespace}
	cfg.CurrentContext = name
	return clientcmd.Write(*cfg)
}
