package web

import (
	"net/http"
	"strings"

	"github.com/orchestera/orchestera/internal/domain"
)

// auditScan is how many of the newest entries the filters look through:
// the most the service lists at once.
const auditScan = 1000

type auditData struct {
	Filter  auditFilter
	Entries []auditRow
	Stacks  []domain.Stack // for the stack filter's suggestions
	Scanned int
}

// auditRow is an entry with its actor as people know them: the member's
// email (their user id once they are removed), or the server itself.
type auditRow struct {
	domain.AuditEntry
	Actor string
}

// auditFilter matches entries: connection, stack and outcome exactly (the
// first two by the service), operation and action by substring ("stack
// etl", "eks:").
type auditFilter struct{ Connection, Stack, Operation, Action, Outcome string }

func (f auditFilter) match(a domain.AuditEntry) bool {
	return (f.Outcome == "" || a.Outcome == f.Outcome || f.Outcome == "error" && a.Outcome != "ok") &&
		strings.Contains(a.Operation, f.Operation) && strings.Contains(a.Action, f.Action)
}

func (c *console) auditPage(w http.ResponseWriter, r *http.Request, s *session) error {
	ctx := r.Context()
	q := r.URL.Query()
	f := auditFilter{Connection: q.Get("connection"), Stack: strings.TrimSpace(q.Get("stack")), Operation: strings.TrimSpace(q.Get("operation")),
		Action: strings.TrimSpace(q.Get("action")), Outcome: q.Get("outcome")}
	all, _, err := c.Connections.Audit(ctx, s.P, domain.AuditFilter{ConnectionID: f.Connection, Stack: f.Stack, Limit: auditScan}, "")
	if err != nil {
		return err
	}
	members, err := c.Identity.ListMembers(ctx, s.P)
	if err != nil {
		return err
	}
	emails := map[string]string{}
	for _, m := range members {
		emails[m.UserID] = m.Email
	}
	d := auditData{Filter: f, Scanned: len(all)}
	if d.Stacks, err = c.Stacks.List(ctx, s.P); err != nil {
		return err
	}
	for _, a := range all {
		if f.match(a) {
			d.Entries = append(d.Entries, auditRow{AuditEntry: a, Actor: actorOf(a, emails)})
		}
	}
	return c.render(w, r, 0, "audit", view{Title: "Audit log", Nav: "audit", S: s, Data: d})
}

// actorOf names who asked, as `audit list` does, with emails for ids.
func actorOf(a domain.AuditEntry, emails map[string]string) string {
	if a.ActorUserID == "" && a.ActorTokenID == "" {
		return "server"
	}
	who := a.ActorUserID
	if e, ok := emails[who]; ok {
		who = e
	}
	if a.ActorTokenID != "" {
		who += " (" + a.ActorTokenID + ")"
	}
	return who
}
