// Package cfn is a small typed model of a CloudFormation template: Go
// structs rendered to JSON, so templates are built by code the compiler
// checks and golden files pin, never by string templates. Maps render with
// sorted keys, so a template's JSON is deterministic. It imports only the
// standard library.
package cfn

import (
	"bytes"
	"encoding/json"
)

// Template is one template.
type Template struct {
	AWSTemplateFormatVersion string
	Description              string
	Parameters               map[string]Parameter
	Resources                map[string]Resource
	Outputs                  map[string]Output
}

// Parameter is a template parameter.
type Parameter struct {
	Type                  string
	Description           string
	MinLength             int    `json:",omitempty"`
	MaxLength             int    `json:",omitempty"`
	AllowedPattern        string `json:",omitempty"`
	ConstraintDescription string `json:",omitempty"`
}

// Resource is a template resource.
type Resource struct {
	Type       string
	DependsOn  []string `json:",omitempty"`
	Properties any
}

// Output is a template output.
type Output struct {
	Description string
	Value       any
}

// Indented is the template's JSON indented, for golden files and people.
func (t Template) Indented() []byte { return t.marshal("  ") }

// Body is the template as sent to CloudFormation: compact, since a
// TemplateBody is limited to 51,200 bytes.
func (t Template) Body() string { return string(t.marshal("")) }

// marshal writes the JSON without HTML escaping ("List<...>" stays legible).
func (t Template) marshal(indent string) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", indent)
	if err := enc.Encode(t); err != nil {
		panic("rendering a CloudFormation template: " + err.Error()) // only typed structs are marshalled
	}
	return b.Bytes()
}
