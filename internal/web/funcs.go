package web

import (
	"fmt"
	"html/template"
	"strings"
	"time"

	"github.com/orchestera/orchestera/internal/domain"
)

// funcs are the templates' helpers: formatting only, no rules.
var funcs = template.FuncMap{
	"ago":      ago,
	"dur":      dur,
	"when":     func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") },
	"iso":      func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"join":     strings.Join,
	"usd":      func(v float64) string { return fmt.Sprintf("$%.2f", v) },
	"deref":    func(t *time.Time) time.Time { return *t },
	"derefDur": func(d *time.Duration) time.Duration { return *d },
	"field":    func(e *formError, name string) string { return fieldMsg(e, name) },
	"invalid":  func(e *formError, name string) bool { return fieldMsg(e, name) != "" },
	"seq":      func(n int) []int { return make([]int, n) },
	"add":      func(a, b int) int { return a + b },
	"navItem": func(current, name, href, label string) navItem {
		return navItem{Href: href, Label: label, Current: current == name}
	},
	"githubLink": githubLink,
	"carryOf":    carryOf,
	"inputOf": func(e *formError, name, label, value, placeholder string) input {
		return input{Name: name, Label: label, Value: value, Placeholder: placeholder, Msg: fieldMsg(e, name)}
	},
	"copyBlock": func(id, label, text string) copyBlock { return copyBlock{id, label, text} },
	"datasourceForm": func(v view, d namespaceData) datasourceForm {
		return datasourceForm{Page: v, Stack: d.Stack.Name, Namespace: d.Namespace.Name, Forms: d.Forms}
	},
	"stackView": func(v view, d stackData) stackView { return stackView{Page: v, Data: d} },
	"kubeconfigLink": func(st domain.Stack, ns string) kubeconfigLink {
		return kubeconfigLink{Stack: st.Name, Namespace: ns, Ready: st.State == domain.StackReady || st.State == domain.StackUpdating}
	},
}

// stackView is a part of the stack's page that needs the page too (for
// its CSRF token and the public URL).
type stackView struct {
	Page view
	Data stackData
}

// kubeconfigLink downloads a namespace's kubeconfig once the stack's
// cluster answers (Stacks.Token's rule).
type kubeconfigLink struct {
	Stack, Namespace string
	Ready            bool
}

type copyBlock struct{ ID, Label, Text string }

type input struct{ Name, Label, Value, Placeholder, Msg string }

type navItem struct {
	Href, Label string
	Current     bool
}

func fieldMsg(e *formError, name string) string {
	if e == nil {
		return ""
	}
	return e.Fields[name]
}

// ago is a coarse age: "3m ago", "2d ago".
func ago(t time.Time) string {
	d := time.Since(t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%dm ago", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh ago", int(d.Hours()))
	}
	return fmt.Sprintf("%dd ago", int(d.Hours()/24))
}

// dur rounds a duration for people: 4s, 3m12s, 1h05m.
func dur(d time.Duration) string {
	switch {
	case d < time.Second:
		return "0s"
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
}
