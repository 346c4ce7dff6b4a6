package domain

import (
	"reflect"
	"testing"
)

func steps(spec ...[]string) Graph {
	var g Graph
	for _, s := range spec {
		g = append(g, Step{Name: s[0], After: s[1:]})
	}
	return g
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		g    Graph
		want string // "" for valid
	}{
		{"empty", nil, ""},
		{"diamond", steps([]string{"a"}, []string{"b", "a"}, []string{"c", "a"}, []string{"d", "b", "c"}), ""},
		{"no name", steps([]string{""}), "step 0 has no name"},
		{"duplicate", steps([]string{"a"}, []string{"a"}), `duplicate step "a"`},
		{"unknown", steps([]string{"a", "vpc"}), `step "a" depends on unknown step "vpc"`},
		{"self", steps([]string{"a", "a"}), `step "a" depends on itself`},
		{"several problems", steps([]string{"a", "x"}, []string{"a"}), "duplicate step \"a\"\nstep \"a\" depends on unknown step \"x\""},
		{"cycle", steps([]string{"a", "c"}, []string{"b", "a"}, []string{"c", "b"}, []string{"d"}),
			`dependency cycle: "a" waits for "c", "c" waits for "b", "b" waits for "a"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.g.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("Validate() = %v, want nil", err)
			case tt.want != "" && (err == nil || err.Error() != tt.want):
				t.Errorf("Validate() = %v, want %s", err, tt.want)
			}
		})
	}
}

func TestOrder(t *testing.T) {
	tests := []struct {
		name string
		g    Graph
		want [][]string
	}{
		{"diamond", steps([]string{"d", "b", "c"}, []string{"b", "a"}, []string{"a"}, []string{"c", "a"}),
			[][]string{{"a"}, {"b", "c"}, {"d"}}},
		{"uneven", steps([]string{"a"}, []string{"b", "a"}, []string{"c", "b"}, []string{"x"}, []string{"y", "x", "c"}),
			[][]string{{"a", "x"}, {"b"}, {"c"}, {"y"}}},
		{"invalid", steps([]string{"a", "a"}), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.g.Order(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Order() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestReverse(t *testing.T) {
	g := steps([]string{"a"}, []string{"b", "a"}, []string{"c", "a"}, []string{"d", "b", "c"})
	r := g.Reverse()
	want := map[string][]string{"a": {"b", "c"}, "b": {"d"}, "c": {"d"}, "d": nil}
	for _, s := range r {
		if !reflect.DeepEqual(s.After, want[s.Name]) {
			t.Errorf("reversed %s waits for %v, want %v", s.Name, s.After, want[s.Name])
		}
	}
	if got := r.Order(); !reflect.DeepEqual(got, [][]string{{"d"}, {"b", "c"}, {"a"}}) {
		t.Errorf("reversed Order() = %v", got)
	}
	if !reflect.DeepEqual(g[3].After, []string{"b", "c"}) {
		t.Error("Reverse changed the original graph")
	}
}
