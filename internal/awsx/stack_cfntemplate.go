package awsx

import (
	"strconv"
)

// A small typed model of a CloudFormation template: Go structs rendered to
// JSON, so a template is built by code that the compiler checks and a golden
// file pins, never by string templates. Only what the stack's templates use
// is modelled.

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
// Fn::Join and Fn::Select are used (emulator gaps 10 and 11).

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
