package ekstoken

import (
	"context"
	"encoding/base64"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// decode is the presigned URL inside a token.
func decode(t *testing.T, token string) *url.URL {
	t.Helper()
	b64, ok := strings.CutPrefix(token, Prefix)
	if !ok {
		t.Fatalf("token %q lacks the %s prefix", token, Prefix)
	}
	raw, err := base64.RawURLEncoding.DecodeString(b64)
	if err != nil {
		t.Fatalf("not base64url without padding: %v", err)
	}
	u, err := url.Parse(string(raw))
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// The format the EKS API server (aws-iam-authenticator) checks: a
// presigned GetCallerIdentity to the regional STS endpoint, valid for 60
// seconds, whose signature covers the host and the cluster's name.
func TestTokenFormat(t *testing.T) {
	cfg := aws.Config{Region: "eu-west-1", Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", "session")}
	before := time.Now()
	token, exp, err := Token(context.Background(), cfg, "orchestera-etl-cluster")
	if err != nil {
		t.Fatal(err)
	}
	u := decode(t, token)
	q := u.Query()
	switch {
	case u.Scheme != "https" || u.Host != "sts.eu-west-1.amazonaws.com":
		t.Errorf("URL %s: want https://sts.eu-west-1.amazonaws.com", u)
	case q.Get("Action") != "GetCallerIdentity" || q.Get("Version") != "2011-06-15":
		t.Errorf("query %v: want Action=GetCallerIdentity&Version=2011-06-15", q)
	case q.Get("X-Amz-Expires") != "60":
		t.Errorf("X-Amz-Expires = %q, want 60", q.Get("X-Amz-Expires"))
	case q.Get("X-Amz-SignedHeaders") != "host;x-k8s-aws-id":
		t.Errorf("signed headers %q, want host;x-k8s-aws-id", q.Get("X-Amz-SignedHeaders"))
	case !strings.HasPrefix(q.Get("X-Amz-Credential"), "AKIDEXAMPLE/") || !strings.Contains(q.Get("X-Amz-Credential"), "/eu-west-1/sts/aws4_request"):
		t.Errorf("credential scope %q", q.Get("X-Amz-Credential"))
	case q.Get("X-Amz-Security-Token") != "session" || q.Get("X-Amz-Signature") == "":
		t.Errorf("the session token and the signature must be in the query: %v", q)
	case exp.Before(before.Add(13*time.Minute)) || exp.After(before.Add(Lifetime)):
		t.Errorf("expires %v, want a little under 15 minutes from now", exp)
	}
}
