package cfn

import (
	"maps"
	"slices"
	"strconv"
)

// Intrinsic functions, as values of resource properties and outputs. Only
// what our templates use is modelled: Ref, Fn::GetAtt, Fn::Sub, Fn::Join and
// Fn::Select (the AWS emulator lacks Fn::GetAZs with a Ref, so AZs are
// parameters: docs/aws-emulator.md, gap 10).

// RefValue is {"Ref": logical id or parameter}.
type RefValue struct {
	Ref string
}

// Ref refers to a resource or parameter.
func Ref(logicalID string) RefValue { return RefValue{Ref: logicalID} }

// GetAttValue is {"Fn::GetAtt": [logical id, attribute]}.
type GetAttValue struct {
	GetAtt [2]string `json:"Fn::GetAtt"`
}

// GetAtt reads an attribute of a resource.
func GetAtt(logicalID, attr string) GetAttValue {
	return GetAttValue{GetAtt: [2]string{logicalID, attr}}
}

// SubValue is {"Fn::Sub": string with ${...} references}.
type SubValue struct {
	Sub string `json:"Fn::Sub"`
}

// Sub substitutes ${Param} references in s.
func Sub(s string) SubValue { return SubValue{Sub: s} }

// JoinValue is {"Fn::Join": [separator, values]}.
type JoinValue struct {
	Join [2]any `json:"Fn::Join"`
}

// Join joins values with sep.
func Join(sep string, values ...any) JoinValue { return JoinValue{Join: [2]any{sep, values}} }

// SelectValue is {"Fn::Select": [index, list]}.
type SelectValue struct {
	Select [2]any `json:"Fn::Select"`
}

// Select is element i of a list-valued parameter.
func Select(i int, list any) SelectValue { return SelectValue{Select: [2]any{strconv.Itoa(i), list}} }

// Tag is a resource tag.
type Tag struct {
	Key   string
	Value string
}

// Tags are the tags of m in key order.
func Tags(m map[string]string) []Tag {
	out := make([]Tag, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, Tag{Key: k, Value: m[k]})
	}
	return out
}
