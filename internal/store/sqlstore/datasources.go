package sqlstore

import (
	"context"
	"encoding/json"

	"github.com/orchestera/orchestera/internal/domain"
)

// dsConfig is the kind-specific part of a datasource, kept as JSON.
type dsConfig struct {
	Bucket   string `json:"bucket,omitempty"`
	Region   string `json:"region,omitempty"`
	Endpoint string `json:"endpoint,omitempty"`
	URL      string `json:"url,omitempty"`
	Driver   string `json:"driver,omitempty"`
}

func (s queries) PutDatasource(ctx context.Context, d domain.Datasource) error {
	cfg, err := json.Marshal(dsConfig{d.Bucket, d.Region, d.Endpoint, d.URL, d.Driver})
	if err != nil {
		return err
	}
	return s.exec(ctx, "datasource", "",
		`INSERT INTO datasources (id, org_id, stack_id, namespace, name, kind, config, secret_alias, updated_at)
		 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		 ON CONFLICT (stack_id, namespace, name) DO UPDATE SET kind = excluded.kind, config = excluded.config,
		   secret_alias = excluded.secret_alias, updated_at = excluded.updated_at`,
		d.ID, d.OrgID, d.StackID, d.Namespace, d.Name, string(d.Kind), string(cfg), d.SecretAlias, ms(d.UpdatedAt))
}

func (s queries) ListDatasources(ctx context.Context, orgID, stackID string) ([]domain.Datasource, error) {
	return list(ctx, s, func(r scanner) (domain.Datasource, error) {
		var d domain.Datasource
		var kind, cfg string
		var at int64
		if err := r.Scan(&d.ID, &d.OrgID, &d.StackID, &d.Namespace, &d.Name, &kind, &cfg, &d.SecretAlias, &at); err != nil {
			return d, err
		}
		var c dsConfig
		err := json.Unmarshal([]byte(cfg), &c)
		d.Kind, d.UpdatedAt = domain.DatasourceKind(kind), fromMS(at)
		d.Bucket, d.Region, d.Endpoint, d.URL, d.Driver = c.Bucket, c.Region, c.Endpoint, c.URL, c.Driver
		return d, err
	}, `SELECT id, org_id, stack_id, namespace, name, kind, config, secret_alias, updated_at FROM datasources
	    WHERE org_id = $1 AND stack_id = $2 ORDER BY namespace, name`, orgID, stackID)
}

func (s queries) DeleteDatasource(ctx context.Context, orgID, stackID, namespace, name string) error {
	return s.exec(ctx, "datasource", name, `DELETE FROM datasources WHERE org_id = $1 AND stack_id = $2 AND namespace = $3 AND name = $4`,
		orgID, stackID, namespace, name)
}
