package iampolicy

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Document is an IAM policy document (identity or trust policy).
type Document struct {
	Version   string     `json:"Version"`
	Statement Statements `json:"Statement"`
}

// Statement is one statement. Action, NotAction, Resource and the values of
// Principal and Condition accept a string or a list, as IAM does.
type Statement struct {
	Sid          string                           `json:"Sid,omitempty"`
	Effect       string                           `json:"Effect"`
	Principal    *Principal                       `json:"Principal,omitempty"`
	NotPrincipal *Principal                       `json:"NotPrincipal,omitempty"`
	Action       StringList                       `json:"Action,omitempty"`
	NotAction    StringList                       `json:"NotAction,omitempty"`
	Resource     StringList                       `json:"Resource,omitempty"`
	Condition    map[string]map[string]StringList `json:"Condition,omitempty"`
}

// Statements is one statement object or a list of them.
type Statements []Statement

// UnmarshalJSON accepts an object or an array.
func (s *Statements) UnmarshalJSON(b []byte) error {
	if b = bytes.TrimSpace(b); len(b) > 0 && b[0] == '{' {
		var one Statement
		if err := json.Unmarshal(b, &one); err != nil {
			return err
		}
		*s = Statements{one}
		return nil
	}
	var many []Statement
	if err := json.Unmarshal(b, &many); err != nil {
		return err
	}
	*s = many
	return nil
}

// StringList is a string or a list of strings.
type StringList []string

// UnmarshalJSON accepts a string or an array of strings.
func (l *StringList) UnmarshalJSON(b []byte) error {
	if b = bytes.TrimSpace(b); len(b) > 0 && b[0] == '"' {
		var one string
		if err := json.Unmarshal(b, &one); err != nil {
			return err
		}
		*l = StringList{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return fmt.Errorf("expected a string or a list of strings")
	}
	*l = many
	return nil
}

// MarshalJSON writes a single value as a string, as the AWS console does.
func (l StringList) MarshalJSON() ([]byte, error) {
	if len(l) == 1 {
		return json.Marshal(l[0])
	}
	return json.Marshal([]string(l))
}

// Principal is "*" (Any) or a map such as {"AWS": ["arn:...", "123"]}.
type Principal struct {
	Any bool
	Map map[string]StringList
}

// UnmarshalJSON accepts "*" or an object of string-or-list values.
func (p *Principal) UnmarshalJSON(b []byte) error {
	if b = bytes.TrimSpace(b); len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		if s != "*" {
			return fmt.Errorf("a Principal string must be \"*\", got %q", s)
		}
		p.Any = true
		return nil
	}
	return json.Unmarshal(b, &p.Map)
}

// MarshalJSON writes "*" or the map.
func (p Principal) MarshalJSON() ([]byte, error) {
	if p.Any {
		return []byte(`"*"`), nil
	}
	return json.Marshal(p.Map)
}

// Parse reads a policy document, accepting IAM's string-or-list forms.
func Parse(b []byte) (Document, error) {
	var d Document
	if err := json.Unmarshal(b, &d); err != nil {
		return d, fmt.Errorf("not an IAM policy document: %w", err)
	}
	if len(d.Statement) == 0 {
		return d, fmt.Errorf("not an IAM policy document: no Statement")
	}
	return d, nil
}

// JSON renders a document indented, as a customer would paste it.
func (d Document) JSON() []byte {
	b, _ := json.MarshalIndent(d, "", "    ")
	return append(b, '\n')
}
