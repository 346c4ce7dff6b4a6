package domain

import (
	"errors"
	"fmt"
	"strings"
)

// Validate reports steps without names, duplicate names, dependencies on
// unknown steps and cycles, naming the steps involved.
func (g Graph) Validate() error {
	var errs []error
	index := map[string]bool{}
	for i, s := range g {
		switch {
		case s.Name == "":
			errs = append(errs, fmt.Errorf("step %d has no name", i))
		case index[s.Name]:
			errs = append(errs, fmt.Errorf("duplicate step %q", s.Name))
		}
		index[s.Name] = true
	}
	for _, s := range g {
		for _, d := range s.After {
			switch {
			case d == s.Name:
				errs = append(errs, fmt.Errorf("step %q depends on itself", s.Name))
			case !index[d]:
				errs = append(errs, fmt.Errorf("step %q depends on unknown step %q", s.Name, d))
			}
		}
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	if c := g.cycle(); c != nil {
		var b strings.Builder
		for i := 0; i+1 < len(c); i++ {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%q waits for %q", c[i], c[i+1])
		}
		return fmt.Errorf("dependency cycle: %s", b.String())
	}
	return nil
}

// cycle returns the steps of one cycle, first step repeated at the end, or
// nil. Only for graphs whose names are unique and known.
func (g Graph) cycle() []string {
	const (
		unseen = iota
		onPath
		finished
	)
	steps := g.byName()
	mark := map[string]int{}
	var path []string
	var visit func(name string) []string
	visit = func(name string) []string {
		mark[name] = onPath
		path = append(path, name)
		for _, d := range steps[name].After {
			switch mark[d] {
			case onPath:
				for i, p := range path {
					if p == d {
						return append(append([]string(nil), path[i:]...), d)
					}
				}
			case unseen:
				if c := visit(d); c != nil {
					return c
				}
			}
		}
		path = path[:len(path)-1]
		mark[name] = finished
		return nil
	}
	for _, s := range g {
		if mark[s.Name] == unseen {
			if c := visit(s.Name); c != nil {
				return c
			}
		}
	}
	return nil
}

func (g Graph) byName() map[string]Step {
	m := make(map[string]Step, len(g))
	for _, s := range g {
		m[s.Name] = s
	}
	return m
}

// Order groups the steps in levels: a step's level is one more than the
// highest level of its dependencies, so each level could run at once after
// the ones before it. It returns nil for a graph that does not Validate.
func (g Graph) Order() [][]string {
	if g.Validate() != nil {
		return nil
	}
	steps := g.byName()
	level := map[string]int{}
	var depth func(name string) int
	depth = func(name string) int {
		if l, ok := level[name]; ok {
			return l
		}
		l := 0
		for _, d := range steps[name].After {
			l = max(l, depth(d)+1)
		}
		level[name] = l
		return l
	}
	var out [][]string
	for _, s := range g {
		l := depth(s.Name)
		for len(out) <= l {
			out = append(out, nil)
		}
		out[l] = append(out[l], s.Name)
	}
	return out
}

// Reverse returns the graph Destroy walks: the same steps, each now waiting
// for every step that depended on it, so nothing is deleted while something
// built on it still exists. Unknown dependencies are dropped.
func (g Graph) Reverse() Graph {
	r := make(Graph, len(g))
	index := make(map[string]int, len(g))
	for i, s := range g {
		s.After = nil
		r[i] = s
		index[s.Name] = i
	}
	for _, s := range g {
		for _, d := range s.After {
			if i, ok := index[d]; ok {
				r[i].After = append(r[i].After, s.Name)
			}
		}
	}
	return r
}
