package testbed

import (
	"context"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/utils/ptr"
)

// Workload describes a workload and its one running pod. No controllers
// run, so CreateWorkload writes the whole owner chain itself: Deployment ->
// ReplicaSet -> Pod, DaemonSet -> Pod, StatefulSet -> Pod, CronJob -> Job ->
// Pod, or a bare Pod.
type Workload struct {
	// Kind is Deployment, DaemonSet, StatefulSet, CronJob or Pod.
	Kind           string
	Namespace      string
	Name           string
	ServiceAccount string
	// Node is the pod's spec.nodeName.
	Node string
	// NoAutomount sets automountServiceAccountToken: false on the pod template.
	NoAutomount bool
}

// CreateWorkload creates w's objects (namespace and ServiceAccount too) and
// returns the pod.
func (env *Env) CreateWorkload(ctx context.Context, w Workload) (*v1.Pod, error) {
	if err := env.CreateServiceAccount(ctx, w.Namespace, w.ServiceAccount); err != nil {
		return nil, err
	}
	tmpl := podTemplate(w)
	owner, podName, err := env.createOwners(ctx, w, tmpl)
	if err != nil {
		return nil, fmt.Errorf("workload %s %s/%s: %w", w.Kind, w.Namespace, w.Name, err)
	}
	pod := &v1.Pod{ObjectMeta: tmpl.ObjectMeta, Spec: tmpl.Spec}
	pod.Name, pod.Namespace, pod.Spec.NodeName = podName, w.Namespace, w.Node
	if owner != nil {
		pod.OwnerReferences = []metav1.OwnerReference{*owner}
	}
	created, err := env.Client.CoreV1().Pods(w.Namespace).Create(ctx, pod, metav1.CreateOptions{})
	if err != nil {
		return nil, fmt.Errorf("workload %s %s/%s: pod: %w", w.Kind, w.Namespace, w.Name, err)
	}
	return created, nil
}

// createOwners creates the controller objects above the pod and returns the
// pod's controller reference and name.
func (env *Env) createOwners(ctx context.Context, w Workload, tmpl v1.PodTemplateSpec) (*metav1.OwnerReference, string, error) {
	meta := metav1.ObjectMeta{Namespace: w.Namespace, Name: w.Name, Labels: tmpl.Labels}
	sel := &metav1.LabelSelector{MatchLabels: tmpl.Labels}
	apps := env.Client.AppsV1()
	switch w.Kind {
	case "Pod":
		return nil, w.Name, nil
	case "DaemonSet":
		ds, err := apps.DaemonSets(w.Namespace).Create(ctx, &appsv1.DaemonSet{ObjectMeta: meta,
			Spec: appsv1.DaemonSetSpec{Selector: sel, Template: tmpl}}, metav1.CreateOptions{})
		if err != nil {
			return nil, "", err
		}
		return controllerRef(appsv1.SchemeGroupVersion.WithKind("DaemonSet"), ds.ObjectMeta), w.Name + "-" + w.Node, nil
	case "StatefulSet":
		ss, err := apps.StatefulSets(w.Namespace).Create(ctx, &appsv1.StatefulSet{ObjectMeta: meta,
			Spec: appsv1.StatefulSetSpec{Selector: sel, Template: tmpl, Replicas: ptr.To[int32](1)}}, metav1.CreateOptions{})
		if err != nil {
			return nil, "", err
		}
		return controllerRef(appsv1.SchemeGroupVersion.WithKind("StatefulSet"), ss.ObjectMeta), w.Name + "-0", nil
	case "Deployment":
		return env.createDeployment(ctx, w, meta, sel, tmpl)
	case "CronJob":
		return env.createCronJob(ctx, w, meta, tmpl)
	}
	return nil, "", fmt.Errorf("unsupported kind %q", w.Kind)
}

func (env *Env) createDeployment(ctx context.Context, w Workload, meta metav1.ObjectMeta, sel *metav1.LabelSelector, tmpl v1.PodTemplateSpec) (*metav1.OwnerReference, string, error) {
	apps := env.Client.AppsV1()
	d, err := apps.Deployments(w.Namespace).Create(ctx, &appsv1.Deployment{ObjectMeta: meta,
		Spec: appsv1.DeploymentSpec{Selector: sel, Template: tmpl, Replicas: ptr.To[int32](1)}}, metav1.CreateOptions{})
	if err != nil {
		return nil, "", err
	}
	rsMeta := meta
	rsMeta.Name = w.Name + "-7c9f8d6b5"
	rsMeta.OwnerReferences = []metav1.OwnerReference{*controllerRef(appsv1.SchemeGroupVersion.WithKind("Deployment"), d.ObjectMeta)}
	rs, err := apps.ReplicaSets(w.Namespace).Create(ctx, &appsv1.ReplicaSet{ObjectMeta: rsMeta,
		Spec: appsv1.ReplicaSetSpec{Selector: sel, Template: tmpl, Replicas: ptr.To[int32](1)}}, metav1.CreateOptions{})
	if err != nil {
		return nil, "", err
	}
	return controllerRef(appsv1.SchemeGroupVersion.WithKind("ReplicaSet"), rs.ObjectMeta), rs.Name + "-x2vqp", nil
}

func (env *Env) createCronJob(ctx context.Context, w Workload, meta metav1.ObjectMeta, tmpl v1.PodTemplateSpec) (*metav1.OwnerReference, string, error) {
	batch := env.Client.BatchV1()
	tmpl.Spec.RestartPolicy = v1.RestartPolicyOnFailure
	jobSpec := batchv1.JobSpec{Template: tmpl}
	cj, err := batch.CronJobs(w.Namespace).Create(ctx, &batchv1.CronJob{ObjectMeta: meta,
		Spec: batchv1.CronJobSpec{Schedule: "*/30 * * * *", JobTemplate: batchv1.JobTemplateSpec{Spec: jobSpec}}}, metav1.CreateOptions{})
	if err != nil {
		return nil, "", err
	}
	jobMeta := meta
	jobMeta.Name = w.Name + "-29000000"
	jobMeta.OwnerReferences = []metav1.OwnerReference{*controllerRef(batchv1.SchemeGroupVersion.WithKind("CronJob"), cj.ObjectMeta)}
	job, err := batch.Jobs(w.Namespace).Create(ctx, &batchv1.Job{ObjectMeta: jobMeta, Spec: jobSpec}, metav1.CreateOptions{})
	if err != nil {
		return nil, "", err
	}
	return controllerRef(batchv1.SchemeGroupVersion.WithKind("Job"), job.ObjectMeta), job.Name + "-k4t7z", nil
}

func podTemplate(w Workload) v1.PodTemplateSpec {
	return v1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": w.Name}},
		Spec: v1.PodSpec{
			ServiceAccountName:           w.ServiceAccount,
			AutomountServiceAccountToken: ptr.To(!w.NoAutomount),
			Containers:                   []v1.Container{{Name: "main", Image: "registry.k8s.io/pause:3.10"}},
		},
	}
}

func controllerRef(gvk schema.GroupVersionKind, m metav1.ObjectMeta) *metav1.OwnerReference {
	return metav1.NewControllerRef(&metav1.ObjectMeta{Name: m.Name, UID: m.UID}, gvk)
}
