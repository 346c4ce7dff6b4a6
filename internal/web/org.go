package web

import (
	"net/http"
	"strings"

	"github.com/orchestera/orchestera/internal/domain"
)

func (c *console) orgRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /org", c.authed(func(w http.ResponseWriter, r *http.Request, s *session) error {
		return c.orgPage(w, r, s, 0, orgData{})
	}))
	mux.HandleFunc("POST /org/invitations", c.authed(func(w http.ResponseWriter, r *http.Request, s *session) error {
		email, role := strings.TrimSpace(r.PostFormValue("email")), domain.Role(r.PostFormValue("role"))
		inv, err := c.Identity.CreateInvitation(r.Context(), s.P, email, role)
		if err != nil {
			return c.orgPage(w, r, s, 0, orgData{Err: errorOf(err), Email: email})
		}
		return c.redirect(w, r, "/org#invitations", "Invited "+inv.Email+": send them the link "+c.invitationLink(inv.ID))
	}))
	mux.HandleFunc("POST /org/invitations/{id}/revoke", c.authed(func(w http.ResponseWriter, r *http.Request, s *session) error {
		inv, err := c.Identity.RevokeInvitation(r.Context(), s.P, r.PathValue("id"))
		if err != nil {
			return err
		}
		return c.redirect(w, r, "/org#invitations", "Revoked the invitation of "+inv.Email+".")
	}))
	mux.HandleFunc("POST /org/members/{id}/remove", c.authed(func(w http.ResponseWriter, r *http.Request, s *session) error {
		if err := c.Identity.RemoveMember(r.Context(), s.P, r.PathValue("id")); err != nil {
			return err
		}
		return c.redirect(w, r, "/org#members", "Removed the member and revoked their tokens.")
	}))
	mux.HandleFunc("POST /org/tokens", c.authed(func(w http.ResponseWriter, r *http.Request, s *session) error {
		name := strings.TrimSpace(r.PostFormValue("name"))
		tok, secret, err := c.Identity.CreateToken(r.Context(), s.P, name)
		if err != nil {
			return c.orgPage(w, r, s, 0, orgData{Err: errorOf(err), TokenName: name})
		}
		// The secret is shown in this answer only: no redirect carries it.
		return c.orgPage(w, r, s, http.StatusCreated, orgData{NewToken: tok.Name, NewSecret: secret})
	}))
	mux.HandleFunc("POST /org/tokens/{id}/revoke", c.authed(func(w http.ResponseWriter, r *http.Request, s *session) error {
		tok, err := c.Identity.RevokeToken(r.Context(), s.P, r.PathValue("id"))
		if err != nil {
			return err
		}
		return c.redirect(w, r, "/org#tokens", "Revoked token "+tok.Name+".")
	}))
}

type orgData struct {
	Members     []domain.Member
	Invitations []invitationRow // nil for members: only admins see them
	Tokens      []domain.Token
	Err         *formError
	Email       string // the invitation form's last input
	TokenName   string
	NewToken    string
	NewSecret   string
}

type invitationRow struct {
	domain.Invitation
	State domain.InvitationState
	Link  string
}

func (c *console) orgPage(w http.ResponseWriter, r *http.Request, s *session, status int, d orgData) error {
	ctx := r.Context()
	var err error
	if d.Members, err = c.Identity.ListMembers(ctx, s.P); err != nil {
		return err
	}
	if d.Tokens, err = c.Identity.ListTokens(ctx, s.P); err != nil {
		return err
	}
	if s.P.IsAdmin() {
		invs, err := c.Identity.ListInvitations(ctx, s.P)
		if err != nil {
			return err
		}
		now := c.Now()
		d.Invitations = []invitationRow{}
		for _, inv := range invs {
			d.Invitations = append(d.Invitations, invitationRow{Invitation: inv, State: inv.State(now), Link: c.invitationLink(inv.ID)})
		}
	}
	if d.Err != nil && status == 0 {
		status = d.Err.Status
	}
	return c.render(w, r, status, "org", view{Title: "Organization", Nav: "org", S: s, Err: d.Err, Data: d})
}

func (c *console) invitationLink(id string) string {
	return strings.TrimRight(c.PublicURL, "/") + "/invitations/" + id
}
