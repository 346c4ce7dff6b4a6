package web

import (
	"net/http"
	"strings"

	"github.com/orchestera/orchestera/internal/domain"
)

func (c *console) stackRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /stacks", c.authed(c.stacksPage))
	mux.HandleFunc("GET /stacks/{stack}", c.authed(c.stackPage))
	mux.HandleFunc("GET /stacks/{stack}/live", c.authed(c.stackLive))
	mux.HandleFunc("GET /stacks/{stack}/plan", c.authed(c.planPage))
	mux.HandleFunc("GET /stacks/{stack}/destroy", c.authed(func(w http.ResponseWriter, r *http.Request, s *session) error {
		st, err := c.Stacks.Get(r.Context(), s.P, r.PathValue("stack"))
		if err != nil {
			return err
		}
		return c.render(w, r, 0, "confirm", view{Title: "Destroy " + st.Name, Nav: "stacks", S: s, Data: destroyConfirm(st)})
	}))
	mux.HandleFunc("POST /stacks/{stack}/sync", c.authed(c.syncNow))
	mux.HandleFunc("GET /stacks/{stack}/kubeconfig", c.authed(c.kubeconfig))
	for name, do := range map[string]func(*http.Request, *session) (domain.Stack, error){
		"provision": func(r *http.Request, s *session) (domain.Stack, error) {
			return c.Stacks.Provision(r.Context(), s.P, r.PathValue("stack"))
		},
		"update": func(r *http.Request, s *session) (domain.Stack, error) {
			return c.Stacks.Update(r.Context(), s.P, r.PathValue("stack"))
		},
		"destroy": c.destroy,
	} {
		mux.HandleFunc("POST /stacks/{stack}/"+name, c.authed(func(w http.ResponseWriter, r *http.Request, s *session) error {
			st, err := do(r, s)
			if err != nil {
				return err
			}
			return c.redirect(w, r, "/stacks/"+st.Name, strings.ToUpper(name[:1])+name[1:]+" of "+st.Name+" requested: it is "+string(st.State)+".")
		}))
	}
	mux.HandleFunc("POST /stacks/{stack}/delete", c.authed(func(w http.ResponseWriter, r *http.Request, s *session) error {
		name := r.PathValue("stack")
		if err := c.Stacks.Delete(r.Context(), s.P, name); err != nil {
			return err
		}
		return c.redirect(w, r, "/stacks", "Deleted stack "+name+"; its name is free again.")
	}))
	mux.HandleFunc("POST /stacks/{stack}/namespaces", c.authed(func(w http.ResponseWriter, r *http.Request, s *session) error {
		st := r.PathValue("stack")
		ns, err := c.Stacks.CreateNamespace(r.Context(), s.P, st, strings.TrimSpace(r.PostFormValue("name")))
		if err != nil {
			return err
		}
		return c.redirect(w, r, "/stacks/"+st+"#namespaces", "Namespace "+ns.Name+" is on the stack.")
	}))
}

// destroy needs the stack's name typed, as the CLI asks on a terminal.
func (c *console) destroy(r *http.Request, s *session) (domain.Stack, error) {
	name := r.PathValue("stack")
	if strings.TrimSpace(r.PostFormValue("confirm")) != name {
		if _, err := c.Stacks.Get(r.Context(), s.P, name); err != nil {
			return domain.Stack{}, err // another organization's stack stays a 404
		}
		return domain.Stack{}, domain.Invalid("confirm", "stack_name", "type the stack's name, "+name+", to confirm the destroy")
	}
	return c.Stacks.Destroy(r.Context(), s.P, name)
}

// destroyConfirm says what a destroy deletes, which depends on the kind.
func destroyConfirm(st domain.Stack) confirmData {
	what := "This deletes the stack's cluster, node groups, network and roles in " + st.Region + ". Runs on it stop. It cannot be undone."
	if st.Kind == domain.StackKubernetes {
		what = "This deletes the stack's namespaces in the cluster at " + st.Endpoint + ", with everything in them; the cluster itself stays. Runs on it stop. It cannot be undone."
	}
	return confirmData{Stack: st.Name, Verb: "destroy", Heading: "Destroy stack " + st.Name, What: what,
		Action: "/stacks/" + st.Name + "/destroy", Name: st.Name, Label: "the stack's name", Button: "Destroy " + st.Name, Cancel: "/stacks/" + st.Name}
}

// confirmData is a typed confirmation: the button waits for Name.
type confirmData struct {
	Stack, Namespace, Verb string // the crumbs
	Heading, What          string
	Action, Name, Label    string
	Button, Cancel         string
}

type stackRow struct {
	domain.Stack
	Namespaces []string
}

func (c *console) stacksPage(w http.ResponseWriter, r *http.Request, s *session) error {
	ctx := r.Context()
	sts, err := c.Stacks.List(ctx, s.P)
	if err != nil {
		return err
	}
	rows := make([]stackRow, 0, len(sts))
	for _, st := range sts {
		nss, err := c.Stacks.Namespaces(ctx, s.P, st.Name)
		if err != nil {
			return err
		}
		row := stackRow{Stack: st}
		for _, ns := range nss {
			row.Namespaces = append(row.Namespaces, ns.Name)
		}
		rows = append(rows, row)
	}
	return c.render(w, r, 0, "stacks", view{Title: "Stacks", Nav: "stacks", S: s, Data: rows})
}

type stackData struct {
	Stack       domain.Stack
	ClusterName string // an aws-eks stack's EKS cluster
	Progress    progressData
	Namespaces  []domain.Namespace
	Sync        *syncData // nil until synced
}

func (c *console) stackPage(w http.ResponseWriter, r *http.Request, s *session) error {
	ctx := r.Context()
	p, err := c.progress(r, s)
	if err != nil {
		return err
	}
	nss, err := c.Stacks.Namespaces(ctx, s.P, p.Stack.Name)
	if err != nil {
		return err
	}
	d := stackData{Stack: p.Stack, Progress: p, Namespaces: nss}
	if p.Stack.Kind == domain.StackAWS {
		d.ClusterName = domain.EKSClusterName(p.Stack.Name)
	}
	if d.Sync, err = c.lastSync(r, s, p.Stack, nss); err != nil {
		return err
	}
	return c.render(w, r, 0, "stack", view{Title: "Stack " + p.Stack.Name, Nav: "stacks", S: s, Data: d})
}

func (c *console) planPage(w http.ResponseWriter, r *http.Request, s *session) error {
	st, plan, err := c.Stacks.Plan(r.Context(), s.P, r.PathValue("stack"))
	if err != nil {
		return err
	}
	return c.render(w, r, 0, "plan", view{Title: "Plan of " + st.Name, Nav: "stacks", S: s, Data: planData{Stack: st, Plan: plan}})
}

type planData struct {
	Stack domain.Stack
	Plan  domain.StackPlan
}
