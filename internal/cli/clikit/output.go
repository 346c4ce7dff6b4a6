package clikit

import (
	"encoding/json"
	"fmt"
	"reflect"
	"text/tabwriter"
	"time"

	"sigs.k8s.io/yaml"
)

// Render prints v as JSON or YAML, or as a table through table.
func (o *Options) Render(v any, table func(w *tabwriter.Writer)) error {
	switch o.Output {
	case "json":
		enc := json.NewEncoder(o.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	case "yaml":
		b, err := yaml.Marshal(v)
		if err != nil {
			return err
		}
		_, err = o.Out.Write(b)
		return err
	}
	w := tabwriter.NewWriter(o.Out, 0, 4, 2, ' ', 0)
	table(w)
	return w.Flush()
}

// Page is how every list prints with -o json and -o yaml: one shape for
// all of them, paged or not, so a script reads .items everywhere and
// .next_cursor where there is another page.
type Page struct {
	Items      any    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}

// NewPage is items (a slice; a nil one prints as []) as a page.
func NewPage(items any, next string) Page {
	if v := reflect.ValueOf(items); v.Kind() == reflect.Slice && v.IsNil() {
		items = reflect.MakeSlice(v.Type(), 0, 0).Interface()
	}
	return Page{Items: items, NextCursor: next}
}

// RenderList prints a list: as a page with -o json/yaml, else through table.
func (o *Options) RenderList(items any, next string, table func(w *tabwriter.Writer)) error {
	return o.Render(NewPage(items, next), table)
}

// Deleted is what a deletion prints with -o json/yaml: the API answers it
// with no body.
type Deleted struct {
	Kind    string `json:"kind"`
	ID      string `json:"id"`
	Deleted bool   `json:"deleted"`
}

// Row writes tab-separated cells.
func Row(w *tabwriter.Writer, cells ...any) {
	for i, c := range cells {
		if i > 0 {
			fmt.Fprint(w, "\t")
		}
		fmt.Fprint(w, c)
	}
	fmt.Fprintln(w)
}

// When formats an optional time for tables.
func When(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return Ago(*t)
}

// Ago is how long ago t was, for tables: "just now", "5m ago", "3h ago" or
// the date.
func Ago(t time.Time) string {
	d := time.Since(t).Round(time.Second)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%dm ago", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh ago", int(d.Hours()))
	}
	return t.Format("2006-01-02")
}

// Dash is s, or "-" for an empty cell.
func Dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
