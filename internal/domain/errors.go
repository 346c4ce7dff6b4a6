package domain

import (
	"errors"
	"fmt"
)

// Code classifies an Error; the HTTP layer maps each code to one status.
type Code string

// The error codes. Adapters translate their own failures into these.
const (
	CodeInvalid      Code = "invalid"
	CodeNotFound     Code = "not_found"
	CodeConflict     Code = "conflict"
	CodeUnauthorized Code = "unauthorized"
	CodeForbidden    Code = "forbidden"
	CodeUnavailable  Code = "unavailable"
	CodeRateLimited  Code = "rate_limited"
	CodeInternal     Code = "internal"
)

// FieldError names one input field, the rule it broke, and a sentence a
// person can act on.
type FieldError struct {
	Field   string `json:"field"`
	Rule    string `json:"rule"`
	Message string `json:"message"`
}

// Error is the one error type the domain returns.
type Error struct {
	Code    Code
	Message string
	Fields  []FieldError
}

func (e *Error) Error() string {
	if len(e.Fields) == 0 {
		return e.Message
	}
	f := e.Fields[0]
	return fmt.Sprintf("%s: %s (rule: %s)", f.Field, f.Message, f.Rule)
}

// Errorf returns an Error with the given code.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid reports one field that broke one rule.
func Invalid(field, rule, message string) *Error {
	return &Error{
		Code:    CodeInvalid,
		Message: "invalid " + field,
		Fields:  []FieldError{{Field: field, Rule: rule, Message: message}},
	}
}

// NotFound is the answer for a missing object and for an object of another
// organization alike, so ids never reveal what exists elsewhere.
func NotFound(kind, id string) *Error {
	return Errorf(CodeNotFound, "%s %q not found", kind, id)
}

// ErrorCode returns the code of err, CodeInternal for foreign errors.
func ErrorCode(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// IsNotFound reports whether err is a not-found Error.
func IsNotFound(err error) bool { return ErrorCode(err) == CodeNotFound }

// ClusterError is a cluster's answer as the user sees it: the domain's
// code if it has one, else unavailable, with what was being done and the
// fix. Cluster errors are about the customer's own cluster: showing them
// leaks nothing of the server's.
func ClusterError(doing string, err error) error {
	if err == nil {
		return nil
	}
	code := ErrorCode(err)
	if code == CodeInternal {
		code = CodeUnavailable
	}
	fix := FixOf(err)
	var de *Error
	if errors.As(err, &de) && code != CodeUnavailable && fix == "" {
		return err // the domain's own, with its fields
	}
	msg := doing + ": " + err.Error()
	if fix != "" {
		msg += "; fix: " + fix
	}
	return Errorf(code, "%s", msg)
}
