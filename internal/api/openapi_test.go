package api_test

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
)

// everyRoute is the API's surface. A route added without being listed here
// fails TestOpenAPIDocument, which is the prompt to cover it in
// TestCrossOrganizationIsolation too when it takes an object id.
var everyRoute = []string{
	"GET /auth/github/callback",
	"GET /auth/github/login",
	"POST /auth/github/choice",
	"POST /auth/github/accept-invitation",
	"POST /auth/github/create-organization",
	"GET /healthz",
	"GET /readyz",
	"GET /v1/invitations",
	"POST /v1/invitations",
	"DELETE /v1/invitations/{invitation_id}",
	"GET /v1/invitations/{invitation_id}",
	"GET /v1/members",
	"DELETE /v1/members/{user_id}",
	"GET /v1/members/{user_id}",
	"GET /v1/organization",
	"GET /v1/tokens",
	"POST /v1/tokens",
	"DELETE /v1/tokens/{token_id}",
	"GET /v1/tokens/{token_id}",
	"GET /v1/whoami",
	"GET /v1/stacks",
	"POST /v1/stacks",
	"GET /v1/stacks/{stack}/events",
	"POST /v1/stacks/{stack}/provision",
	"GET /v1/stacks/{stack}/plan",
	"GET /v1/stacks/{stack}/progress",
	"POST /v1/stacks/{stack}/update",
	"POST /v1/stacks/{stack}/destroy",
	"GET /v1/stacks/{stack}",
	"DELETE /v1/stacks/{stack}",
	"PUT /v1/stacks/{stack}/connection",
	"GET /v1/stacks/{stack}/namespaces",
	"POST /v1/stacks/{stack}/namespaces",
	"GET /v1/stacks/{stack}/namespaces/{namespace}/runs",
	"POST /v1/stacks/{stack}/namespaces/{namespace}/runs",
	"GET /v1/stacks/{stack}/namespaces/{namespace}/secrets",
	"PUT /v1/stacks/{stack}/namespaces/{namespace}/secrets/{alias}",
	"DELETE /v1/stacks/{stack}/namespaces/{namespace}/secrets/{alias}",
	"GET /v1/runs",
	"GET /v1/runs/{run_id}",
	"POST /v1/runs/{run_id}/cancel",
	"GET /v1/runs/{run_id}/logs",
	"GET /v1/aws/external-id",
	"POST /v1/aws/external-id/rotate",
	"GET /v1/aws-connections",
	"POST /v1/aws-connections",
	"GET /v1/aws-connections/{connection_id}",
	"DELETE /v1/aws-connections/{connection_id}",
	"POST /v1/aws-connections/{connection_id}/verify",
	"GET /v1/aws-connections/{connection_id}/events",
	"GET /v1/audit",
	"POST /v1/stacks/attach",
	"DELETE /v1/stacks/{stack}/namespaces/{namespace}",
	"POST /v1/stacks/{stack}/namespaces/{namespace}/token",
	"POST /v1/stacks/{stack}/sync",
	"GET /v1/stacks/{stack}/datasources",
	"PUT /v1/stacks/{stack}/namespaces/{namespace}/datasources/{name}",
	"DELETE /v1/stacks/{stack}/namespaces/{namespace}/datasources/{name}",
	"POST /v1/stacks/{stack}/namespaces/{namespace}/notebooks",
	"GET /v1/stacks/{stack}/namespaces/{namespace}/notebooks",
	"DELETE /v1/stacks/{stack}/namespaces/{namespace}/notebooks/{notebook}",
	"POST /v1/stacks/{stack}/namespaces/{namespace}/notebooks/{notebook}/connect",
}

type openAPIDoc struct {
	OpenAPI string                                `json:"openapi"`
	Paths   map[string]map[string]json.RawMessage `json:"paths"`
}

func (e *env) openAPI() (openAPIDoc, []byte) {
	e.t.Helper()
	r := e.must(200, "GET", "/openapi.json", "", nil)
	var doc openAPIDoc
	r.decode(e.t, &doc)
	return doc, r.body
}

func routes(doc openAPIDoc) []string {
	var out []string
	for path, ops := range doc.Paths {
		for method := range ops {
			out = append(out, strings.ToUpper(method)+" "+path)
		}
	}
	slices.Sort(out)
	return out
}

func TestOpenAPIDocument(t *testing.T) {
	e := newEnv(t)
	doc, raw := e.openAPI()
	if doc.OpenAPI != "3.1.0" {
		t.Fatalf("openapi = %q, want 3.1.0", doc.OpenAPI)
	}
	parsed, err := libopenapi.NewDocument(raw)
	if err != nil {
		t.Fatal(err)
	}
	v, errs := validator.NewValidator(parsed)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if ok, verrs := v.ValidateDocument(); !ok {
		for _, ve := range verrs {
			t.Errorf("invalid OpenAPI 3.1: %s: %s", ve.Message, ve.Reason)
		}
	}
	want := slices.Clone(everyRoute)
	slices.Sort(want)
	if got := routes(doc); !slices.Equal(got, want) {
		t.Fatalf("documented routes:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// Secured operations declare the bearer scheme and their problem answers.
	for path, ops := range doc.Paths {
		for method, raw := range ops {
			if strings.HasPrefix(path, "/v1/") && !regexp.MustCompile(`"security":\[\{"bearer"`).Match(raw) {
				t.Errorf("%s %s does not declare bearer security", method, path)
			}
		}
	}
}
