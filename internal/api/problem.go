package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/orchestera/orchestera/internal/domain"
)

// Problem is an RFC 9457 problem document. Errors name each bad field and
// the rule it broke.
type Problem struct {
	Type      string              `json:"type,omitempty"`
	Title     string              `json:"title"`
	Status    int                 `json:"status"`
	Detail    string              `json:"detail,omitempty"`
	Code      domain.Code         `json:"code"`
	RequestID string              `json:"request_id,omitempty"`
	Errors    []domain.FieldError `json:"errors,omitempty"`
}

func (p *Problem) Error() string             { return p.Detail }
func (p *Problem) GetStatus() int            { return p.Status }
func (p *Problem) ContentType(string) string { return "application/problem+json" }

// statusOf is the one table from domain error codes to HTTP statuses.
var statusOf = map[domain.Code]int{
	domain.CodeInvalid:      http.StatusBadRequest,
	domain.CodeNotFound:     http.StatusNotFound,
	domain.CodeConflict:     http.StatusConflict,
	domain.CodeUnauthorized: http.StatusUnauthorized,
	domain.CodeForbidden:    http.StatusForbidden,
	domain.CodeUnavailable:  http.StatusServiceUnavailable,
	domain.CodeRateLimited:  http.StatusTooManyRequests,
	domain.CodeInternal:     http.StatusInternalServerError,
}

func codeOf(status int) domain.Code {
	for c, s := range statusOf {
		if s == status {
			return c
		}
	}
	if status == http.StatusUnprocessableEntity {
		return domain.CodeInvalid
	}
	return domain.CodeInternal
}

// ProblemOf is the Problem the API answers err with: the console shows the
// same status and messages.
func ProblemOf(err error) *Problem { return problemFrom(err) }

// problemFrom turns a handler's error into a Problem. Errors from outside
// the domain become a bare 500 so their text (SQL, paths) never leaks.
func problemFrom(err error) *Problem {
	var de *domain.Error
	if !errors.As(err, &de) || de.Code == domain.CodeInternal {
		return newProblem(http.StatusInternalServerError, "internal error; the server log has the details under this request id")
	}
	p := newProblem(statusOf[de.Code], de.Message)
	p.Errors = de.Fields
	return p
}

// writeProblem answers p outside huma (middleware).
func writeProblem(w http.ResponseWriter, p *Problem) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(p.Status)
	json.NewEncoder(w).Encode(p)
}

func newProblem(status int, detail string) *Problem {
	return &Problem{Title: http.StatusText(status), Status: status, Detail: detail, Code: codeOf(status)}
}

func init() {
	// huma builds its own errors (bad JSON, schema violations, 404s) through
	// this hook; route them into the same Problem shape. Schema violations
	// are 400s here: the issue is bad input, as with domain validation.
	huma.NewErrorWithContext = func(ctx huma.Context, status int, msg string, errs ...error) huma.StatusError {
		if status == http.StatusUnprocessableEntity {
			status = http.StatusBadRequest
		}
		p := newProblem(status, msg)
		for _, e := range errs {
			p.Errors = append(p.Errors, fieldErrorFrom(e))
		}
		if ctx != nil {
			p.RequestID = requestInfoFrom(ctx.Context()).ID
		}
		return p
	}
}

func fieldErrorFrom(err error) domain.FieldError {
	var d huma.ErrorDetailer
	if !errors.As(err, &d) {
		return domain.FieldError{Field: "body", Rule: "request", Message: err.Error()}
	}
	det := d.ErrorDetail()
	field, rule := det.Location, "schema"
	// huma reports a missing property at its parent; name the property.
	if m := missingProperty.FindStringSubmatch(det.Message); m != nil {
		field, rule = field+"."+m[1], "required"
	}
	for _, prefix := range []string{"body.", "path.", "query.", "header.", "cookie."} {
		field = strings.TrimPrefix(field, prefix)
	}
	return domain.FieldError{Field: field, Rule: rule, Message: det.Message}
}

var missingProperty = regexp.MustCompile(`^expected required property (\S+) to be present`)
