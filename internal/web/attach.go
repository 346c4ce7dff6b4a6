package web

import (
	"io"
	"net/http"
	"strings"

	"github.com/orchestera/orchestera/internal/domain"
)

// maxKubeconfig is the API's bound on an attach's kubeconfig.
const maxKubeconfig = 256 << 10

func (c *console) attachRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /stacks/new/attach", c.authed(func(w http.ResponseWriter, r *http.Request, s *session) error {
		return c.attachForm(w, r, s, attachInput{Namespaces: domain.ClusterNamespace}, nil)
	}))
	mux.HandleFunc("POST /stacks/new/attach", c.authed(c.attach))
}

// attachInput is the form's answers but the kubeconfig, which holds a
// credential and is never sent back into a page.
type attachInput struct{ Name, Context, Namespaces string }

type attachData struct {
	In  attachInput
	Err *formError
}

func (c *console) attachForm(w http.ResponseWriter, r *http.Request, s *session, in attachInput, failed error) error {
	if err := domain.RequireAdmin(s.P); err != nil {
		return err
	}
	d := attachData{In: in}
	status := 0
	if failed != nil {
		d.Err = errorOf(failed)
		status = d.Err.Status
	}
	return c.render(w, r, status, "attach", view{Title: "Attach a cluster", Nav: "new", S: s, Err: d.Err, Data: d})
}

// attach calls the service as `stacks attach` does: it reaches the cluster,
// checks the credential's rights and keeps it sealed, then the stack's
// page follows the bootstrap of its namespaces.
func (c *console) attach(w http.ResponseWriter, r *http.Request, s *session) error {
	f := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	in := attachInput{Name: f("name"), Context: f("context"), Namespaces: f("namespaces")}
	kubeconfig, err := uploaded(r)
	if err == nil {
		var st domain.Stack
		st, err = c.Stacks.Attach(r.Context(), s.P, in.Name, kubeconfig, in.Context, splitList(in.Namespaces))
		if err == nil {
			return c.redirect(w, r, "/stacks/"+st.Name, "Attached "+st.Name+" at "+st.Endpoint+": its namespaces are being bootstrapped.")
		}
	}
	return c.attachForm(w, r, s, in, err)
}

// uploaded is the kubeconfig: the file chosen, else the text pasted.
func uploaded(r *http.Request) ([]byte, error) {
	var raw []byte
	if file, _, err := r.FormFile("kubeconfig_file"); err == nil {
		defer file.Close()
		if raw, err = io.ReadAll(io.LimitReader(file, maxKubeconfig+1)); err != nil {
			return nil, err
		}
	}
	if len(raw) == 0 {
		raw = []byte(r.PostFormValue("kubeconfig"))
	}
	switch {
	case len(strings.TrimSpace(string(raw))) == 0:
		return nil, domain.Invalid("kubeconfig", "required", "choose the kubeconfig file, or paste it (kubectl config view --minify --flatten --raw)")
	case len(raw) > maxKubeconfig:
		return nil, domain.Invalid("kubeconfig", "max_length", "is larger than 256 KiB: keep the one context (kubectl config view --minify --flatten --raw)")
	}
	return raw, nil
}

// splitList splits a list typed as "a, b c".
func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' })
}
