package kuberun

import (
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/orchestera/orchestera/internal/domain"
	"github.com/orchestera/orchestera/internal/kube/kubestack"
	"github.com/orchestera/orchestera/internal/runenv"
)

// The driver's ports, behind its headless service.
const (
	driverPort       = 7078
	blockManagerPort = 7079
)

// podSettings are the executor's settings every run's pods share.
type podSettings struct {
	python string
	// loopback: the cluster is one node on 127.0.0.1 without a pod network
	// or DNS (the test cluster): pods share the host's network, and the
	// API server's in-cluster name points at loopback.
	loopback bool
}

// labels are a run's labels: the stack's ownership, the run, the
// component (driver or executor) and the application.
func labels(st domain.Stack, r domain.Run, component string) map[string]string {
	l := kubestack.Owner{OrgID: st.OrgID, Stack: st.Name}.Labels()
	l[LabelRun], l[LabelComponent], l[LabelApplication] = r.ID, component, r.Spec.ApplicationName
	return l
}

// placement puts a pod on the Spark nodes.
func placement(spec *corev1.PodSpec, ps podSettings) {
	spec.NodeSelector = map[string]string{kubestack.SparkNodeKey: kubestack.SparkNodeValue}
	spec.Tolerations = []corev1.Toleration{{Key: kubestack.SparkNodeKey, Operator: corev1.TolerationOpEqual, Value: kubestack.SparkNodeValue, Effect: corev1.TaintEffectNoSchedule}}
	if ps.loopback {
		spec.HostNetwork, spec.DNSPolicy = true, corev1.DNSClusterFirstWithHostNet
		spec.HostAliases = []corev1.HostAlias{{IP: "127.0.0.1", Hostnames: []string{"kubernetes.default.svc", "kubernetes.default", "kubernetes"}}}
	}
}

// secretEnv takes every key of each pulled secret as a variable, and the
// connections file from the namespace's Secret (optional: a namespace
// without datasources may not have one yet).
func secretEnv(r domain.Run) ([]corev1.EnvFromSource, corev1.Volume, corev1.VolumeMount) {
	var from []corev1.EnvFromSource
	for _, alias := range r.Spec.PullSecretsFrom {
		from = append(from, corev1.EnvFromSource{SecretRef: &corev1.SecretEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: alias}}})
	}
	optional := true
	vol := corev1.Volume{Name: "connections", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: runenv.ConnectionsSecret, Optional: &optional}}}
	mount := corev1.VolumeMount{Name: "connections", MountPath: runenv.ConnectionsMount, ReadOnly: true}
	return from, vol, mount
}

// driverPod is the run's driver: the runtime's entrypoint from the user's
// image, as the namespace's spark account, with the runtime contract.
func driverPod(st domain.Stack, r domain.Run, ps podSettings) *corev1.Pod {
	name := objectName(r)
	envFrom, connVol, connMount := secretEnv(r)
	vars := runenv.Vars{StackKind: runenv.KubernetesStack, Namespace: r.Namespace, RunID: r.ID, Image: r.Spec.Image,
		ExecutorPodTemplate: runDir + "/" + templateKey, Secrets: r.Spec.PullSecretsFrom,
		ConnectionsFile: runenv.ConnectionsMount + "/" + runenv.ConnectionsKey, ResultFile: terminationPath,
		ExecutorInstances: r.Spec.ExecutorInstances, ExecutorCores: r.Spec.ExecutorCores, ExecutorMemory: r.Spec.ExecutorMemory}
	var env []corev1.EnvVar
	for _, kv := range vars.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		env = append(env, corev1.EnvVar{Name: k, Value: v})
	}
	field := func(name, path string) corev1.EnvVar {
		return corev1.EnvVar{Name: name, ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: path}}}
	}
	env = append(env, field(runenv.DriverPodName, "metadata.name"))
	if ps.loopback {
		// No DNS: executors reach the driver at its (the host's) address,
		// on ports Spark picks, since runs share the host's.
		env = append(env, field(runenv.DriverHost, "status.podIP"))
	} else {
		env = append(env, corev1.EnvVar{Name: runenv.DriverHost, Value: name + "." + r.Namespace + ".svc"},
			corev1.EnvVar{Name: runenv.DriverPort, Value: strconv.Itoa(driverPort)},
			corev1.EnvVar{Name: runenv.BlockManagerPort, Value: strconv.Itoa(blockManagerPort)})
	}
	if r.Spec.ProjectDigest != "" {
		env = append(env, corev1.EnvVar{Name: runenv.ProjectArchive, Value: runDir + "/" + archiveKey})
	}
	if ps.loopback {
		// Spark would advertise the host's first address; executors sharing
		// the host must not take one fixed block manager port, nor read
		// each other's shuffle files as their own host's.
		env = append(env, corev1.EnvVar{Name: "SPARK_LOCAL_IP", Value: "127.0.0.1"},
			corev1.EnvVar{Name: "PYSPARK_SUBMIT_ARGS", Value: "--conf spark.blockManager.port=0 --conf spark.shuffle.readHostLocalDisk=false pyspark-shell"})
	}
	args := []string{"-m", "orchestera.entrypoints.run", r.Spec.Classpath, "--application-name", r.Spec.ApplicationName}
	for _, a := range r.Spec.Args {
		args = append(args, "--"+a.Key, a.Value)
	}
	grace := int64(30)
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: r.Namespace, Labels: labels(st, r, componentDriver)},
		Spec: corev1.PodSpec{
			ServiceAccountName: kubestack.SparkAccount, RestartPolicy: corev1.RestartPolicyNever, TerminationGracePeriodSeconds: &grace,
			Containers: []corev1.Container{{
				Name: "driver", Image: r.Spec.Image, ImagePullPolicy: corev1.PullIfNotPresent,
				Command: []string{ps.python}, Args: args, Env: env, EnvFrom: envFrom, Resources: resources(r.Spec.Resources),
				TerminationMessagePath: terminationPath, TerminationMessagePolicy: corev1.TerminationMessageFallbackToLogsOnError,
				VolumeMounts: []corev1.VolumeMount{{Name: "run", MountPath: runDir, ReadOnly: true}, connMount},
			}},
			Volumes: []corev1.Volume{{Name: "run", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
				LocalObjectReference: corev1.LocalObjectReference{Name: name}}}}, connVol},
		},
	}
	placement(&pod.Spec, ps)
	return pod
}

// executorTemplate is the pod template Spark starts executors from: the
// same placement, secrets (as variables) and connections as the driver.
// Spark adds the image, command, resources and the owner (the driver).
func executorTemplate(st domain.Stack, r domain.Run, ps podSettings) ([]byte, error) {
	envFrom, connVol, connMount := secretEnv(r)
	pod := corev1.Pod{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{Labels: labels(st, r, componentExec)},
		Spec: corev1.PodSpec{
			Containers: []corev1.Container{{Name: "executor", EnvFrom: envFrom, VolumeMounts: []corev1.VolumeMount{connMount}}},
			Volumes:    []corev1.Volume{connVol},
		},
	}
	placement(&pod.Spec, ps)
	if ps.loopback {
		pod.Spec.Containers[0].Env = []corev1.EnvVar{{Name: "SPARK_LOCAL_IP", Value: "127.0.0.1"}}
	}
	return yaml.Marshal(pod)
}

// companions are the run's ConfigMap (pod template, packed project) and
// headless service, both owned by the driver pod so they go with it.
func companions(st domain.Stack, r domain.Run, driver *corev1.Pod, template, archive []byte) (*corev1.ConfigMap, *corev1.Service) {
	owner := []metav1.OwnerReference{{APIVersion: "v1", Kind: "Pod", Name: driver.Name, UID: driver.UID}}
	meta := metav1.ObjectMeta{Name: driver.Name, Namespace: r.Namespace, Labels: labels(st, r, componentDriver), OwnerReferences: owner}
	cm := &corev1.ConfigMap{ObjectMeta: meta, Data: map[string]string{templateKey: string(template)}}
	if len(archive) > 0 {
		cm.BinaryData = map[string][]byte{archiveKey: archive}
	}
	svc := &corev1.Service{ObjectMeta: *meta.DeepCopy(), Spec: corev1.ServiceSpec{
		ClusterIP: corev1.ClusterIPNone, Selector: map[string]string{LabelRun: r.ID, LabelComponent: componentDriver},
		Ports: []corev1.ServicePort{{Name: "driver", Port: driverPort}, {Name: "blockmanager", Port: blockManagerPort}},
	}}
	return cm, svc
}

// resources are the driver's requests and limits from the run's flags.
func resources(in map[string]string) corev1.ResourceRequirements {
	var out corev1.ResourceRequirements
	set := func(l *corev1.ResourceList, name corev1.ResourceName, v string) {
		if v == "" {
			return
		}
		if *l == nil {
			*l = corev1.ResourceList{}
		}
		(*l)[name] = resource.MustParse(v) // checked by domain.RunSpec.Normalize
	}
	set(&out.Requests, corev1.ResourceCPU, in["cpu_request"])
	set(&out.Limits, corev1.ResourceCPU, in["cpu_limit"])
	set(&out.Requests, corev1.ResourceMemory, in["memory_request"])
	set(&out.Limits, corev1.ResourceMemory, in["memory_limit"])
	return out
}
