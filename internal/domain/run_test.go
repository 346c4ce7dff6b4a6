package domain

import (
	"strings"
	"testing"
)

func TestRunSpecLimits(t *testing.T) {
	base := func() RunSpec {
		return RunSpec{Classpath: "example.spark.application.HelloWorld", ApplicationName: "hello", Project: "/p"}
	}
	many := make([]RunArg, MaxRunArgs+1)
	for i := range many {
		many[i] = RunArg{Key: "a", Value: "1"}
	}
	cases := []struct {
		name        string
		mod         func(*RunSpec)
		field, rule string // "" when valid
	}{
		{"defaults", func(*RunSpec) {}, "", ""},
		{"timeout of 7 days", func(s *RunSpec) { s.TimeoutSeconds = MaxTimeoutSeconds }, "", ""},
		{"timeout that overflows a duration", func(s *RunSpec) { s.TimeoutSeconds = 9223372037 }, "timeout_seconds", "range"},
		{"timeout a second over 7 days", func(s *RunSpec) { s.TimeoutSeconds = MaxTimeoutSeconds + 1 }, "timeout_seconds", "range"},
		{"negative timeout", func(s *RunSpec) { s.TimeoutSeconds = -1 }, "timeout_seconds", "range"},
		{"as many arguments as allowed", func(s *RunSpec) { s.Args = many[:MaxRunArgs] }, "", ""},
		{"one argument too many", func(s *RunSpec) { s.Args = many }, "args", "max_items"},
		{"a value of the largest size", func(s *RunSpec) { s.Args = []RunArg{{Key: "v", Value: strings.Repeat("x", MaxRunArgValue)}} }, "", ""},
		{"a 200 KB value", func(s *RunSpec) { s.Args = []RunArg{{Key: "v", Value: strings.Repeat("x", 200<<10)}} }, "args", "max_length"},
		{"a NUL byte in a value", func(s *RunSpec) { s.Args = []RunArg{{Key: "v", Value: "a\x00b"}} }, "args", "no_nul"},
		{"a newline in a value is fine", func(s *RunSpec) { s.Args = []RunArg{{Key: "v", Value: "a\nb"}} }, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := base()
			c.mod(&s)
			err := s.Normalize()
			if c.field == "" {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			e, ok := err.(*Error)
			if !ok || e.Code != CodeInvalid || e.Fields[0].Field != c.field || e.Fields[0].Rule != c.rule {
				t.Fatalf("error = %#v, want field %s rule %s", err, c.field, c.rule)
			}
		})
	}
}
