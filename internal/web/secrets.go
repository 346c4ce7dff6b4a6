package web

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/orchestera/orchestera/internal/domain"
)

// putSecret creates or replaces a secret from a JSON object typed or
// pasted into the form, as `secrets put --from-file` reads one. The value
// is never written back into a page: after an error the box is empty.
func (c *console) putSecret(w http.ResponseWriter, r *http.Request, s *session) error {
	stack, ns, alias := r.PathValue("stack"), r.PathValue("namespace"), strings.TrimSpace(r.PostFormValue("alias"))
	kv, err := secretJSON(r.PostFormValue("value"))
	if err == nil {
		_, err = c.Secrets.Put(r.Context(), s.P, stack, ns, alias, kv)
	}
	if err != nil {
		if domain.ErrorCode(err) != domain.CodeInvalid {
			return err
		}
		return c.namespacePage(w, r, s, namespaceForms{SecretAlias: alias, Err: errorOf(err), Which: "secret"})
	}
	return c.redirect(w, r, namespacePath(stack, ns)+"#secrets", "Secret "+alias+" is saved; runs pull it with --pull-secrets-from "+alias+".")
}

// secretJSON reads a flat JSON object of strings; its errors name no value.
func secretJSON(raw string) (map[string]string, error) {
	var kv map[string]string
	dec := json.NewDecoder(bytes.NewReader([]byte(raw)))
	if dec.Decode(&kv) != nil || dec.More() {
		return nil, domain.Invalid("value", "json_object", `must be one flat JSON object of strings, such as {"JDBC_USER": "etl", "JDBC_PASSWORD": "..."}`)
	}
	return kv, nil
}
