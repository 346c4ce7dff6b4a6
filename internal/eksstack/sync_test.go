package eksstack

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/orchestera/orchestera/internal/aws/awssdk"
	"github.com/orchestera/orchestera/internal/aws/awsstack"
	"github.com/orchestera/orchestera/internal/aws/mototest"
	"github.com/orchestera/orchestera/internal/domain"
	"github.com/orchestera/orchestera/internal/iampolicy"
	"github.com/orchestera/orchestera/internal/kube/kubetest"
)

// The product's contract end to end, on moto (SSM, IAM, EKS) and the real
// API server: parameters become roles, annotations and Secrets; changes
// and removals follow; each bad parameter is reported by path and the
// others still sync.
func TestSyncAgainstMotoAndKubernetes(t *testing.T) {
	kubeconfig := kubetest.Kubeconfig(t)
	moto := mototest.Start(t)
	cfg := moto.Config("us-east-1")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	ns := "t-" + domain.NewID("n")[20:]
	st := domain.Stack{ID: domain.NewID("stk"), OrgID: domain.NewID("org"), Name: "etl", Kind: domain.StackAWS, Region: "us-east-1", ConnectionID: "conn_1"}
	spec := awsstack.SpecFor(st)
	cluster := createCluster(t, cfg, spec)
	sources := &fakeSources{namespaces: []string{ns}}
	p := New(Config{
		AWS:     awsstack.New(awsstack.Config{Platform: cfg, Connections: fakeConnections{}, Audit: fakeAudit{}, Log: slog.Default()}),
		Sources: sources, Kubeconfig: kubeconfig, Log: slog.Default(),
	})
	cs := admin(t, kubeconfig)
	t.Cleanup(func() { cs.CoreV1().Namespaces().Delete(context.Background(), ns, metav1.DeleteOptions{}) })
	if err := p.EnsureNamespace(ctx, st, ns); err != nil {
		t.Fatal(err)
	}

	ssmc, iamc := ssm.NewFromConfig(cfg), iam.NewFromConfig(cfg)
	path := func(kind, alias string) string { return domain.ParamPath(spec.ClusterName(), ns, kind, alias) }
	put := func(name, value string, secure bool) {
		t.Helper()
		typ := ssmtypes.ParameterTypeString
		if secure {
			typ = ssmtypes.ParameterTypeSecureString
		}
		if _, err := ssmc.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String(name), Value: aws.String(value), Type: typ, Overwrite: aws.Bool(true)}); err != nil {
			t.Fatal(err)
		}
	}
	readS3 := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject"],"Resource":"arn:aws:s3:::acme-events/*"}]}`
	put(path("secrets", "db"), `{"JDBC_USER":"etl","JDBC_PASSWORD":"pw-1"}`, true)
	put(path("secrets", "plain"), `{"K":"v"}`, false)
	put(path("secrets", "nested"), `{"a":{"b":"c"}}`, true)
	put(path("iams", "s3"), `{"service_account_name":"spark","role_name":"etl-s3-reader","inline_policies":{"read":`+readS3+`},"tags":{"team":"data"}}`, false)
	put(path("iams", "long"), `{"service_account_name":"reader","role_name":"`+strings.Repeat("r", 65)+`","inline_policies":{}}`, false)
	put(path("iams", "badpolicy"), `{"service_account_name":"writer","role_name":"etl-writer","inline_policies":{"w":{"Version":"2012-10-17","Statement":[{"Effect":"Maybe","Action":"s3:*","Resource":"*"}]}}}`, false)
	put(path("iams", "typo"), `{"service_acount_name":"spark"}`, false)
	put(domain.ParamPath(spec.ClusterName(), "elsewhere", "iams", "x"), `{"service_account_name":"spark","role_name":"x","inline_policies":{}}`, false)
	put("/orchestera/sparklith/"+spec.ClusterName()+"/"+ns+"/secret/misspelt", `{}`, true)

	start := time.Now()
	r, err := p.Sync(ctx, st, domain.SyncReport{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("first sync: %s", time.Since(start).Round(time.Millisecond))
	problems := map[string]string{}
	for _, it := range r.Problems() {
		problems[it.Source] = it.Problem
	}
	for source, want := range map[string]string{
		path("secrets", "plain"):  "must be a SecureString",
		path("secrets", "nested"): "the value of a is not a string",
		path("iams", "long"):      "role_name is 65 characters; IAM allows 64",
		path("iams", "badpolicy"): `inline policy w: statement 1: Effect must be "Allow" or "Deny"`,
		path("iams", "typo"):      `unknown field "service_acount_name"`,
		domain.ParamPath(spec.ClusterName(), "elsewhere", "iams", "x"):                "has no namespace elsewhere",
		"/orchestera/sparklith/" + spec.ClusterName() + "/" + ns + "/secret/misspelt": "not a path of the form",
	} {
		if !strings.Contains(problems[source], want) {
			t.Errorf("%s: problem %q, want %q", source, problems[source], want)
		}
	}
	if len(problems) != 7 || r.Synced() != 2 { // secrets/db and iams/s3
		t.Errorf("%d problems, %d synced: %+v", len(problems), r.Synced(), r.Items)
	}
	for _, it := range r.Items {
		if strings.Contains(it.Problem, "pw-1") {
			t.Fatalf("a secret value in a problem: %+v", it)
		}
	}

	role, err := iamc.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("etl-s3-reader")})
	if err != nil {
		t.Fatal(err)
	}
	trust, _ := iampolicy.Decode(aws.ToString(role.Role.AssumeRolePolicyDocument))
	sub := trust.Statement[0].Condition["StringEquals"][strings.TrimPrefix(cluster, "https://")+":sub"]
	tags := awssdk.FromIAMTags(role.Role.Tags)
	if len(sub) != 1 || sub[0] != "system:serviceaccount:"+ns+":spark" || tags["team"] != "data" || tags[awsstack.TagStack] != "etl" || tags[awsstack.TagNamespace] != ns {
		t.Errorf("role: trust %s, tags %v", aws.ToString(role.Role.AssumeRolePolicyDocument), tags)
	}
	if _, err := iamc.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String("etl-s3-reader"), PolicyName: aws.String("read")}); err != nil {
		t.Errorf("the inline policy: %v", err)
	}
	sa, err := cs.CoreV1().ServiceAccounts(ns).Get(ctx, "spark", metav1.GetOptions{})
	if err != nil || sa.Annotations["eks.amazonaws.com/role-arn"] != aws.ToString(role.Role.Arn) {
		t.Fatalf("spark's annotation: %v %v", err, sa.Annotations)
	}
	if s := secret(t, cs, ns, "db"); s["JDBC_PASSWORD"] != "pw-1" {
		t.Errorf("Secret db: %v", s)
	}

	// A value changes, a role's parameter goes: the next sync follows.
	put(path("secrets", "db"), `{"JDBC_USER":"etl","JDBC_PASSWORD":"pw-2"}`, true)
	if _, err := ssmc.DeleteParameter(ctx, &ssm.DeleteParameterInput{Name: aws.String(path("iams", "s3"))}); err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	r2, err := p.Sync(ctx, st, r)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("sync after a change: %s", time.Since(start).Round(time.Millisecond))
	if s := secret(t, cs, ns, "db"); s["JDBC_PASSWORD"] != "pw-2" {
		t.Errorf("Secret db after the change: %v", s)
	}
	if _, err := iamc.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("etl-s3-reader")}); !awssdk.IsNotFound(err) {
		t.Errorf("the role outlived its parameter: %v", err)
	}
	if sa, _ := cs.CoreV1().ServiceAccounts(ns).Get(ctx, "spark", metav1.GetOptions{}); sa.Annotations["eks.amazonaws.com/role-arn"] != "" {
		t.Errorf("spark keeps the role's annotation: %v", sa.Annotations)
	}
	if r2.Removed < 2 || len(r2.Owned) != 0 {
		t.Errorf("removed %d, still owned %v", r2.Removed, r2.Owned)
	}

	// A role of the parameter's name that is not the stack's is refused.
	if _, err := iamc.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("someone-elses"), AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[]}`)}); err != nil {
		t.Fatal(err)
	}
	put(path("iams", "theirs"), `{"service_account_name":"spark","role_name":"someone-elses","inline_policies":{}}`, false)
	r3, err := p.Sync(ctx, st, r2)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, it := range r3.Problems() {
		found = found || (it.Source == path("iams", "theirs") && strings.Contains(it.Problem, "refusing to adopt"))
	}
	if !found {
		t.Errorf("a role that is not the stack's: %+v", r3.Problems())
	}
}

func createCluster(t *testing.T, cfg aws.Config, spec awsstack.StackSpec) string {
	t.Helper()
	ctx := context.Background()
	spec.AZs = []string{"us-east-1a", "us-east-1b"}
	roles, err := awsstack.EnsureIAM(ctx, iam.NewFromConfig(cfg), spec)
	if err != nil {
		t.Fatal(err)
	}
	subnets, err := ec2.NewFromConfig(cfg).DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{})
	if err != nil || len(subnets.Subnets) < 2 {
		t.Fatal(err)
	}
	ids := []string{aws.ToString(subnets.Subnets[0].SubnetId), aws.ToString(subnets.Subnets[1].SubnetId)}
	cl, err := awsstack.EnsureCluster(ctx, eks.NewFromConfig(cfg), spec, roles, awsstack.NetworkOutputs{PrivateSubnetIDs: ids, PublicSubnetIDs: ids})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := awsstack.EnsureOIDCProvider(ctx, iam.NewFromConfig(cfg), spec, cl); err != nil {
		t.Fatal(err)
	}
	return cl.OIDCIssuer
}

func admin(t *testing.T, kubeconfig string) kubernetes.Interface {
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	return kubernetes.NewForConfigOrDie(cfg)
}

func secret(t *testing.T, cs kubernetes.Interface, ns, name string) map[string]string {
	t.Helper()
	s, err := cs.CoreV1().Secrets(ns).Get(context.Background(), name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for k, v := range s.Data {
		out[k] = string(v)
	}
	return out
}

type fakeConnections struct{}

func (fakeConnections) GetConnection(_ context.Context, orgID, id string) (domain.AWSConnection, error) {
	return domain.AWSConnection{ID: id, OrgID: orgID, RoleARN: "arn:aws:iam::" + mototest.AccountID + ":role/OrchesteraAccessRole"}, nil
}
func (fakeConnections) GetExternalID(context.Context, string) (string, error) { return "ext-id", nil }

type fakeAudit struct{}

func (fakeAudit) Now() time.Time                                    { return time.Now() }
func (fakeAudit) AddAudit(context.Context, domain.AuditEntry) error { return nil }

type fakeSources struct {
	namespaces  []string
	datasources []domain.Datasource
}

func (f *fakeSources) GetStackCredential(context.Context, string) (string, error) {
	return "", domain.NotFound("stack credential", "")
}

func (f *fakeSources) ListNamespaces(_ context.Context, orgID, stackID string) ([]domain.Namespace, error) {
	var out []domain.Namespace
	for _, n := range f.namespaces {
		out = append(out, domain.Namespace{OrgID: orgID, StackID: stackID, Name: n})
	}
	return out, nil
}

func (f *fakeSources) ListDatasources(context.Context, string, string) ([]domain.Datasource, error) {
	return f.datasources, nil
}

func (f *fakeSources) ListStackSecrets(context.Context, string) ([]domain.StoredSecret, error) {
	return nil, nil
}
