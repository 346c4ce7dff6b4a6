package awsx

import (
	"bytes"
	"encoding/json"
	"strconv"
)

// A small typed model of a CloudFormation template: Go structs rendered to
// JSON, so a template is built by code that the compiler checks and a golden
// file pins, never by string templates. Only what the stack's templates use
// is modelled.

// cfnTemplate is one template. Maps render with sorted keys, so the JSON is
// deterministic: UpdateStack with an identical body and parameters is
// answered "No updates are to be performed".
type cfnTemplate struct {
	AWSTemplateFormatVersion string
	Description              string
	Parameters               map[string]cfnParameter
	Resources                map[string]cfnResource
	Outputs                  map[string]cfnOutput
}

type cfnParameter struct {
	Type           string
	Description    string
	AllowedPattern string `json:",omitempty"`
}

type cfnResource struct {
	Type       string
	DependsOn  []string `json:",omitempty"`
	Properties any
}

type cfnOutput struct {
	Description string
	Value       any
}

// cfnTag is a resource tag in a template.
type cfnTag struct {
	Key   string
	Value string
}

// resourceTags are the tags of m in key order.
func resourceTags(m map[string]string) []cfnTag {
	keys := sortedKeys(m)
	out := make([]cfnTag, len(keys))
	for i, k := range keys {
		out[i] = cfnTag{Key: k, Value: m[k]}
	}
	return out
}

// Intrinsic functions. Only Ref, Fn::GetAtt on attributes moto implements,
// Fn::Join and Fn::Select are used (aws-emulator.md gaps 10 and 11).

type cfnRef struct {
	Ref string
}

func ref(logicalID string) cfnRef { return cfnRef{Ref: logicalID} }

type cfnGetAtt struct {
	GetAtt [2]string `json:"Fn::GetAtt"`
}

func getAtt(logicalID, attr string) cfnGetAtt { return cfnGetAtt{GetAtt: [2]string{logicalID, attr}} }

type cfnJoin struct {
	Join [2]any `json:"Fn::Join"`
}

func join(sep string, values ...any) cfnJoin { return cfnJoin{Join: [2]any{sep, values}} }

type cfnSelect struct {
	Select [2]any `json:"Fn::Select"`
}

// selectIndex is element i of a list-valued parameter.
func selectIndex(i int, list any) cfnSelect { return cfnSelect{Select: [2]any{strconv.Itoa(i), list}} }

// render is the template indented, for the golden file and for people.
func (t cfnTemplate) render() []byte { return t.marshal("  ") }

// body is the template as sent to CloudFormation: compact, since a
// TemplateBody is limited to 51,200 bytes.
func (t cfnTemplate) body() string { return string(t.marshal("")) }

// marshal writes the JSON without HTML escaping ("List<...>" stays legible).
func (t cfnTemplate) marshal(indent string) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", indent)
	if err := enc.Encode(t); err != nil {
		panic("rendering a CloudFormation template: " + err.Error()) // only our own structs are marshalled
	}
	return b.Bytes()
}
