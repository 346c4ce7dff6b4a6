package web

import (
	"fmt"
	"net/http"

	"github.com/orchestera/orchestera/internal/domain"
)

// syncData is a stack's last sync, by namespace: each secret, IAM role and
// datasource by alias and source, synced or with its problem. The report
// never holds a value.
type syncData struct {
	Report     domain.SyncReport
	Namespaces []namespaceSync
	Problems   int
}

// namespaceSync is one namespace's part of a sync.
type namespaceSync struct {
	Name  string
	Items []domain.SyncItem
}

// syncOf groups a report by namespace, the stack's namespaces first (each,
// even with nothing to sync), then any the report names that are gone.
func syncOf(r domain.SyncReport, nss []domain.Namespace) *syncData {
	d := &syncData{Report: r, Problems: len(r.Problems())}
	at := map[string]int{}
	for _, ns := range nss {
		at[ns.Name] = len(d.Namespaces)
		d.Namespaces = append(d.Namespaces, namespaceSync{Name: ns.Name})
	}
	for _, it := range r.Items {
		i, ok := at[it.Namespace]
		if !ok {
			i, at[it.Namespace] = len(d.Namespaces), len(d.Namespaces)
			d.Namespaces = append(d.Namespaces, namespaceSync{Name: it.Namespace})
		}
		d.Namespaces[i].Items = append(d.Namespaces[i].Items, it)
	}
	return d
}

// of is the part of one namespace.
func (d *syncData) of(namespace string) []domain.SyncItem {
	for _, ns := range d.Namespaces {
		if ns.Name == namespace {
			return ns.Items
		}
	}
	return nil
}

// lastSync is the stack's last sync, nil until it was synced or for a
// stack without a cluster.
func (c *console) lastSync(r *http.Request, s *session, st domain.Stack, nss []domain.Namespace) (*syncData, error) {
	if !st.Kind.HasCluster() {
		return nil, nil
	}
	rep, ok, err := c.Stacks.SyncReport(r.Context(), s.P, st)
	if err != nil || !ok {
		return nil, err
	}
	return syncOf(rep, nss), nil
}

// syncNow is "Sync now": the stack's secrets, roles and datasources, at
// once, as `stacks sync` does; the stack's page shows the report.
func (c *console) syncNow(w http.ResponseWriter, r *http.Request, s *session) error {
	name := r.PathValue("stack")
	rep, err := c.Stacks.Sync(r.Context(), s.P, name)
	if err != nil {
		return err
	}
	msg := fmt.Sprintf("Synced %s: %d synced, %d removed, %d with problems.", name, rep.Synced(), rep.Removed, len(rep.Problems()))
	if n := len(rep.Problems()); n > 0 {
		msg += " Each problem is listed below."
	}
	return c.redirect(w, r, "/stacks/"+name, msg)
}
