package kuberun

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"math/big"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"

	"github.com/orchestera/orchestera/internal/domain"
	"github.com/orchestera/orchestera/internal/kube/kubestack"
)

// A notebook is a driver that serves Jupyter: the same pod as a run's
// (image, spark account, runtime contract, secrets, connections,
// placement), with Jupyter's server as its command and a random token in
// a Secret of its own, never the reference product's fixed password.
const (
	LabelNotebook     = "orchestera.io/notebook"
	componentNotebook = "notebook"
	notebookPort      = 8888
	tokenKey          = "JUPYTER_TOKEN"
)

var _ domain.NotebookHost = (*Executor)(nil)

func notebookObject(name string) string { return "nb-" + name }

// StartNotebook starts a notebook; one of that name already there is
// returned as it is.
func (e *Executor) StartNotebook(ctx context.Context, st domain.Stack, ns, name, image string, secrets []string) (domain.Notebook, error) {
	if err := domain.ValidateNotebookName(name); err != nil {
		return domain.Notebook{}, err
	}
	if image == "" {
		return domain.Notebook{}, domain.Invalid("image", "required", "a notebook runs from an image with Jupyter and the orchestera runtime: give --image")
	}
	cs, err := e.client(ctx, st)
	if err != nil {
		return domain.Notebook{}, err
	}
	objName := notebookObject(name)
	if got, err := cs.CoreV1().Pods(ns).Get(ctx, objName, metav1.GetOptions{}); err == nil {
		return toNotebook(got), nil
	}
	port := notebookPort
	if e.ps.loopback { // notebooks share the host's ports
		n, _ := rand.Int(rand.Reader, big.NewInt(10000))
		port = 20000 + int(n.Int64())
	}
	// A notebook is a run's driver in all but its command: build it as one.
	r := domain.Run{ID: "nb_" + name, OrgID: st.OrgID, StackID: st.ID, StackName: st.Name, Namespace: ns,
		Spec: domain.RunSpec{ApplicationName: name, Image: image, PullSecretsFrom: secrets, ExecutorInstances: 1, ExecutorCores: 1, ExecutorMemory: "1g"}}
	pod := driverPod(st, r, e.ps)
	pod.Name, pod.Labels[LabelComponent], pod.Labels[LabelNotebook] = objName, componentNotebook, name
	delete(pod.Labels, LabelRun)
	c := &pod.Spec.Containers[0]
	c.Name, c.Args = "notebook", []string{"-m", "notebook", "--ip=0.0.0.0", "--port=" + strconv.Itoa(port), "--no-browser", "--allow-root",
		"--ServerApp.root_dir=/tmp", "--ServerApp.password="}
	c.Env = append(c.Env, corev1.EnvVar{Name: tokenKey, ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
		LocalObjectReference: corev1.LocalObjectReference{Name: objName}, Key: tokenKey}}})
	c.Ports = []corev1.ContainerPort{{Name: "jupyter", ContainerPort: int32(port)}}
	c.ReadinessProbe = &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/api", Port: intstr.FromInt(port)}}, PeriodSeconds: 2}
	c.TerminationMessagePath, c.TerminationMessagePolicy = "", ""
	for i := range c.Env {
		if c.Env[i].Name == "ORCH_RUN_ID" {
			c.Env = append(c.Env[:i], c.Env[i+1:]...)
			break
		}
	}
	for i, v := range pod.Spec.Volumes {
		if v.ConfigMap != nil {
			pod.Spec.Volumes[i].ConfigMap.Name = objName
		}
	}
	token := make([]byte, 24)
	rand.Read(token)
	labels := kubestack.Owner{OrgID: st.OrgID, Stack: st.Name}.Labels()
	labels[LabelNotebook] = name
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: objName, Namespace: ns, Labels: labels},
		StringData: map[string]string{tokenKey: hex.EncodeToString(token)}}
	if _, err := cs.CoreV1().Secrets(ns).Create(ctx, secret, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return domain.Notebook{}, fmt.Errorf("creating the notebook's token: %w", err)
	}
	created, err := cs.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{})
	if err != nil {
		return domain.Notebook{}, fmt.Errorf("creating the notebook's pod: %w", err)
	}
	template, err := executorTemplate(st, r, e.ps)
	if err != nil {
		return domain.Notebook{}, err
	}
	cm, _ := companions(st, r, created, template, nil)
	cm.Name, cm.Labels = objName, labels
	if _, err := cs.CoreV1().ConfigMaps(ns).Create(ctx, cm, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return domain.Notebook{}, err
	}
	// The token goes with the pod.
	secret, err = cs.CoreV1().Secrets(ns).Get(ctx, objName, metav1.GetOptions{})
	if err == nil {
		secret.OwnerReferences = cm.OwnerReferences
		_, err = cs.CoreV1().Secrets(ns).Update(ctx, secret, metav1.UpdateOptions{})
	}
	return toNotebook(created), err
}

// Notebooks lists a namespace's notebooks.
func (e *Executor) Notebooks(ctx context.Context, st domain.Stack, ns string) ([]domain.Notebook, error) {
	cs, err := e.client(ctx, st)
	if err != nil {
		return nil, err
	}
	selector := kubestack.Owner{OrgID: st.OrgID, Stack: st.Name}.Selector() + "," + LabelComponent + "=" + componentNotebook
	list, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: selector})
	if err != nil {
		return nil, err
	}
	out := make([]domain.Notebook, 0, len(list.Items))
	for i := range list.Items {
		out = append(out, toNotebook(&list.Items[i]))
	}
	return out, nil
}

// StopNotebook deletes a notebook with its token and executors.
func (e *Executor) StopNotebook(ctx context.Context, st domain.Stack, ns, name string) error {
	pod, cs, err := e.notebookPod(ctx, st, ns, name)
	if err != nil {
		return err
	}
	e.deleteDriver(ctx, cs, pod)
	return nil
}

// NotebookAccess is the notebook's pod, port and token, for connecting.
func (e *Executor) NotebookAccess(ctx context.Context, st domain.Stack, ns, name string) (domain.NotebookAccess, error) {
	pod, cs, err := e.notebookPod(ctx, st, ns, name)
	if err != nil {
		return domain.NotebookAccess{}, err
	}
	secret, err := cs.CoreV1().Secrets(ns).Get(ctx, pod.Name, metav1.GetOptions{})
	if err != nil {
		return domain.NotebookAccess{}, fmt.Errorf("reading the notebook's token: %w", err)
	}
	port := notebookPort
	if ps := pod.Spec.Containers[0].Ports; len(ps) > 0 {
		port = int(ps[0].ContainerPort)
	}
	return domain.NotebookAccess{Pod: pod.Name, Port: port, Token: string(secret.Data[tokenKey])}, nil
}

// notebookPod is the stack's notebook of that name, NotFound otherwise.
func (e *Executor) notebookPod(ctx context.Context, st domain.Stack, ns, name string) (*corev1.Pod, kubernetes.Interface, error) {
	cs, err := e.client(ctx, st)
	if err != nil {
		return nil, nil, err
	}
	pod, err := cs.CoreV1().Pods(ns).Get(ctx, notebookObject(name), metav1.GetOptions{})
	if apierrors.IsNotFound(err) || (err == nil && !(kubestack.Owner{OrgID: st.OrgID, Stack: st.Name}.Owns(pod.Labels) && pod.Labels[LabelNotebook] == name)) {
		return nil, nil, domain.NotFound("notebook", name)
	}
	return pod, cs, err
}

func toNotebook(p *corev1.Pod) domain.Notebook {
	nb := domain.Notebook{Name: p.Labels[LabelNotebook], Namespace: p.Namespace, Phase: string(p.Status.Phase), CreatedAt: p.CreationTimestamp.Time}
	if len(p.Spec.Containers) > 0 {
		nb.Image = p.Spec.Containers[0].Image
	}
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue {
			nb.Ready = true
		}
	}
	if p.DeletionTimestamp != nil {
		nb.Phase = "Terminating"
	}
	return nb
}
