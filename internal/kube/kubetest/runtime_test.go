package kubetest

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/orchestera/orchestera/internal/domain"
	"github.com/orchestera/orchestera/internal/poll"
	"github.com/orchestera/orchestera/internal/runenv"
)

// TestRuntimeContract runs examples/orchestera-lib-style, an orchestera-lib
// pipeline, unchanged, in a driver pod shaped by the runtime contract, with
// this checkout's runtime: the project arrives as ORCH_PROJECT_ARCHIVE and
// reaches the two executor pods only as the zip the runtime ships (its UDFs
// import lib_style.text there); a secret pulled with envFrom is read by
// the tasks from os.environ; the namespace's connections file is applied;
// executors are owned by the driver pod; the outcome is the container's
// termination message.
func TestRuntimeContract(t *testing.T) {
	t.Parallel()
	cs := client(t)
	RequireNode(t)
	ctx := context.Background()
	ns := namespace(t, cs, "kubetest-contract")
	sa := driverAccount(t, cs, ns)
	const runID, secret = "run_contract", "pseudonyms"

	key := make([]byte, 16)
	_, _ = rand.Read(key)
	pseudonymKey := hex.EncodeToString(key)
	connections := contractInputs(t, cs, ns, secret, pseudonymKey)
	runtimeData, runtimeItems := runtimeFiles(t)
	defaults, err := os.ReadFile("testdata/runtime/spark-defaults.conf")
	if err != nil {
		t.Fatal(err)
	}
	for _, cm := range []*corev1.ConfigMap{
		{ObjectMeta: metav1.ObjectMeta{Name: runtimeConfigMap}, Data: runtimeData},
		{ObjectMeta: metav1.ObjectMeta{Name: loopbackConfigMap}, Data: map[string]string{"spark-defaults.conf": string(defaults)}},
		{
			ObjectMeta: metav1.ObjectMeta{Name: runConfigMap},
			Data:       map[string]string{templateKey: executorTemplate(t, runID, secret, runtimeItems)},
			BinaryData: map[string][]byte{archiveKey: packProject(t, filepath.Join("..", "..", "..", "examples", "orchestera-lib-style"))},
		},
	} {
		if _, err := cs.CoreV1().ConfigMaps(ns).Create(ctx, cm, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}

	start := time.Now()
	driver, err := cs.CoreV1().Pods(ns).Create(ctx, contractDriver(ns, sa, runID, secret, runtimeItems,
		"lib_style.application.ReviewWords", "--application-name", "review-words"), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	done, executors := watchRun(t, cs, ns, driver)
	elapsed := time.Since(start)
	log := podLog(cs, ns, driver.Name)
	if done.Status.Phase != corev1.PodSucceeded {
		t.Fatalf("driver phase %s, want Succeeded; log:\n%s", done.Status.Phase, log)
	}
	st := done.Status.ContainerStatuses
	if len(st) != 1 || st[0].State.Terminated == nil {
		t.Fatalf("driver container status %+v", st)
	}
	term := st[0].State.Terminated
	t.Logf("driver pod finished %.1fs after creation, the pipeline ran %s; executor pods %v",
		elapsed.Seconds(), term.FinishedAt.Sub(term.StartedAt.Time), executors)
	var result runenv.Result
	if err := json.Unmarshal([]byte(term.Message), &result); err != nil || result != (runenv.Result{Outcome: runenv.OutcomeSucceeded}) {
		t.Errorf("termination message %q (%v), want the runtime's result: succeeded, exit code 0", term.Message, err)
	}
	if len(executors) != 2 {
		t.Errorf("executor pods %v, want 2", executors)
	}
	for name, owned := range executors {
		if !owned {
			t.Errorf("executor pod %s is not owned by the driver pod %s", name, driver.Name)
		}
	}

	mac := hmac.New(sha256.New, []byte(pseudonymKey))
	mac.Write([]byte("spark"))
	for _, want := range []string{
		"review-words: 6 reviews, 81 words, 55 distinct",
		"top words: the=9 and=4 job=4",
		// Computed on the executors with the key from their environment.
		"pseudonym of 'spark': " + hex.EncodeToString(mac.Sum(nil))[:12],
		fmt.Sprintf("connections: lake (S3, %d of %[1]d settings on the session), warehouse (JDBC)", len(connections["lake"].SparkConf)),
	} {
		if !strings.Contains(log, "\n"+want+"\n") {
			t.Errorf("the driver's log lacks %q:\n%s", want, log)
		}
	}
	ranOn := regexp.MustCompile(`(?m)^UDF ran on: (.*)$`).FindStringSubmatch(log)
	if ranOn == nil {
		t.Errorf("the driver's log does not say where the UDF ran:\n%s", log)
	} else if !regexp.MustCompile(`^[0-9]+(,[0-9]+)*$`).MatchString(ranOn[1]) {
		t.Errorf("the UDF ran on %q, want executor ids only", ranOn[1])
	} else {
		t.Logf("the UDF ran on executors %s", ranOn[1])
	}
	for _, leak := range []string{pseudonymKey, "AKIA-CONTRACT-TEST", "lake-secret-key"} {
		if strings.Contains(log, leak) {
			t.Errorf("the driver's log shows a secret value %q", leak)
		}
	}
	if strings.Contains(log, "Forbidden") {
		t.Errorf("the driver was refused something by RBAC:\n%s", log)
	}
	executorsGoWithDriver(t, cs, ns, driver.Name, len(executors))
}

// executorsGoWithDriver checks that the n executor pods are kept after
// the run (the runtime tells Spark to, so the platform can copy their
// logs), and that they go when the driver pod that owns them is deleted.
func executorsGoWithDriver(t *testing.T, cs *kubernetes.Clientset, ns, driver string, n int) {
	t.Helper()
	ctx := context.Background()
	executors := metav1.ListOptions{LabelSelector: "spark-role=executor"}
	if pods, err := cs.CoreV1().Pods(ns).List(ctx, executors); err != nil {
		t.Error(err)
	} else if len(pods.Items) != n {
		t.Errorf("%d executor pods after the run, want the %d that ran, kept for their logs", len(pods.Items), n)
	}
	if err := cs.CoreV1().Pods(ns).Delete(ctx, driver, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	poll.Until(t, "the executor pods to go with the driver pod", 60*time.Second, func() error {
		pods, err := cs.CoreV1().Pods(ns).List(ctx, executors)
		if err == nil && len(pods.Items) > 0 {
			err = fmt.Errorf("%d executor pods left", len(pods.Items))
		}
		return err
	})
}

// contractInputs creates what the platform syncs into a namespace: the
// secret the run pulls, a datasource's credentials, and the connections
// Secret built by runenv.Connections from an S3 and a JDBC datasource. It
// returns the connections by name.
func contractInputs(t *testing.T, cs *kubernetes.Clientset, ns, secret, pseudonymKey string) map[string]runenv.Connection {
	t.Helper()
	ctx := context.Background()
	lakeCreds := map[string]string{domain.SecretKeyAccessKeyID: "AKIA-CONTRACT-TEST", domain.SecretKeySecretAccessKey: "lake-secret-key"}
	file, problems := runenv.Connections([]domain.Datasource{
		{Namespace: ns, Name: "lake", Kind: domain.DatasourceS3, Bucket: "lake", Region: "eu-west-1", SecretAlias: "lake-creds"},
		{Namespace: ns, Name: "warehouse", Kind: domain.DatasourceJDBC, URL: "jdbc:postgresql://db.example.com:5432/wh"},
	}, map[string]map[string]string{"lake-creds": lakeCreds})
	if len(problems) > 0 {
		t.Fatalf("connections: %v", problems)
	}
	for name, data := range map[string]map[string]string{
		secret:                   {"PSEUDONYM_KEY": pseudonymKey},
		runenv.ConnectionsSecret: {runenv.ConnectionsKey: string(file)},
	} {
		if _, err := cs.CoreV1().Secrets(ns).Create(ctx, &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Name: name}, StringData: data,
		}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	var list []runenv.Connection
	if err := json.Unmarshal(file, &list); err != nil {
		t.Fatal(err)
	}
	byName := map[string]runenv.Connection{}
	for _, c := range list {
		byName[c.Name] = c
	}
	return byName
}

// watchRun waits for the driver pod to finish, noting each executor pod
// seen and whether the driver pod owns it.
func watchRun(t *testing.T, cs *kubernetes.Clientset, ns string, driver *corev1.Pod) (*corev1.Pod, map[string]bool) {
	t.Helper()
	ctx := context.Background()
	executors := map[string]bool{}
	done := poll.For(t, "the driver pod to finish", 6*time.Minute, func() (*corev1.Pod, error) {
		pods, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "spark-role=executor"})
		if err == nil {
			for _, p := range pods.Items {
				owned := false
				for _, o := range p.OwnerReferences {
					owned = owned || (o.Kind == "Pod" && o.Name == driver.Name && o.UID == driver.UID)
				}
				executors[p.Name] = owned
			}
		}
		p, err := cs.CoreV1().Pods(ns).Get(ctx, driver.Name, metav1.GetOptions{})
		if err != nil {
			return nil, err
		}
		switch p.Status.Phase {
		case corev1.PodSucceeded, corev1.PodFailed:
			return p, nil
		}
		return nil, fmt.Errorf("driver %s, executor pods seen %v", p.Status.Phase, executors)
	})
	return done, executors
}
