package kubetest

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/orchestera/orchestera/internal/runenv"
)

// The pods of TestRuntimeContract: the driver pod and executor pod template
// as the platform builds them on a Kubernetes stack (docs/runtime-contract.md,
// internal/kube/kuberun), plus only what the loopback node needs and the
// runtime under test.

// The run's ConfigMap, mounted in the driver: the executor pod template and
// the packed project.
const (
	runDir       = "/etc/orchestera/run"
	templateKey  = "executor-pod-template.yaml"
	archiveKey   = "project.tar.gz"
	resultFile   = "/dev/termination-log"
	runConfigMap = "orchestera-run"
)

const (
	// runtimeDir is where the pods mount this checkout's python/orchestera:
	// the node's image has the runtime of the tree it was built from, so it
	// is put first on PYTHONPATH.
	runtimeDir = "/opt/orchestera-runtime"
	// loopbackConfDir holds testdata/runtime/spark-defaults.conf (SPARK_CONF_DIR).
	loopbackConfDir = "/etc/loopback-spark"
)

// The test's own ConfigMaps.
const (
	runtimeConfigMap  = "runtime-under-test"
	loopbackConfigMap = "loopback-spark"
)

// runtimeFiles is python/orchestera as a ConfigMap's data and the items
// that lay it out as a package tree (a key cannot hold a slash).
func runtimeFiles(t *testing.T) (map[string]string, []corev1.KeyToPath) {
	t.Helper()
	data := map[string]string{}
	var items []corev1.KeyToPath
	root := filepath.Join("..", "..", "..", "python")
	err := filepath.WalkDir(filepath.Join(root, "orchestera"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(p) != ".py" {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		key := strings.ReplaceAll(filepath.ToSlash(rel), "/", "__")
		data[key] = string(b)
		items = append(items, corev1.KeyToPath{Key: key, Path: filepath.ToSlash(rel)})
		return nil
	})
	if err != nil || len(items) == 0 {
		t.Fatalf("reading the runtime under %s: %v (%d files)", root, err, len(items))
	}
	return data, items
}

// packProject is dir as the platform ships a --project: a gzip'd tar of
// its directories and regular files, without caches.
func packProject(t *testing.T, dir string) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Name() == "__pycache__" {
			return filepath.SkipDir
		}
		rel, _ := filepath.Rel(dir, p)
		if rel == "." || !(d.IsDir() || d.Type().IsRegular()) {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		hdr, err := tar.FileInfoHeader(info, "")
		if err != nil {
			return err
		}
		hdr.Name = filepath.ToSlash(rel)
		if d.IsDir() {
			hdr.Name += "/"
		}
		if err := tw.WriteHeader(hdr); err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err == nil {
			_, err = tw.Write(b)
		}
		return err
	})
	if err == nil {
		err = tw.Close()
	}
	if err == nil {
		err = gz.Close()
	}
	if err != nil {
		t.Fatalf("packing %s: %v", dir, err)
	}
	return buf.Bytes()
}

func configMapVolume(name, configMap string, items []corev1.KeyToPath) corev1.Volume {
	return corev1.Volume{Name: name, VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
		LocalObjectReference: corev1.LocalObjectReference{Name: configMap}, Items: items,
	}}}
}

// connectionsVolume is the namespace's connections Secret, optional: a
// namespace without datasources has none, and the runtime reads no file as
// no connections.
func connectionsVolume() corev1.Volume {
	return corev1.Volume{Name: "connections", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{
		SecretName: runenv.ConnectionsSecret, Optional: new(true),
	}}}
}

var (
	connectionsMount = corev1.VolumeMount{Name: "connections", MountPath: runenv.ConnectionsMount, ReadOnly: true}
	runtimeMount     = corev1.VolumeMount{Name: "runtime", MountPath: runtimeDir, ReadOnly: true}
)

// onSparkNodes puts a pod on the Spark nodes, on the host's network (the
// loopback node has no pod network).
func onSparkNodes(spec *corev1.PodSpec) {
	spec.NodeSelector = map[string]string{"dedicated": "spark"}
	spec.Tolerations = []corev1.Toleration{{Key: "dedicated", Operator: corev1.TolerationOpEqual, Value: "spark", Effect: corev1.TaintEffectNoSchedule}}
	spec.HostNetwork, spec.DNSPolicy = true, corev1.DNSClusterFirstWithHostNet
}

// executorTemplate is the executor pod template the platform writes for a
// run: its label, the Spark nodes, the pulled secrets as environment
// variables, the connections mount.
func executorTemplate(t *testing.T, runID, secret string, runtimeItems []corev1.KeyToPath) string {
	t.Helper()
	pod := corev1.Pod{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"orchestera.io/run": runID}},
		Spec: corev1.PodSpec{
			TerminationGracePeriodSeconds: new(int64(2)),
			Containers: []corev1.Container{{
				Name:         "executor",
				Env:          []corev1.EnvVar{{Name: "PYTHONPATH", Value: runtimeDir}},
				EnvFrom:      []corev1.EnvFromSource{{SecretRef: &corev1.SecretEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: secret}}}},
				VolumeMounts: []corev1.VolumeMount{connectionsMount, runtimeMount},
			}},
			Volumes: []corev1.Volume{connectionsVolume(), configMapVolume("runtime", runtimeConfigMap, runtimeItems)},
		},
	}
	onSparkNodes(&pod.Spec)
	b, err := yaml.Marshal(pod)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// contractDriver is the driver pod: the contract's variables (package
// runenv) and mounts, running the classpath with the runtime's runner.
// On the loopback node executors reach the driver at its IP, the host's.
func contractDriver(ns, sa, runID, secret string, runtimeItems []corev1.KeyToPath, argv ...string) *corev1.Pod {
	vars := runenv.Vars{
		StackKind: runenv.KubernetesStack, Namespace: ns, RunID: runID, Image: SparkImage,
		ExecutorPodTemplate: runDir + "/" + templateKey, Secrets: []string{secret},
		ConnectionsFile: runenv.ConnectionsPath, ExecutorInstances: 2, ExecutorCores: 1, ExecutorMemory: "512m",
		ResultFile: resultFile,
	}
	var env []corev1.EnvVar
	for _, kv := range vars.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		env = append(env, corev1.EnvVar{Name: k, Value: v})
	}
	field := func(name, path string) corev1.EnvVar {
		return corev1.EnvVar{Name: name, ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: path}}}
	}
	env = append(env, field(runenv.DriverPodName, "metadata.name"), field(runenv.DriverHost, "status.podIP"),
		corev1.EnvVar{Name: runenv.ProjectArchive, Value: runDir + "/" + archiveKey},
		corev1.EnvVar{Name: "PYTHONPATH", Value: runtimeDir}, corev1.EnvVar{Name: "SPARK_CONF_DIR", Value: loopbackConfDir})
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "driver", Labels: map[string]string{"orchestera.io/run": runID}},
		Spec: corev1.PodSpec{
			// No cluster DNS: the in-cluster name of the apiserver resolves
			// to 127.0.0.1, where it listens on 443.
			HostAliases: []corev1.HostAlias{{
				IP: "127.0.0.1", Hostnames: []string{"kubernetes.default.svc", "kubernetes.default", "kubernetes"},
			}},
			ServiceAccountName:            sa,
			RestartPolicy:                 corev1.RestartPolicyNever,
			TerminationGracePeriodSeconds: new(int64(5)),
			Containers: []corev1.Container{{
				Name:            "driver",
				Image:           SparkImage,
				ImagePullPolicy: corev1.PullNever,
				Args:            append([]string{"python3", "-m", "orchestera.entrypoints.run"}, argv...),
				Env:             env,
				EnvFrom:         []corev1.EnvFromSource{{SecretRef: &corev1.SecretEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: secret}}}},
				// The result file: Kubernetes keeps it as the terminated
				// state's message.
				TerminationMessagePath: resultFile,
				VolumeMounts: []corev1.VolumeMount{
					{Name: "run", MountPath: runDir, ReadOnly: true},
					connectionsMount, runtimeMount,
					{Name: "loopback-spark", MountPath: loopbackConfDir, ReadOnly: true},
				},
			}},
			Volumes: []corev1.Volume{
				configMapVolume("run", runConfigMap, nil),
				connectionsVolume(),
				configMapVolume("runtime", runtimeConfigMap, runtimeItems),
				configMapVolume("loopback-spark", loopbackConfigMap, nil),
			},
		},
	}
	onSparkNodes(&pod.Spec)
	return pod
}
