package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/orchestera/orchestera/internal/domain"
)

// The stack wizard: name, connection, verify, region and namespaces, then
// the draft is created and its plan shown. Each step is a GET carrying the
// answers so far (nothing changes until the last step's POST), and each
// answer is checked by the domain's own rules as it is given.
var wizardSteps = []string{"name", "connection", "verify", "namespaces"}

func (c *console) wizardRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /stacks/new", c.authed(func(w http.ResponseWriter, r *http.Request, s *session) error {
		if !r.URL.Query().Has("step") {
			return c.newStack(w, r, s)
		}
		return c.wizard(w, r, s, wizardFrom(r.URL.Query()), nil)
	}))
	mux.HandleFunc("GET /stacks/new/check", c.authed(func(w http.ResponseWriter, r *http.Request, s *session) error {
		msg := ""
		if err := c.checkName(r, s, r.URL.Query().Get("name")); err != nil {
			msg = errorOf(err).Fields["name"]
		}
		w.Header().Set("Content-Type", "application/json")
		return json.NewEncoder(w).Encode(map[string]any{"ok": msg == "", "message": msg})
	}))
	mux.HandleFunc("POST /stacks/new", c.authed(func(w http.ResponseWriter, r *http.Request, s *session) error {
		r.ParseForm()
		in := wizardFrom(r.PostForm)
		st, err := c.Stacks.CreateAWS(r.Context(), s.P, domain.Stack{Name: in.Name, ConnectionID: in.Connection, Region: in.Region}, in.namespaces())
		if err != nil {
			return c.wizard(w, r, s, in, err)
		}
		return c.redirect(w, r, "/stacks/"+st.Name+"/plan", "Draft "+st.Name+" created: nothing exists in AWS yet. Review the plan, then provision.")
	}))
}

// newStack is the first choice: a cluster built on AWS (the wizard), or
// one the organization runs already (attach).
func (c *console) newStack(w http.ResponseWriter, r *http.Request, s *session) error {
	if err := domain.RequireAdmin(s.P); err != nil {
		return err
	}
	return c.render(w, r, 0, "newstack", view{Title: "Create New Stack", Nav: "new", S: s})
}

// wizardInput is the answers so far.
type wizardInput struct {
	Step                                    string
	Name, Connection, Region, NamespaceList string
}

func wizardFrom(v url.Values) wizardInput {
	in := wizardInput{Step: v.Get("step"), Name: strings.TrimSpace(v.Get("name")), Connection: v.Get("connection"),
		Region: v.Get("region"), NamespaceList: v.Get("namespaces")}
	if in.NamespaceList == "" {
		in.NamespaceList = domain.ClusterNamespace
	}
	return in
}

func (in wizardInput) namespaces() []string { return splitList(in.NamespaceList) }

// Query is the answers as a query string, for links back and forth.
func (in wizardInput) Query(step string) string {
	return url.Values{"step": {step}, "name": {in.Name}, "connection": {in.Connection}, "region": {in.Region}, "namespaces": {in.NamespaceList}}.Encode()
}

type wizardData struct {
	In          wizardInput
	Steps       []string
	Connections []domain.AWSConnection
	Conn        *domain.AWSConnection
	Ver         *domain.Verification
	Err         *formError
}

// wizard checks the answers before in.Step in order and shows the first
// step whose answer is wrong, or in.Step.
func (c *console) wizard(w http.ResponseWriter, r *http.Request, s *session, in wizardInput, failed error) error {
	if err := domain.RequireAdmin(s.P); err != nil {
		return err
	}
	d := wizardData{In: in, Steps: wizardSteps}
	reached := stepIndex(in.Step)
	check := func(step string, err error) bool {
		if err == nil || stepIndex(step) >= reached {
			return false
		}
		d.In.Step, d.Err = step, errorOf(err)
		return true
	}
	conns, err := c.Connections.List(r.Context(), s.P)
	if err != nil {
		return err
	}
	d.Connections = conns
	switch {
	case check("name", c.checkName(r, s, in.Name)):
	case check("connection", c.pickConnection(r, s, &d)):
	}
	if d.Err == nil && failed != nil {
		d.Err = errorOf(failed)
		d.In.Step = stepFor(d.Err)
	}
	if stepIndex(d.In.Step) < 0 {
		d.In.Step = wizardSteps[0]
	}
	status := 0
	if d.Err != nil {
		status = d.Err.Status
	}
	return c.render(w, r, status, "wizard", view{Title: "Create New Stack", Nav: "new", S: s, Err: d.Err, Data: d})
}

// checkName is the name step: the domain's rule, and no stack of that name
// in the organization yet.
func (c *console) checkName(r *http.Request, s *session, name string) error {
	if err := domain.ValidateStackName(name); err != nil {
		return err
	}
	if _, err := c.Stacks.Get(r.Context(), s.P, name); err == nil {
		return domain.Invalid("name", "unique", fmt.Sprintf("a stack named %s already exists in your organization", name))
	} else if !domain.IsNotFound(err) {
		return err
	}
	return nil
}

// pickConnection loads the chosen connection and its latest verification.
func (c *console) pickConnection(r *http.Request, s *session, d *wizardData) error {
	if d.In.Connection == "" {
		return domain.Invalid("connection_id", "required", "choose a verified AWS connection, or register one under AWS setup")
	}
	conn, v, err := c.Connections.Get(r.Context(), s.P, d.In.Connection)
	if domain.IsNotFound(err) {
		return domain.Invalid("connection_id", "exists", fmt.Sprintf("no AWS connection %q in your organization", d.In.Connection))
	}
	if err != nil {
		return err
	}
	d.Conn, d.Ver = &conn, v
	if d.In.Region == "" {
		d.In.Region = conn.Regions[0]
	}
	return nil
}

func stepIndex(step string) int {
	for i, s := range wizardSteps {
		if s == step {
			return i
		}
	}
	return -1
}

// stepFor is the step whose answer a creation error is about.
func stepFor(e *formError) string {
	for field, step := range map[string]string{"name": "name", "connection_id": "connection", "region": "namespaces", "namespaces": "namespaces"} {
		if _, ok := e.Fields[field]; ok {
			return step
		}
	}
	if strings.Contains(e.Message, "not verified") {
		return "verify"
	}
	if strings.Contains(e.Message, "already exists") {
		return "name"
	}
	return "namespaces"
}

type hidden struct{ Name, Value string }

// carryOf is the answers as hidden fields, less the one the step asks.
func carryOf(in wizardInput, asked string) []hidden {
	var out []hidden
	for _, h := range []hidden{{"name", in.Name}, {"connection", in.Connection}, {"region", in.Region}, {"namespaces", in.NamespaceList}} {
		if h.Name != asked && !(asked == "namespaces" && h.Name == "region") {
			out = append(out, h)
		}
	}
	return out
}
