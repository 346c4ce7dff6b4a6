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
	Entries []domain.AuditEntry
	Scanned int
}

// auditFilter matches entries: connection and outcome exactly, operation
// and action by substring ("stack etl", "eks:").
type auditFilter struct{ Connection, Operation, Action, Outcome string }

func (f auditFilter) match(a domain.AuditEntry) bool {
	return (f.Connection == "" || a.ConnectionID == f.Connection) &&
		(f.Outcome == "" || a.Outcome == f.Outcome || f.Outcome == "error" && a.Outcome != "ok") &&
		strings.Contains(a.Operation, f.Operation) && strings.Contains(a.Action, f.Action)
}

func (c *console) auditPage(w http.ResponseWriter, r *http.Request, s *session) error {
	q := r.URL.Query()
	f := auditFilter{Connection: q.Get("connection"), Operation: strings.TrimSpace(q.Get("operation")), Action: strings.TrimSpace(q.Get("action")), Outcome: q.Get("outcome")}
	all, _, err := c.Connections.Audit(r.Context(), s.P, domain.AuditFilter{ConnectionID: f.Connection, Limit: auditScan}, "")
	if err != nil {
		return err
	}
	d := auditData{Filter: f, Scanned: len(all)}
	for _, a := range all {
		if f.match(a) {
			d.Entries = append(d.Entries, a)
		}
	}
	return c.render(w, r, 0, "audit", view{Title: "Audit log", Nav: "audit", S: s, Data: d})
}
