package domain

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// A datasource is a named S3 bucket or JDBC database a namespace's
// pipelines use. (AWS connections are what the platform reaches the
// customer's account through; datasources are what pipelines read.) It
// holds no credential: it names a secret alias of its namespace, and the
// sync resolves it into the namespace's connections Secret, which runs
// mount read-only.
type Datasource struct {
	ID, OrgID, StackID string
	Namespace          string
	Name               string
	Kind               DatasourceKind

	// S3
	Bucket   string
	Region   string
	Endpoint string // an S3-compatible endpoint; empty for AWS's own

	// JDBC
	URL    string
	Driver string

	// SecretAlias names the secret with the credentials: for S3 the keys
	// AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN);
	// for JDBC, JDBC_USER and JDBC_PASSWORD. Empty: S3 uses the namespace's
	// IAM role, JDBC connects without them.
	SecretAlias string

	UpdatedAt time.Time
}

// DatasourceKind is what a datasource is.
type DatasourceKind string

// The datasource kinds.
const (
	DatasourceS3   DatasourceKind = "s3"
	DatasourceJDBC DatasourceKind = "jdbc"
)

// The keys a datasource's secret holds.
const (
	SecretKeyAccessKeyID     = "AWS_ACCESS_KEY_ID"
	SecretKeySecretAccessKey = "AWS_SECRET_ACCESS_KEY"
	SecretKeySessionToken    = "AWS_SESSION_TOKEN"
	SecretKeyJDBCUser        = "JDBC_USER"
	SecretKeyJDBCPassword    = "JDBC_PASSWORD"
)

var (
	bucketName = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
	regionName = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]$`)
	// credentialsInURL catches user:password@ and password= in JDBC URLs.
	credentialsInURL = regexp.MustCompile(`(?i)(//[^/@]*:[^/@]*@|[?;&]password=)`)
)

// Validate checks a datasource, naming the first bad field. Credentials in
// its fields are refused: they belong in a secret it names.
func (d Datasource) Validate() error {
	if err := ValidateNamespaceName(d.Name); err != nil {
		return Invalid("name", "dns1123_label", "must be 1-63 lowercase letters, digits or '-', starting and ending with a letter or digit")
	}
	if d.SecretAlias != "" && !dnsLabel.MatchString(d.SecretAlias) {
		return Invalid("secret", "dns1123_label", "the secret alias must be a DNS label")
	}
	switch d.Kind {
	case DatasourceS3:
		switch {
		case !bucketName.MatchString(d.Bucket) || strings.Contains(d.Bucket, ".."):
			return Invalid("bucket", "s3_bucket", "must be an S3 bucket name: 3-63 lowercase letters, digits, '.' or '-'")
		case d.Region != "" && !regionName.MatchString(d.Region):
			return Invalid("region", "aws_region", d.Region+" is not an AWS region such as eu-west-1")
		case d.URL != "" || d.Driver != "":
			return Invalid("url", "kind", "an s3 datasource has a bucket, not a JDBC url or driver")
		}
		if d.Endpoint != "" {
			u, err := url.Parse(d.Endpoint)
			if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
				return Invalid("endpoint", "url", "must be an http(s):// address without credentials, such as https://minio.example.com")
			}
		}
	case DatasourceJDBC:
		switch {
		case !strings.HasPrefix(d.URL, "jdbc:") || len(d.URL) > 2048:
			return Invalid("url", "jdbc_url", "must be a JDBC URL such as jdbc:postgresql://db.example.com:5432/sales")
		case credentialsInURL.MatchString(d.URL):
			return Invalid("url", "no_credentials", fmt.Sprintf("the URL carries credentials: put %s and %s in a secret and name it with --secret", SecretKeyJDBCUser, SecretKeyJDBCPassword))
		case d.Bucket != "" || d.Endpoint != "":
			return Invalid("bucket", "kind", "a jdbc datasource has a url, not a bucket or endpoint")
		}
	default:
		return Invalid("kind", "enum", `must be "s3" or "jdbc"`)
	}
	return nil
}
