package web

import (
	"net/http"
	"strings"

	"github.com/orchestera/orchestera/internal/domain"
)

// datasourceInput is the add-a-datasource form: the fields of both kinds,
// of which the domain's rules take those of the kind chosen.
type datasourceInput struct {
	Name, Kind               string
	Bucket, Region, Endpoint string
	URL, Driver, Secret      string
}

func (c *console) putDatasource(w http.ResponseWriter, r *http.Request, s *session) error {
	f := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	in := datasourceInput{Name: f("name"), Kind: f("kind"), Bucket: f("bucket"), Region: f("region"), Endpoint: f("endpoint"),
		URL: f("url"), Driver: f("driver"), Secret: f("secret")}
	stack, ns := r.PathValue("stack"), r.PathValue("namespace")
	d := domain.Datasource{Namespace: ns, Name: in.Name, Kind: domain.DatasourceKind(in.Kind), SecretAlias: in.Secret}
	// A form posts both kinds' fields: keep the chosen kind's, so an
	// answer typed and then left in the other kind's box is no error.
	if d.Kind == domain.DatasourceJDBC {
		d.URL, d.Driver = in.URL, in.Driver
	} else {
		d.Bucket, d.Region, d.Endpoint = in.Bucket, in.Region, in.Endpoint
	}
	if _, err := c.Stacks.PutDatasource(r.Context(), s.P, stack, d); err != nil {
		if domain.ErrorCode(err) != domain.CodeInvalid {
			return err
		}
		return c.namespacePage(w, r, s, namespaceForms{Datasource: in, Err: errorOf(err), Which: "datasource"})
	}
	return c.redirect(w, r, namespacePath(stack, ns)+"#datasources", "Datasource "+in.Name+" is saved; the stack's next sync puts it into the connections Secret.")
}
