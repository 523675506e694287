// Package testbed starts a real Kubernetes control plane and real kubelet
// HTTP servers in-process, on 127.0.0.1 only, for kubelet-audit's
// end-to-end tests and the `make lab` demo: an embedded etcd, a
// kube-apiserver (Node,RBAC authorization, client certificates,
// ServiceAccount tokens, anonymous authentication on), the ClusterRole
// aggregation controller, and N kubelet servers built from
// k8s.io/kubernetes/pkg/kubelet/server with the kubelet's own BuildAuth, each
// with its own authentication, authorization, TLS and debugging settings.
// Nothing runs containers: the kubelets' host stub refuses and records every
// runtime call, so tests can prove that probing never executed anything.
package testbed

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"go.etcd.io/etcd/server/v3/embed"
	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/klog/v2"
	"k8s.io/kubernetes/pkg/controller/clusterroleaggregation"
)

// Options configure a test bed.
type Options struct {
	// Dir receives the CA, kubeconfigs and the log. Empty: a temporary
	// directory that Close removes.
	Dir string
	// Kubelets to start, one Node object each.
	Kubelets []KubeletOptions
}

// Env is a running test bed. Close stops everything it started.
type Env struct {
	// Dir holds ca.crt, kubeconfigs and testbed.log.
	Dir string
	// CA signs client certificates (API server and kubelets trust it) and
	// CA-signed kubelet serving certificates; CAFile is its PEM file.
	CA     *CA
	CAFile string
	// Admin is a system:masters identity (client certificate).
	Admin Identity
	// Client is a clientset for Admin.
	Client kubernetes.Interface
	// Kubelets are the running kubelet servers, in Options order.
	Kubelets []*Kubelet
	// LogFile collects etcd, kube-apiserver and kubelet logs.
	LogFile string

	loopback *rest.Config
	tb       *fakeTB
	log      io.WriteCloser
	etcd     *embed.Etcd
	api      *apiServer
	stopCtrl context.CancelFunc
	ctrlDone chan struct{}
	ownDir   bool
	once     sync.Once
}

// Start brings up etcd, the API server, the aggregation controller and the
// kubelets, and registers a Node per kubelet. On error everything already
// started is stopped.
func Start(ctx context.Context, opts Options) (_ *Env, err error) {
	env := &Env{Dir: opts.Dir}
	defer func() {
		if err != nil {
			env.Close()
		}
	}()
	if err := env.prepareDir(); err != nil {
		return nil, err
	}
	if err := env.startControlPlane(); err != nil {
		return nil, err
	}
	env.startAggregation()
	for _, ko := range opts.Kubelets {
		k, err := startKubelet(env, ko)
		if err != nil {
			return nil, err
		}
		env.Kubelets = append(env.Kubelets, k)
		if err := env.registerNode(ctx, k); err != nil {
			return nil, err
		}
	}
	return env, nil
}

func (env *Env) prepareDir() error {
	if env.Dir == "" {
		d, err := os.MkdirTemp("", "kubelet-audit-testbed-")
		if err != nil {
			return fmt.Errorf("testbed dir: %w", err)
		}
		env.Dir, env.ownDir = d, true
	} else if err := os.MkdirAll(env.Dir, 0o700); err != nil {
		return fmt.Errorf("testbed dir: %w", err)
	}
	env.LogFile = env.Dir + "/testbed.log"
	w, err := openLog(env.LogFile)
	if err != nil {
		return err
	}
	env.log = w
	quietKlog(w)
	env.tb = newFakeTB(w)
	return nil
}

// quietKlog sends klog (used by the API server and kubelet code) to w.
func quietKlog(w io.Writer) {
	fs := flag.NewFlagSet("klog", flag.ContinueOnError)
	klog.InitFlags(fs)
	_ = fs.Set("logtostderr", "false")
	_ = fs.Set("alsologtostderr", "false")
	_ = fs.Set("stderrthreshold", "FATAL")
	klog.SetOutput(w)
}

func (env *Env) startControlPlane() error {
	ca, err := newCA("kubelet-audit-testbed-ca")
	if err != nil {
		return err
	}
	env.CA = ca
	if env.CAFile, err = writeFile(env.Dir, "ca.crt", ca.CertPEM); err != nil {
		return err
	}
	e, etcdURL, err := startEtcd(env.Dir, env.LogFile)
	if err != nil {
		return err
	}
	env.etcd = e
	if env.api, err = startAPIServer(env.tb, etcdURL, env.CAFile); err != nil {
		return err
	}
	env.loopback = env.api.config
	pair, err := ca.IssueClient("kubelet-audit-admin", "system:masters")
	if err != nil {
		return err
	}
	env.Admin = Identity{Name: "admin", CertPEM: pair.CertPEM, KeyPEM: pair.KeyPEM}
	env.Client, err = env.ClientFor(env.Admin)
	return err
}

// startAggregation runs the ClusterRole aggregation controller (normally in
// kube-controller-manager), so aggregated roles such as view carry the
// rules of the roles labelled into them, as in a real cluster.
func (env *Env) startAggregation() {
	ctx, cancel := context.WithCancel(context.Background())
	factory := informers.NewSharedInformerFactory(env.Client, 0)
	ctrl := clusterroleaggregation.NewClusterRoleAggregation(factory.Rbac().V1().ClusterRoles(), env.Client.RbacV1())
	factory.Start(ctx.Done())
	env.stopCtrl, env.ctrlDone = cancel, make(chan struct{})
	go func() {
		defer close(env.ctrlDone)
		ctrl.Run(ctx, 1)
		factory.Shutdown()
	}()
}

// registerNode creates the kubelet's Node and points its status at the
// server: InternalIP 127.0.0.1 and daemonEndpoints.kubeletEndpoint.Port.
func (env *Env) registerNode(ctx context.Context, k *Kubelet) error {
	node := &v1.Node{ObjectMeta: metav1.ObjectMeta{
		Name:   k.Options.Name,
		Labels: map[string]string{"kubernetes.io/hostname": k.Options.Name, "kubernetes.io/os": "linux"},
	}}
	created, err := env.Client.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{})
	if err != nil {
		return fmt.Errorf("create node %s: %w", k.Options.Name, err)
	}
	created.Status = v1.NodeStatus{
		Addresses: []v1.NodeAddress{
			{Type: v1.NodeInternalIP, Address: "127.0.0.1"},
			{Type: v1.NodeHostName, Address: k.Options.Name},
		},
		DaemonEndpoints: v1.NodeDaemonEndpoints{KubeletEndpoint: v1.DaemonEndpoint{Port: int32(k.Port)}},
		NodeInfo:        v1.NodeSystemInfo{KubeletVersion: "v1.37.2", OperatingSystem: "linux", Architecture: "amd64"},
		Conditions: []v1.NodeCondition{{
			Type: v1.NodeReady, Status: v1.ConditionTrue, Reason: "KubeletReady",
			LastHeartbeatTime: metav1.Now(), LastTransitionTime: metav1.Now(),
		}},
	}
	if _, err := env.Client.CoreV1().Nodes().UpdateStatus(ctx, created, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("node %s status: %w", k.Options.Name, err)
	}
	return nil
}

// Kubelet returns the kubelet serving node name, or nil.
func (env *Env) Kubelet(name string) *Kubelet {
	for _, k := range env.Kubelets {
		if k.Options.Name == name {
			return k
		}
	}
	return nil
}

// RuntimeCalls returns, per node, the runtime calls that reached a kubelet
// host (exec, run, attach, ...). Empty when nothing ever ran.
func (env *Env) RuntimeCalls() map[string][]string {
	out := map[string][]string{}
	for _, k := range env.Kubelets {
		if calls := k.RuntimeCalls(); len(calls) > 0 {
			out[k.Options.Name] = calls
		}
	}
	return out
}

// Close stops the kubelets, the controller, the API server and etcd, and
// removes a temporary directory. Safe to call more than once.
func (env *Env) Close() {
	env.once.Do(env.close)
}

func (env *Env) close() {
	for _, k := range env.Kubelets {
		k.stop()
	}
	if env.stopCtrl != nil {
		env.stopCtrl()
		select {
		case <-env.ctrlDone:
		case <-time.After(10 * time.Second):
		}
	}
	if env.api != nil && env.api.tearDown != nil {
		env.api.tearDown()
	}
	if env.tb != nil {
		env.tb.cleanup()
	}
	if env.etcd != nil {
		env.etcd.Close()
		_ = os.RemoveAll(env.etcd.Config().Dir)
	}
	if env.log != nil {
		klog.Flush()
		_ = env.log.Close()
	}
	if env.ownDir {
		_ = os.RemoveAll(env.Dir)
	}
}
