package web

import (
	"net/http"
	"strings"

	"github.com/orchestera/orchestera/internal/domain"
)

func (c *console) connectionRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST /aws/connections", c.authed(func(w http.ResponseWriter, r *http.Request, s *session) error {
		r.ParseForm()
		arn := strings.TrimSpace(r.PostFormValue("role_arn"))
		conn, err := c.Connections.Create(r.Context(), s.P, arn, r.PostForm["regions"])
		if err != nil {
			return c.awsPage(w, r, s, awsData{Err: errorOf(err), RoleARN: arn})
		}
		return c.redirect(w, r, "/aws/connections/"+conn.ID, "Registered "+conn.RoleARN+". Verify it next.")
	}))
	mux.HandleFunc("GET /aws/connections/{id}", c.authed(c.connectionPage))
	mux.HandleFunc("POST /aws/connections/{id}/verify", c.authed(func(w http.ResponseWriter, r *http.Request, s *session) error {
		conn, v, err := c.Connections.Verify(r.Context(), s.P, r.PathValue("id"))
		if err != nil {
			return err
		}
		msg := "Verification failed: each failed check below says what to fix."
		if v.Verified {
			msg = "ROLE VERIFIED: every check passed."
		}
		return c.redirect(w, r, connectionNext(r, conn.ID), msg)
	}))
	mux.HandleFunc("POST /aws/connections/{id}/delete", c.authed(func(w http.ResponseWriter, r *http.Request, s *session) error {
		if err := c.Connections.Delete(r.Context(), s.P, r.PathValue("id")); err != nil {
			return err
		}
		return c.redirect(w, r, "/aws#connections", "Deleted the connection; its audit entries stay.")
	}))
}

// connectionNext is where a verification returns to: the wizard when it
// started there, else the connection's page.
func connectionNext(r *http.Request, id string) string {
	if next := r.PostFormValue("next"); strings.HasPrefix(next, "/stacks/new?") {
		return next
	}
	return "/aws/connections/" + id
}

type connectionData struct {
	Conn   domain.AWSConnection
	Ver    *domain.Verification
	Events []domain.ConnectionEvent
}

func (c *console) connectionPage(w http.ResponseWriter, r *http.Request, s *session) error {
	ctx := r.Context()
	conn, v, err := c.Connections.Get(ctx, s.P, r.PathValue("id"))
	if err != nil {
		return err
	}
	evs, err := c.Connections.Events(ctx, s.P, conn.ID)
	if err != nil {
		return err
	}
	return c.render(w, r, 0, "connection", view{Title: "Connection " + conn.ID, Nav: "aws", S: s, Data: connectionData{Conn: conn, Ver: v, Events: evs}})
}
