package api

import (
	"encoding/json"
	"reflect"

	"github.com/danielgtaylor/huma/v2"

	"github.com/orchestera/orchestera/internal/domain"
)

// The domain reads a count of 0 as "not given" and puts its default in its
// place. A client that sends 0 (or less) asked for something else: these
// request bodies remember which keys they held, so the handler can refuse
// an explicit zero instead of replacing it silently.

// keys is the set of keys a JSON object held, each with its raw value.
type keys map[string]json.RawMessage

// atLeastOne refuses each named key that was given as a number below 1.
func (k keys) atLeastOne(names ...string) error {
	for _, name := range names {
		raw, ok := k[name]
		if !ok {
			continue
		}
		var n float64
		if json.Unmarshal(raw, &n) == nil && n < 1 {
			return domain.Invalid(name, "minimum", "must be at least 1; leave it out for the default")
		}
	}
	return nil
}

// RunRequest is the body of a run submission.
type RunRequest struct {
	domain.RunSpec
	given keys
}

// UnmarshalJSON decodes the spec and remembers its keys.
func (r *RunRequest) UnmarshalJSON(b []byte) error {
	if err := json.Unmarshal(b, &r.RunSpec); err != nil {
		return err
	}
	return json.Unmarshal(b, &r.given)
}

// Check refuses the counts given as 0 or less.
func (r *RunRequest) Check() error {
	return r.given.atLeastOne("executor_instances", "executor_cores")
}

// UnmarshalJSON decodes the request and remembers the options' keys.
func (r *CreateStackRequest) UnmarshalJSON(b []byte) error {
	type plain CreateStackRequest
	if err := json.Unmarshal(b, (*plain)(r)); err != nil {
		return err
	}
	var top struct {
		Options keys `json:"options"`
	}
	if err := json.Unmarshal(b, &top); err != nil {
		return err
	}
	r.givenOptions = top.Options
	return nil
}

// Check refuses the options given as 0 or less.
func (r *CreateStackRequest) Check() error {
	return r.givenOptions.atLeastOne("system_node_count", "spark_cpu_limit")
}

// optional is a query parameter that tells "not given" from its zero value.
type optional[T any] struct {
	Value T
	IsSet bool
}

// Receiver is where huma parses the parameter.
func (o *optional[T]) Receiver() reflect.Value { return reflect.ValueOf(o).Elem().Field(0) }

// Schema documents and validates the parameter as a T.
func (optional[T]) Schema(r huma.Registry) *huma.Schema {
	return r.Schema(reflect.TypeFor[T](), true, "")
}

// OnParamSet records whether the request had the parameter.
func (o *optional[T]) OnParamSet(isSet bool, _ any) { o.IsSet = isSet }
