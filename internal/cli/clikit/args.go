package clikit

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/orchestera/orchestera/internal/client"
)

// Args accepts exactly the named positional arguments, none of them empty:
// `orchestera runs get ""` would otherwise call the listing's URL.
func Args(names ...string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, got []string) error {
		if len(got) != len(names) {
			if len(names) == 0 {
				return fmt.Errorf("%s takes no arguments, got %q", cmd.CommandPath(), got)
			}
			return fmt.Errorf("%s takes %s, got %d argument(s); see %s --help", cmd.CommandPath(), strings.Join(names, " "), len(got), cmd.CommandPath())
		}
		for i, a := range got {
			if strings.TrimSpace(a) == "" {
				return fmt.Errorf("%s must not be empty", names[i])
			}
		}
		return nil
	}
}

// AtLeastOne refuses a count flag the user set below 1: the server reads 0
// as "not given" and would put its default in its place.
func AtLeastOne(cmd *cobra.Command, flags ...string) error {
	for _, name := range flags {
		f := cmd.Flags().Lookup(name)
		if f == nil || !f.Changed {
			continue
		}
		var n int
		if _, err := fmt.Sscan(f.Value.String(), &n); err == nil && n < 1 {
			return fmt.Errorf("--%s %d: must be at least 1; leave the flag out for the default", name, n)
		}
	}
	return nil
}

// InRange refuses an int flag outside [min, max], naming it.
func InRange(flag string, v, min, max int) error {
	if v < min || v > max {
		return fmt.Errorf("--%s %d: must be between %d and %d", flag, v, min, max)
	}
	return nil
}

// WholeSeconds refuses a negative duration flag, or one with a fraction of a
// second that the API (whole seconds) would silently drop.
func WholeSeconds(flag string, d time.Duration) error {
	switch {
	case d < 0:
		return fmt.Errorf("--%s %s: must not be negative", flag, d)
	case d%time.Second != 0:
		return fmt.Errorf("--%s %s: must be whole seconds, e.g. %s; it is never rounded", flag, d, d.Round(time.Second).String())
	}
	return nil
}

// ParseTime reads a time flag: an RFC 3339 time, or a duration meaning that
// long ago (10m, 2h).
func ParseTime(flag, v string, now time.Time) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if d, err := time.ParseDuration(v); err == nil {
		if d < 0 {
			return time.Time{}, fmt.Errorf("--%s %s: a duration means that long ago and must not be negative", flag, v)
		}
		return now.Add(-d), nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("--%s %q: must be a duration such as 10m (that long ago) or a time such as 2026-11-29T10:00:00Z", flag, v)
}

// Flagged renames the fields of a server's problem to what the user typed:
// the API says timeout_seconds, the user typed --timeout.
func Flagged(err error, names map[string]string) error {
	var e *client.Error
	if !errors.As(err, &e) || len(e.Errors) == 0 {
		return err
	}
	out := &client.Error{Problem: e.Problem}
	out.Errors = append(out.Errors[:0:0], e.Errors...)
	for i, f := range out.Errors {
		if name, ok := names[f.Field]; ok {
			out.Detail = strings.ReplaceAll(out.Detail, f.Field, name)
			out.Errors[i].Field = name
		}
	}
	return out
}
