package testbed

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	authv1 "k8s.io/api/authentication/v1"
	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"k8s.io/utils/ptr"
)

// Identity is a way to authenticate to the API server (and to kubelets):
// a bearer token, or a client certificate signed by the test bed CA.
type Identity struct {
	// Name labels the identity in kubeconfigs ("admin", "monitoring/agent").
	Name    string
	Token   string
	CertPEM []byte
	KeyPEM  []byte
}

// Server is the API server URL (https://127.0.0.1:<port>).
func (env *Env) Server() string { return env.loopback.Host }

// restConfig is a client config for id. The API server's serving
// certificate is verified: its loopback CA and server name come from the
// test server's own client config.
func (env *Env) restConfig(id Identity) *rest.Config {
	return &rest.Config{
		Host:        env.loopback.Host,
		BearerToken: id.Token,
		TLSClientConfig: rest.TLSClientConfig{
			CAData:     env.loopback.CAData,
			ServerName: env.loopback.ServerName,
			CertData:   id.CertPEM,
			KeyData:    id.KeyPEM,
		},
		QPS:   200,
		Burst: 400,
	}
}

// RESTConfig returns a client config for id.
func (env *Env) RESTConfig(id Identity) *rest.Config { return env.restConfig(id) }

// ClientFor returns a clientset authenticated as id.
func (env *Env) ClientFor(id Identity) (kubernetes.Interface, error) {
	c, err := kubernetes.NewForConfig(env.restConfig(id))
	if err != nil {
		return nil, fmt.Errorf("client for %s: %w", id.Name, err)
	}
	return c, nil
}

// Kubeconfig renders a kubeconfig for id (one cluster, user and context,
// all named "testbed").
func (env *Env) Kubeconfig(id Identity) ([]byte, error) {
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["testbed"] = &clientcmdapi.Cluster{
		Server:                   env.loopback.Host,
		CertificateAuthorityData: env.loopback.CAData,
		TLSServerName:            env.loopback.ServerName,
	}
	cfg.AuthInfos["testbed"] = &clientcmdapi.AuthInfo{
		Token:                 id.Token,
		ClientCertificateData: id.CertPEM,
		ClientKeyData:         id.KeyPEM,
	}
	cfg.Contexts["testbed"] = &clientcmdapi.Context{Cluster: "testbed", AuthInfo: "testbed"}
	cfg.CurrentContext = "testbed"
	out, err := clientcmd.Write(*cfg)
	if err != nil {
		return nil, fmt.Errorf("kubeconfig for %s: %w", id.Name, err)
	}
	return out, nil
}

// WriteKubeconfig writes a kubeconfig for id to <Dir>/<file> and returns its path.
func (env *Env) WriteKubeconfig(file string, id Identity) (string, error) {
	data, err := env.Kubeconfig(id)
	if err != nil {
		return "", err
	}
	return writeFile(env.Dir, file, data)
}

// EnsureNamespace creates namespace ns unless it exists.
func (env *Env) EnsureNamespace(ctx context.Context, ns string) error {
	_, err := env.Client.CoreV1().Namespaces().Create(ctx, &v1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create namespace %s: %w", ns, err)
	}
	return nil
}

// CreateServiceAccount creates ns (if needed) and the ServiceAccount ns/name
// (if needed). No controller-manager runs, so nothing else creates them.
func (env *Env) CreateServiceAccount(ctx context.Context, ns, name string) error {
	if err := env.EnsureNamespace(ctx, ns); err != nil {
		return err
	}
	sa := &v1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
	_, err := env.Client.CoreV1().ServiceAccounts(ns).Create(ctx, sa, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create serviceaccount %s/%s: %w", ns, name, err)
	}
	return nil
}

// Token mints a one-hour token for ServiceAccount ns/name (TokenRequest).
func (env *Env) Token(ctx context.Context, ns, name string) (string, error) {
	req := &authv1.TokenRequest{Spec: authv1.TokenRequestSpec{ExpirationSeconds: ptr.To[int64](3600)}}
	tr, err := env.Client.CoreV1().ServiceAccounts(ns).CreateToken(ctx, name, req, metav1.CreateOptions{})
	if err != nil {
		return "", fmt.Errorf("token for %s/%s: %w", ns, name, err)
	}
	return tr.Status.Token, nil
}

// ServiceAccount creates ServiceAccount ns/name if needed and returns an
// identity holding a fresh token for it.
func (env *Env) ServiceAccount(ctx context.Context, ns, name string) (Identity, error) {
	if err := env.CreateServiceAccount(ctx, ns, name); err != nil {
		return Identity{}, err
	}
	tok, err := env.Token(ctx, ns, name)
	if err != nil {
		return Identity{}, err
	}
	return Identity{Name: ns + "/" + name, Token: tok}, nil
}

// User returns a client-certificate identity for user name in groups.
func (env *Env) User(name string, groups ...string) (Identity, error) {
	pair, err := env.CA.IssueClient(name, groups...)
	if err != nil {
		return Identity{}, err
	}
	return Identity{Name: name, CertPEM: pair.CertPEM, KeyPEM: pair.KeyPEM}, nil
}

// Apply creates every object of a multi-document YAML (or JSON) stream as
// admin, in order; objects that already exist are left alone. Namespaced
// objects without a namespace go to "default".
func (env *Env) Apply(ctx context.Context, manifest []byte) error {
	dyn, err := dynamic.NewForConfig(env.restConfig(env.Admin))
	if err != nil {
		return fmt.Errorf("apply: %w", err)
	}
	disc, err := discovery.NewDiscoveryClientForConfig(env.restConfig(env.Admin))
	if err != nil {
		return fmt.Errorf("apply: %w", err)
	}
	mapper := restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(disc))
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(manifest), 4096)
	for i := 1; ; i++ {
		var obj unstructured.Unstructured
		if err := dec.Decode(&obj.Object); errors.Is(err, io.EOF) {
			return nil
		} else if err != nil {
			return fmt.Errorf("apply: document %d: %w", i, err)
		}
		if len(obj.Object) == 0 {
			continue
		}
		if err := createObject(ctx, dyn, mapper, &obj); err != nil {
			return fmt.Errorf("apply: document %d (%s %s): %w", i, obj.GetKind(), obj.GetName(), err)
		}
	}
}

func createObject(ctx context.Context, dyn dynamic.Interface, mapper meta.RESTMapper, obj *unstructured.Unstructured) error {
	gvk := obj.GroupVersionKind()
	m, err := mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		return err
	}
	var ri dynamic.ResourceInterface = dyn.Resource(m.Resource)
	if m.Scope.Name() == meta.RESTScopeNameNamespace {
		if obj.GetNamespace() == "" {
			obj.SetNamespace("default")
		}
		ri = dyn.Resource(m.Resource).Namespace(obj.GetNamespace())
	}
	_, err = ri.Create(ctx, obj, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		return nil
	}
	return err
}
