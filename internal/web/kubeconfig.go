package web

import (
	"net/http"
	"strings"

	"github.com/orchestera/orchestera/internal/domain"
	"github.com/orchestera/orchestera/internal/kubeconfig"
)

// kubeconfigCommand is the binary the downloaded kubeconfig runs for its
// token: the CLI on the person's PATH (the CLI's own kubeconfig names its
// absolute path, which the server cannot know).
const kubeconfigCommand = "orchestera"

// kubeconfig downloads the kubeconfig `stacks kubeconfig` writes for one
// namespace. The cluster's address and CA come with a token, which is
// dropped: the file holds no credential, kubectl asks `orchestera token`
// for a fresh one, signed in to this server.
func (c *console) kubeconfig(w http.ResponseWriter, r *http.Request, s *session) error {
	stack, ns := r.PathValue("stack"), r.URL.Query().Get("namespace")
	if ns == "" {
		return domain.Invalid("namespace", "required", "name the namespace: ?namespace=N")
	}
	t, err := c.Stacks.Token(r.Context(), s.P, stack, ns)
	if err != nil {
		return err
	}
	out, err := kubeconfig.Build(kubeconfig.Access{Stack: stack, Namespace: ns, Endpoint: t.Endpoint, CA: t.CA,
		Command: kubeconfigCommand, Server: strings.TrimRight(c.PublicURL, "/")})
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/yaml")
	w.Header().Set("Content-Disposition", `attachment; filename="`+stack+"-"+ns+`.kubeconfig"`)
	_, err = w.Write(out)
	return err
}
