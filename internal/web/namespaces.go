package web

import (
	"net/http"
	"strings"

	"github.com/orchestera/orchestera/internal/domain"
)

func (c *console) namespaceRoutes(mux *http.ServeMux) {
	const ns = "/stacks/{stack}/namespaces/{namespace}"
	mux.HandleFunc("GET "+ns, c.authed(func(w http.ResponseWriter, r *http.Request, s *session) error {
		return c.namespacePage(w, r, s, namespaceForms{})
	}))
	mux.HandleFunc("GET "+ns+"/delete", c.authed(func(w http.ResponseWriter, r *http.Request, s *session) error {
		st, n, err := c.Stacks.Resolve(r.Context(), s.P, r.PathValue("stack"), r.PathValue("namespace"))
		if err != nil {
			return err
		}
		return c.render(w, r, 0, "confirm", view{Title: "Delete namespace " + n.Name, Nav: "stacks", S: s, Data: namespaceConfirm(st, n.Name)})
	}))
	mux.HandleFunc("POST "+ns+"/delete", c.authed(c.deleteNamespace))
	mux.HandleFunc("POST "+ns+"/datasources", c.authed(c.putDatasource))
	mux.HandleFunc("POST "+ns+"/datasources/{name}/delete", c.authed(func(w http.ResponseWriter, r *http.Request, s *session) error {
		stack, n, name := r.PathValue("stack"), r.PathValue("namespace"), r.PathValue("name")
		if err := c.Stacks.DeleteDatasource(r.Context(), s.P, stack, n, name); err != nil {
			return err
		}
		return c.redirect(w, r, namespacePath(stack, n)+"#datasources", "Removed datasource "+name+"; the next sync takes it out of the connections Secret.")
	}))
	mux.HandleFunc("POST "+ns+"/secrets", c.authed(c.putSecret))
	mux.HandleFunc("POST "+ns+"/secrets/{alias}/delete", c.authed(func(w http.ResponseWriter, r *http.Request, s *session) error {
		stack, n, alias := r.PathValue("stack"), r.PathValue("namespace"), r.PathValue("alias")
		if err := c.Secrets.Delete(r.Context(), s.P, stack, n, alias); err != nil {
			return err
		}
		return c.redirect(w, r, namespacePath(stack, n)+"#secrets", "Deleted secret "+alias+".")
	}))
}

func namespacePath(stack, ns string) string { return "/stacks/" + stack + "/namespaces/" + ns }

// namespaceConfirm: deleting a namespace of a cluster deletes everything in
// it, so its name is typed, as the CLI asks on a terminal.
func namespaceConfirm(st domain.Stack, ns string) confirmData {
	what := "This removes the namespace from the stack, with its datasources and secrets. Runs keep their records."
	if st.Kind.HasCluster() {
		what = "This deletes the Kubernetes namespace " + ns + " with everything in it (pods, Secrets, the connections Secret), and its datasources and secrets here. Runs keep their records. It cannot be undone."
	}
	return confirmData{Stack: st.Name, Namespace: ns, Verb: "delete", Heading: "Delete namespace " + ns + " of " + st.Name, What: what,
		Action: namespacePath(st.Name, ns) + "/delete", Name: ns, Label: "the namespace's name", Button: "Delete " + ns, Cancel: namespacePath(st.Name, ns)}
}

func (c *console) deleteNamespace(w http.ResponseWriter, r *http.Request, s *session) error {
	stack, ns := r.PathValue("stack"), r.PathValue("namespace")
	if strings.TrimSpace(r.PostFormValue("confirm")) != ns {
		if _, _, err := c.Stacks.Resolve(r.Context(), s.P, stack, ns); err != nil {
			return err // another organization's stays a 404
		}
		return domain.Invalid("confirm", "namespace_name", "type the namespace's name, "+ns+", to confirm the delete")
	}
	if err := c.Stacks.DeleteNamespace(r.Context(), s.P, stack, ns); err != nil {
		return err
	}
	return c.redirect(w, r, "/stacks/"+stack+"#namespaces", "Deleted namespace "+ns+" of "+stack+".")
}

// namespaceData is a namespace's page: its sync status, datasources and
// secrets (aliases and key names only).
type namespaceData struct {
	Stack       domain.Stack
	Namespace   domain.Namespace
	Sync        *syncData
	Items       []domain.SyncItem
	Datasources []domain.Datasource
	Secrets     []domain.SecretInfo
	// SecretsNote says why secrets are not listed here (an aws-eks
	// stack's are in the customer's SSM, a member may not see them).
	SecretsNote string
	Forms       namespaceForms
}

// namespaceForms are the last inputs of a failed form, with its error.
// A secret's values are never sent back into the page.
type namespaceForms struct {
	Datasource  datasourceInput
	SecretAlias string
	Err         *formError
	Which       string // "datasource" or "secret": the form Err is about
}

// ErrOf is the error of one form of the page, nil for the others.
func (f namespaceForms) ErrOf(which string) *formError {
	if f.Which == which {
		return f.Err
	}
	return nil
}

// datasourceForm is what the add-a-datasource form needs: the page (for
// its CSRF token), where it posts, its last input.
type datasourceForm struct {
	Page             view
	Stack, Namespace string
	Forms            namespaceForms
}

func (c *console) namespacePage(w http.ResponseWriter, r *http.Request, s *session, f namespaceForms) error {
	ctx := r.Context()
	st, ns, err := c.Stacks.Resolve(ctx, s.P, r.PathValue("stack"), r.PathValue("namespace"))
	if err != nil {
		return err
	}
	nss, err := c.Stacks.Namespaces(ctx, s.P, st.Name)
	if err != nil {
		return err
	}
	d := namespaceData{Stack: st, Namespace: ns, Forms: f}
	if d.Sync, err = c.lastSync(r, s, st, nss); err != nil {
		return err
	}
	if d.Sync != nil {
		d.Items = d.Sync.of(ns.Name)
	}
	if st.Kind.HasCluster() {
		if d.Datasources, err = c.Stacks.Datasources(ctx, s.P, st.Name, ns.Name); err != nil {
			return err
		}
	}
	if d.Secrets, err = c.Secrets.List(ctx, s.P, st.Name, ns.Name); err != nil {
		if code := domain.ErrorCode(err); code != domain.CodeConflict && code != domain.CodeForbidden {
			return err
		}
		d.SecretsNote = errorOf(err).Message
	}
	if d.Forms.Datasource.Kind == "" {
		d.Forms.Datasource.Kind = string(domain.DatasourceS3)
	}
	status := 0
	if f.Err != nil {
		status = f.Err.Status
	}
	return c.render(w, r, status, "namespace", view{Title: "Namespace " + ns.Name + " of " + st.Name, Nav: "stacks", S: s, Data: d})
}
