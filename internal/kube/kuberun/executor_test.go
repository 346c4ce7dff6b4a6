package kuberun

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/yaml"

	"github.com/orchestera/orchestera/internal/domain"
	"github.com/orchestera/orchestera/internal/kube/kubestack"
	"github.com/orchestera/orchestera/internal/kube/kubetest"
	"github.com/orchestera/orchestera/internal/poll"
	"github.com/orchestera/orchestera/internal/runenv"
	"github.com/orchestera/orchestera/internal/store/sqlstore"
)

// env is an executor on a real store and the test cluster, for one attached
// stack with one bootstrapped namespace.
type env struct {
	t     *testing.T
	store *sqlstore.Store
	cs    kubernetes.Interface
	stack domain.Stack
	ns    string
	user  string
	cfg   Config
	exec  *Executor
	stop  context.CancelFunc
}

type admin struct{ cfg *rest.Config }

func (a admin) Client(context.Context, domain.Stack) (kubernetes.Interface, *rest.Config, error) {
	cs, err := kubernetes.NewForConfig(a.cfg)
	return cs, a.cfg, err
}

func newEnv(t *testing.T, mod func(*Config)) *env {
	t.Helper()
	restCfg, err := clientcmd.BuildConfigFromFlags("", kubetest.Kubeconfig(t))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	home := t.TempDir()
	st, err := sqlstore.OpenSQLite(ctx, filepath.Join(home, "orchestera.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	b := make([]byte, 4)
	rand.Read(b)
	e := &env{t: t, store: st, cs: kubernetes.NewForConfigOrDie(restCfg), ns: "t-" + hex.EncodeToString(b), user: domain.NewID("usr")}
	now := st.Now()
	org := domain.NewID("org")
	must(t, st.CreateOrganization(ctx, domain.Organization{ID: org, Name: "o-" + hex.EncodeToString(b), CreatedAt: now}))
	must(t, st.CreateUser(ctx, domain.User{ID: e.user, Email: "a@example.com", CreatedAt: now}))
	e.stack = domain.Stack{ID: domain.NewID("stk"), OrgID: org, Name: "shared", Kind: domain.StackKubernetes, State: domain.StackReady, CreatedAt: now}
	must(t, st.CreateStack(ctx, e.stack))
	must(t, st.CreateNamespace(ctx, domain.Namespace{ID: domain.NewID("ns"), OrgID: org, StackID: e.stack.ID, Name: e.ns, CreatedAt: now}))
	must(t, kubestack.EnsureNamespace(ctx, e.cs, kubestack.Owner{OrgID: org, Stack: e.stack.Name}, e.ns))
	t.Cleanup(func() { e.cs.CoreV1().Namespaces().Delete(context.Background(), e.ns, metav1.DeleteOptions{}) })
	e.cfg = Config{Home: home, Store: st, Clusters: map[domain.StackKind]Cluster{domain.StackKubernetes: admin{restCfg}},
		LoopbackNode: true, Resync: 100 * time.Millisecond, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if mod != nil {
		mod(&e.cfg)
	}
	e.start()
	return e
}

// start runs an executor until the test ends or restart.
func (e *env) start() {
	ctx, cancel := context.WithCancel(context.Background())
	e.exec, e.stop = New(e.cfg), cancel
	done := make(chan struct{})
	go func() { e.exec.Run(ctx); close(done) }()
	e.t.Cleanup(func() { cancel(); <-done })
}

// submit records a pending run, as the runs service does.
func (e *env) submit(spec domain.RunSpec) domain.Run {
	e.t.Helper()
	must(e.t, spec.Normalize())
	r := domain.Run{ID: domain.NewID("run"), OrgID: e.stack.OrgID, StackID: e.stack.ID, StackName: e.stack.Name, StackKind: e.stack.Kind,
		Namespace: e.ns, IdempotencyKey: domain.NewID("k"), Spec: spec, State: domain.RunPending, CreatedBy: e.user, CreatedAt: e.store.Now()}
	must(e.t, e.store.CreateRun(context.Background(), r))
	e.exec.Wake()
	return r
}

// wait polls the run until ok.
func (e *env) wait(r domain.Run, what string, ok func(domain.Run) bool) domain.Run {
	e.t.Helper()
	return poll.For(e.t, what, 2*time.Minute, func() (domain.Run, error) {
		got, err := e.store.GetRun(context.Background(), r.OrgID, r.ID)
		if err == nil && !ok(got) {
			err = errorf("run is %s (%s): %s", got.State, got.Reason, got.Hint)
		}
		return got, err
	})
}

func ended(r domain.Run) bool { return r.State.Terminal() }

func spec(image string) domain.RunSpec {
	return domain.RunSpec{Classpath: "pipelines.etl.Daily", ApplicationName: "daily", Image: image,
		Args: []domain.RunArg{{Key: "day", Value: "2026-11-30"}}, PullSecretsFrom: []string{"warehouse"},
		Resources: map[string]string{"cpu_request": "100m", "memory_limit": "512Mi"}}
}

// The objects a run creates, field by field, as the API server keeps them.
// The driver waits for its secret, so nothing runs.
func TestTheObjectsOfARun(t *testing.T) {
	e := newEnv(t, nil)
	s := spec(kubetest.SparkImage)
	s.ProjectArchive = []byte("\x1f\x8b packed project")
	r := e.submit(s)
	ctx := context.Background()
	pod := poll.For(t, "the driver pod", time.Minute, func() (*corev1.Pod, error) {
		return e.cs.CoreV1().Pods(e.ns).Get(ctx, objectName(r), metav1.GetOptions{})
	})
	c := pod.Spec.Containers[0]
	env := map[string]string{}
	for _, v := range c.Env {
		env[v.Name] = v.Value
		if v.ValueFrom != nil {
			env[v.Name] = "field:" + v.ValueFrom.FieldRef.FieldPath
		}
	}
	for k, want := range map[string]string{
		runenv.StackKind: "kubernetes", runenv.Namespace: e.ns, runenv.RunID: r.ID, runenv.Image: kubetest.SparkImage,
		runenv.Secrets: "warehouse", runenv.ExecutorPodTemplate: runDir + "/" + templateKey, runenv.ResultFile: "/dev/termination-log",
		runenv.ConnectionsFile: runenv.ConnectionsMount + "/" + runenv.ConnectionsKey, runenv.ProjectArchive: runDir + "/" + archiveKey,
		runenv.DriverPodName: "field:metadata.name", runenv.DriverHost: "field:status.podIP", runenv.ExecutorInstances: "1",
	} {
		if env[k] != want {
			t.Errorf("driver env %s = %q, want %q", k, env[k], want)
		}
	}
	wantArgs := "-m orchestera.entrypoints.run pipelines.etl.Daily --application-name daily --day 2026-11-30"
	switch {
	case pod.Spec.ServiceAccountName != kubestack.SparkAccount || pod.Spec.RestartPolicy != corev1.RestartPolicyNever:
		t.Errorf("account %q, restart %q", pod.Spec.ServiceAccountName, pod.Spec.RestartPolicy)
	case pod.Spec.NodeSelector["dedicated"] != "spark" || pod.Spec.Tolerations[0].Key != "dedicated" || pod.Spec.Tolerations[0].Effect != corev1.TaintEffectNoSchedule:
		t.Errorf("placement: %v %v", pod.Spec.NodeSelector, pod.Spec.Tolerations)
	case pod.Labels[LabelRun] != r.ID || pod.Labels[kubestack.LabelOrg] != e.stack.OrgID || pod.Labels[LabelComponent] != "driver":
		t.Errorf("labels %v", pod.Labels)
	case c.Image != kubetest.SparkImage || c.Command[0] != "python3" || strings.Join(c.Args, " ") != wantArgs:
		t.Errorf("container %s %v %v", c.Image, c.Command, c.Args)
	case len(c.EnvFrom) != 1 || c.EnvFrom[0].SecretRef.Name != "warehouse":
		t.Errorf("envFrom %+v", c.EnvFrom)
	case c.Resources.Requests.Cpu().String() != "100m" || c.Resources.Limits.Memory().String() != "512Mi":
		t.Errorf("resources %+v", c.Resources)
	}
	var connections *corev1.Volume
	for i, v := range pod.Spec.Volumes {
		if v.Secret != nil && v.Secret.SecretName == runenv.ConnectionsSecret {
			connections = &pod.Spec.Volumes[i]
		}
	}
	if connections == nil || !*connections.Secret.Optional {
		t.Errorf("the connections Secret is not mounted (optionally): %+v", pod.Spec.Volumes)
	}

	// The driver is created first, its ConfigMap and service after it.
	cm := poll.For(t, "the run's ConfigMap", time.Minute, func() (*corev1.ConfigMap, error) {
		return e.cs.CoreV1().ConfigMaps(e.ns).Get(ctx, pod.Name, metav1.GetOptions{})
	})
	var tmpl corev1.Pod
	must(t, yaml.Unmarshal([]byte(cm.Data[templateKey]), &tmpl))
	if tmpl.Labels[LabelComponent] != "executor" || tmpl.Spec.NodeSelector["dedicated"] != "spark" || len(tmpl.Spec.Containers[0].EnvFrom) != 1 ||
		tmpl.Spec.Containers[0].EnvFrom[0].SecretRef.Name != "warehouse" || len(tmpl.Spec.Containers[0].VolumeMounts) != 1 {
		t.Errorf("executor pod template: %s", cm.Data[templateKey])
	}
	if string(cm.BinaryData[archiveKey]) != string(s.ProjectArchive) {
		t.Errorf("the packed project is not in the ConfigMap")
	}
	svc := poll.For(t, "the run's service", time.Minute, func() (*corev1.Service, error) {
		return e.cs.CoreV1().Services(e.ns).Get(ctx, pod.Name, metav1.GetOptions{})
	})
	if svc.Spec.ClusterIP != corev1.ClusterIPNone || svc.Spec.Selector[LabelRun] != r.ID {
		t.Fatalf("headless service: %+v", svc.Spec)
	}
	for what, refs := range map[string][]metav1.OwnerReference{"ConfigMap": cm.OwnerReferences, "Service": svc.OwnerReferences} {
		if len(refs) != 1 || refs[0].UID != pod.UID {
			t.Errorf("%s is not owned by the driver pod: %+v", what, refs)
		}
	}
}

// Failures the cluster reports at once end the run at once, typed, with
// the driver deleted: an image that does not exist, a secret that does
// not. A run no node can take fails after the deadline.
func TestRunsThatCannotStart(t *testing.T) {
	kubetest.RequireNode(t)
	e := newEnv(t, func(c *Config) { c.Unschedulable = 3 * time.Second })
	ctx := context.Background()

	noImage := spec("localhost/does-not-exist:1")
	noImage.PullSecretsFrom = nil
	missingSecret := spec(kubetest.SparkImage)
	huge := spec(kubetest.SparkImage)
	huge.PullSecretsFrom, huge.Resources = nil, map[string]string{"cpu_request": "900"}
	for _, c := range []struct {
		name   string
		spec   domain.RunSpec
		reason domain.FailureReason
		hint   string
	}{
		{"an image that does not exist", noImage, domain.ReasonImagePull, "cannot be pulled"},
		{"a missing secret", missingSecret, domain.ReasonConfigError, `secret "warehouse" not found`},
		{"no node with room", huge, domain.ReasonUnschedulable, "Insufficient cpu"},
	} {
		t.Run(c.name, func(t *testing.T) {
			start := time.Now()
			r := e.wait(e.submit(c.spec), "the run to fail", ended)
			if r.State != domain.RunFailed || r.Reason != c.reason || !strings.Contains(r.Hint, c.hint) {
				t.Fatalf("got %s %s: %s", r.State, r.Reason, r.Hint)
			}
			t.Logf("%s: %s after %s", c.name, r.Reason, time.Since(start).Round(time.Millisecond))
			poll.Until(t, "the driver to be deleted", time.Minute, func() error {
				if _, err := e.cs.CoreV1().Pods(e.ns).Get(ctx, objectName(r), metav1.GetOptions{}); !apierrors.IsNotFound(err) {
					return errorf("still there: %v", err)
				}
				return nil
			})
		})
	}
}

// Cancel deletes the driver; a restarted executor finds a live run's
// driver by its labels and follows it, creating nothing new.
func TestCancelAndReattach(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Unschedulable = time.Hour })
	ctx := context.Background()
	s := spec(kubetest.SparkImage)
	s.PullSecretsFrom, s.Resources = nil, map[string]string{"cpu_request": "900"} // waits for a node forever
	r := e.submit(s)
	first := poll.For(t, "the driver pod", time.Minute, func() (*corev1.Pod, error) {
		return e.cs.CoreV1().Pods(e.ns).Get(ctx, objectName(r), metav1.GetOptions{})
	})

	e.stop() // the server stops; the driver stays
	e.start()
	r = e.wait(r, "the run to be followed again", func(r domain.Run) bool { return r.State == domain.RunStarting })
	if again, err := e.cs.CoreV1().Pods(e.ns).Get(ctx, first.Name, metav1.GetOptions{}); err != nil || again.UID != first.UID {
		t.Fatalf("the restarted executor replaced the driver: %v", err)
	}

	must(t, e.exec.Cancel(ctx, r))
	got, err := e.store.GetRun(ctx, r.OrgID, r.ID)
	if err != nil || got.State != domain.RunCancelled || got.Reason != domain.ReasonCancelled {
		t.Fatalf("after cancel: %+v %v", got, err)
	}
	poll.Until(t, "the cancelled driver to be deleted", time.Minute, func() error {
		if _, err := e.cs.CoreV1().Pods(e.ns).Get(ctx, first.Name, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			return errorf("still there: %v", err)
		}
		return nil
	})
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func errorf(format string, args ...any) error { return fmt.Errorf(format, args...) }

// A stack runs at most PerStack runs at once; the others wait in pending
// and start as slots free up.
func TestRunsPerStackQueue(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.PerStack, c.Unschedulable = 1, time.Hour })
	s := spec(kubetest.SparkImage)
	s.PullSecretsFrom, s.Resources = nil, map[string]string{"cpu_request": "900"} // never scheduled
	first := e.wait(e.submit(s), "the first run to start", func(r domain.Run) bool { return r.State == domain.RunStarting })
	second := e.submit(s)
	e.exec.Wake()
	if n, err := e.store.CountRunsAhead(context.Background(), second); err != nil || n != 1 {
		t.Fatalf("the second run is queued behind %d (%v), want 1", n, err)
	}
	if got, _ := e.store.GetRun(context.Background(), second.OrgID, second.ID); got.State != domain.RunPending {
		t.Fatalf("the second run is %s while the first is live", got.State)
	}
	must(t, e.exec.Cancel(context.Background(), first))
	e.wait(second, "the second run to start once the first ended", func(r domain.Run) bool { return r.State == domain.RunStarting })
}
