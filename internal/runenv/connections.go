package runenv

import (
	"encoding/json"
	"fmt"
	"sort"

	"github.com/orchestera/orchestera/internal/domain"
)

// The connections file: what ORCH_CONNECTIONS_FILE points at, the
// datasources of a run's namespace with their credentials resolved. The
// platform keeps it in the namespace's connections Secret, mounted
// read-only; its shape is the one orchestera-lib's orchestera.connections
// reads, so pipelines written for it run unchanged.
const (
	ConnectionsSecret = "orchestera-connections"
	ConnectionsKey    = "connections.json"
	// ConnectionsMount is where runs find it.
	ConnectionsMount = "/var/run/orchestera/connections"
	// ConnectionsPath is the file itself: ConnectionsFile's value on a
	// Kubernetes stack, and where orchestera.connections looks without it.
	ConnectionsPath = ConnectionsMount + "/" + ConnectionsKey
)

// Connection is one entry of the file.
type Connection struct {
	Name        string            `json:"name"`
	Kind        string            `json:"kind"` // "S3" or "JDBC"
	Region      string            `json:"region,omitempty"`
	NetworkMode string            `json:"network_mode,omitempty"`
	Host        string            `json:"host,omitempty"`
	SparkConf   map[string]string `json:"spark_conf,omitempty"`
	JDBC        map[string]string `json:"jdbc,omitempty"`
}

// Connections builds the file from a namespace's datasources and its
// secrets (alias to keys). A datasource whose secret is missing or lacks a
// key is left out, with its problem by name; the message names keys, never
// values.
func Connections(ds []domain.Datasource, secrets map[string]map[string]string) ([]byte, map[string]string) {
	out := []Connection{}
	problems := map[string]string{}
	for _, d := range ds {
		c, err := connection(d, secrets)
		if err != nil {
			problems[d.Name] = err.Error()
			continue
		}
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	b, _ := json.MarshalIndent(out, "", "  ") // strings only: cannot fail
	return b, problems
}

func connection(d domain.Datasource, secrets map[string]map[string]string) (Connection, error) {
	var creds map[string]string
	if d.SecretAlias != "" {
		var ok bool
		if creds, ok = secrets[d.SecretAlias]; !ok {
			return Connection{}, fmt.Errorf("its secret %q does not exist in namespace %s", d.SecretAlias, d.Namespace)
		}
	}
	need := func(keys ...string) error {
		for _, k := range keys {
			if creds[k] == "" {
				return fmt.Errorf("its secret %q has no key %s", d.SecretAlias, k)
			}
		}
		return nil
	}
	switch d.Kind {
	case domain.DatasourceS3:
		conf := map[string]string{}
		prefix := "spark.hadoop.fs.s3a.bucket." + d.Bucket + "."
		if d.Region != "" {
			conf[prefix+"endpoint.region"] = d.Region
		}
		if d.Endpoint != "" {
			conf[prefix+"endpoint"] = d.Endpoint
			conf[prefix+"path.style.access"] = "true"
		}
		if creds != nil {
			if err := need(domain.SecretKeyAccessKeyID, domain.SecretKeySecretAccessKey); err != nil {
				return Connection{}, err
			}
			conf[prefix+"access.key"] = creds[domain.SecretKeyAccessKeyID]
			conf[prefix+"secret.key"] = creds[domain.SecretKeySecretAccessKey]
			conf[prefix+"aws.credentials.provider"] = "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider"
			if tok := creds[domain.SecretKeySessionToken]; tok != "" {
				conf[prefix+"session.token"] = tok
				conf[prefix+"aws.credentials.provider"] = "org.apache.hadoop.fs.s3a.TemporaryAWSCredentialsProvider"
			}
		}
		return Connection{Name: d.Name, Kind: "S3", Region: d.Region, NetworkMode: "PUBLIC", Host: d.Endpoint, SparkConf: conf}, nil
	default:
		jdbc := map[string]string{"url": d.URL}
		if d.Driver != "" {
			jdbc["driver"] = d.Driver
		}
		if creds != nil {
			if err := need(domain.SecretKeyJDBCUser, domain.SecretKeyJDBCPassword); err != nil {
				return Connection{}, err
			}
			jdbc["user"], jdbc["password"] = creds[domain.SecretKeyJDBCUser], creds[domain.SecretKeyJDBCPassword]
		}
		return Connection{Name: d.Name, Kind: "JDBC", JDBC: jdbc}, nil
	}
}
