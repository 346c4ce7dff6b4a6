package api

import (
	"encoding/base64"
	"time"

	"github.com/orchestera/orchestera/internal/domain"
)

// AttachStackRequest is the body of POST /v1/stacks/attach.
type AttachStackRequest struct {
	Name       string   `json:"name" doc:"3-32 lowercase letters, digits and hyphens, starting with a letter" example:"shared"`
	Kubeconfig string   `json:"kubeconfig" doc:"A kubeconfig with its credential inline (kubectl config view --minify --flatten --raw); kept encrypted, never returned" minLength:"1" maxLength:"262144"`
	Context    string   `json:"context,omitempty" doc:"The kubeconfig context; default: its current context"`
	Namespaces []string `json:"namespaces,omitempty" doc:"Default: spark"`
}

// ClusterToken is how kubectl reaches one namespace of a cluster stack.
type ClusterToken struct {
	Endpoint                 string    `json:"endpoint"`
	CertificateAuthorityData string    `json:"certificate_authority_data,omitempty" doc:"The cluster's CA, PEM in base64"`
	Token                    string    `json:"token" doc:"A namespace-scoped service account token"`
	ExpiresAt                time.Time `json:"expires_at"`
}

func toClusterToken(t domain.ClusterToken) ClusterToken {
	return ClusterToken{Endpoint: t.Endpoint, CertificateAuthorityData: base64.StdEncoding.EncodeToString(t.CA), Token: t.Token, ExpiresAt: t.Expires}
}

// SyncStatus is a stack's last sync: every source by alias, never a value.
type SyncStatus struct {
	At       time.Time         `json:"at"`
	Synced   int               `json:"synced"`
	Removed  int               `json:"removed"`
	Items    []domain.SyncItem `json:"items" doc:"Every source, with its problem if it could not be synced"`
	Problems int               `json:"problems"`
}

func toSync(r domain.SyncReport) *SyncStatus {
	items := r.Items
	if items == nil {
		items = []domain.SyncItem{}
	}
	return &SyncStatus{At: r.At, Synced: r.Synced(), Removed: r.Removed, Items: items, Problems: len(r.Problems())}
}

// Datasource is an S3 bucket or JDBC database of a namespace.
type Datasource struct {
	Name      string                `json:"name" example:"warehouse"`
	Namespace string                `json:"namespace" example:"spark"`
	Kind      domain.DatasourceKind `json:"kind" enum:"s3,jdbc"`
	Bucket    string                `json:"bucket,omitempty" doc:"s3: the bucket"`
	Region    string                `json:"region,omitempty" doc:"s3: the bucket's region"`
	Endpoint  string                `json:"endpoint,omitempty" doc:"s3: an S3-compatible endpoint"`
	URL       string                `json:"url,omitempty" doc:"jdbc: the JDBC URL, without credentials"`
	Driver    string                `json:"driver,omitempty" doc:"jdbc: the driver class"`
	Secret    string                `json:"secret,omitempty" doc:"The secret alias holding the credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (s3), JDBC_USER and JDBC_PASSWORD (jdbc)"`
	UpdatedAt time.Time             `json:"updated_at"`
}

// DatasourceRequest is the body of PUT .../datasources/{name}.
type DatasourceRequest struct {
	Kind     domain.DatasourceKind `json:"kind" enum:"s3,jdbc"`
	Bucket   string                `json:"bucket,omitempty"`
	Region   string                `json:"region,omitempty"`
	Endpoint string                `json:"endpoint,omitempty"`
	URL      string                `json:"url,omitempty"`
	Driver   string                `json:"driver,omitempty"`
	Secret   string                `json:"secret,omitempty"`
}

func toDatasource(d domain.Datasource) Datasource {
	return Datasource{Name: d.Name, Namespace: d.Namespace, Kind: d.Kind, Bucket: d.Bucket, Region: d.Region, Endpoint: d.Endpoint,
		URL: d.URL, Driver: d.Driver, Secret: d.SecretAlias, UpdatedAt: d.UpdatedAt}
}
