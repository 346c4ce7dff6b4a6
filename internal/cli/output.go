package cli

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"
	"time"

	"sigs.k8s.io/yaml"
)

// render prints v as JSON or YAML, or as a table through table.
func (o *Options) render(v any, table func(w *tabwriter.Writer)) error {
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

// row writes tab-separated cells.
func row(w *tabwriter.Writer, cells ...any) {
	for i, c := range cells {
		if i > 0 {
			fmt.Fprint(w, "\t")
		}
		fmt.Fprint(w, c)
	}
	fmt.Fprintln(w)
}

// when formats an optional time for tables.
func when(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return ago(*t)
}

func ago(t time.Time) string {
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
