package testbed

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	kubeletapp "k8s.io/kubernetes/cmd/kubelet/app"
	kubeletconfig "k8s.io/kubernetes/pkg/kubelet/apis/config"
	"k8s.io/kubernetes/pkg/kubelet/server"
)

// KubeletOptions configure one kubelet server. The zero value (plus a Name)
// is a kubelet started from a kubeadm-style config file: anonymous off,
// webhook authentication and authorization, debugging handlers on,
// read-only port off, self-signed serving certificate, client certificates
// requested.
type KubeletOptions struct {
	// Name is the node name (system:node:<Name>) and the Node object's name.
	Name string
	// Anonymous turns anonymous authentication on (system:anonymous).
	Anonymous bool
	// AlwaysAllow sets authorization.mode AlwaysAllow instead of Webhook.
	AlwaysAllow bool
	// DisableDebuggingHandlers turns enableDebuggingHandlers off: /run,
	// /exec, /attach, /portForward, /containerLogs, /logs/ and /debug/pprof
	// answer 405 "Debug endpoints are disabled.".
	DisableDebuggingHandlers bool
	// Profiling turns enableProfilingHandler and enableDebugFlagsHandler on
	// (/debug/pprof/, /debug/flags/v); off they answer 405 "... disabled.".
	Profiling bool
	// ReadOnlyPort starts the plain-HTTP read-only server (10255-style): no
	// authentication, no authorization.
	ReadOnlyPort bool
	// CASigned serves a certificate signed by the test bed CA instead of the
	// kubelet's own self-signed "<host>@<unix>" certificate.
	CASigned bool
	// NoClientCA leaves authentication.x509.clientCAFile empty: the server
	// does not request client certificates and does not accept them.
	NoClientCA bool
}

// Kubelet is a running kubelet HTTP server: the real
// k8s.io/kubernetes/pkg/kubelet/server handler behind the kubelet's own
// BuildAuth, talking to the test bed API server as system:node:<Name>.
type Kubelet struct {
	Options KubeletOptions
	// Addr is 127.0.0.1:<port> of the HTTPS server (10250-style).
	Addr string
	Port int
	// ReadOnlyAddr is 127.0.0.1:<port> of the read-only server, or "".
	ReadOnlyAddr string
	ReadOnlyPort int
	// ServingCert is the leaf certificate the HTTPS server presents.
	ServingCert *x509.Certificate
	// Config is the internal KubeletConfiguration the server was built with.
	Config *kubeletconfig.KubeletConfiguration
	// Host records runtime calls and serves pods.
	Host *Host

	servers  []*http.Server
	cancel   context.CancelFunc
	errorLog *log.Logger
}

// RuntimeCalls lists runtime calls that reached this kubelet's host.
func (k *Kubelet) RuntimeCalls() []string { return k.Host.RuntimeCalls() }

// kubeletConfig builds the internal KubeletConfiguration for opts on top of
// the v1beta1 defaults. Webhook caches are off so every request asks the API
// server afresh: tests change RBAC and expect the kubelet to follow at once.
func kubeletConfig(opts KubeletOptions, caFile string) (*kubeletconfig.KubeletConfiguration, error) {
	cfg, err := defaultedConfig()
	if err != nil {
		return nil, err
	}
	cfg.Address = "127.0.0.1"
	cfg.ReadOnlyPort = 0
	cfg.EnableDebuggingHandlers = !opts.DisableDebuggingHandlers
	cfg.EnableSystemLogHandler = true
	cfg.EnableProfilingHandler = opts.Profiling
	cfg.EnableDebugFlagsHandler = opts.Profiling
	cfg.Authentication.X509.ClientCAFile = ""
	if !opts.NoClientCA {
		cfg.Authentication.X509.ClientCAFile = caFile
	}
	cfg.Authentication.Webhook.Enabled = true
	cfg.Authentication.Webhook.CacheTTL = metav1.Duration{}
	cfg.Authentication.Anonymous.Enabled = opts.Anonymous
	cfg.Authorization.Mode = kubeletconfig.KubeletAuthorizationModeWebhook
	if opts.AlwaysAllow {
		cfg.Authorization.Mode = kubeletconfig.KubeletAuthorizationModeAlwaysAllow
	}
	cfg.Authorization.Webhook.CacheAuthorizedTTL = metav1.Duration{}
	cfg.Authorization.Webhook.CacheUnauthorizedTTL = metav1.Duration{}
	return cfg, nil
}

// startKubelet starts one kubelet server (and its read-only server).
func startKubelet(env *Env, opts KubeletOptions) (*Kubelet, error) {
	if opts.Name == "" {
		return nil, errors.New("kubelet: empty node name")
	}
	client, err := env.nodeClient(opts.Name)
	if err != nil {
		return nil, err
	}
	cfg, err := kubeletConfig(opts, env.CAFile)
	if err != nil {
		return nil, err
	}
	auth, runAuth, err := kubeletapp.BuildAuth(types.NodeName(opts.Name), client, *cfg)
	if err != nil {
		return nil, fmt.Errorf("kubelet %s: build auth: %w", opts.Name, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	runAuth(ctx.Done())
	k := &Kubelet{Options: opts, Config: cfg, Host: NewHost(opts.Name), cancel: cancel,
		errorLog: log.New(env.log, "kubelet "+opts.Name+": ", log.LstdFlags)}
	if err := k.serveTLS(ctx, env, auth); err != nil {
		k.stop()
		return nil, err
	}
	if opts.ReadOnlyPort {
		if err := k.serveReadOnly(ctx); err != nil {
			k.stop()
			return nil, err
		}
	}
	return k, nil
}

// serveTLS serves the authenticated port with the kubelet's TLS policy:
// request (not require) a client certificate, verify it against the CA.
func (k *Kubelet) serveTLS(ctx context.Context, env *Env, auth server.AuthInterface) error {
	pair, err := k.servingPair(env)
	if err != nil {
		return err
	}
	cert, err := pair.TLS()
	if err != nil {
		return fmt.Errorf("kubelet %s: %w", k.Options.Name, err)
	}
	if k.ServingCert, err = x509.ParseCertificate(cert.Certificate[0]); err != nil {
		return fmt.Errorf("kubelet %s: parse serving cert: %w", k.Options.Name, err)
	}
	tlsCfg := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	if !k.Options.NoClientCA {
		tlsCfg.ClientAuth = tls.RequestClientCert
		tlsCfg.ClientCAs = env.CA.Pool()
	}
	l, err := tls.Listen("tcp", "127.0.0.1:0", tlsCfg)
	if err != nil {
		return fmt.Errorf("kubelet %s: listen: %w", k.Options.Name, err)
	}
	k.Port = l.Addr().(*net.TCPAddr).Port
	k.Addr = l.Addr().String()
	k.Config.Port = int32(k.Port)
	handler := server.NewServer(ctx, k.Host, analyzer{node: k.Options.Name}, nil, nil, auth, k.Config)
	k.serve(l, withConfigz(&handler, func() ([]byte, error) { return configzBody(k.Config) }))
	return nil
}

// servingPair makes the serving certificate. A CA-signed pair is written to
// <Dir>/<node>.crt|key and named in the config (tlsCertFile), as on a real
// node; the self-signed one stays in memory like the kubelet's own.
func (k *Kubelet) servingPair(env *Env) (KeyPair, error) {
	if !k.Options.CASigned {
		return kubeletSelfSigned(k.Options.Name)
	}
	pair, err := env.CA.IssueServing(k.Options.Name, k.Options.Name)
	if err != nil {
		return KeyPair{}, err
	}
	if k.Config.TLSCertFile, err = writeFile(env.Dir, k.Options.Name+".crt", pair.CertPEM); err != nil {
		return KeyPair{}, err
	}
	if k.Config.TLSPrivateKeyFile, err = writeFile(env.Dir, k.Options.Name+".key", pair.KeyPEM); err != nil {
		return KeyPair{}, err
	}
	return pair, nil
}

// serveReadOnly serves the read-only port the way
// ListenAndServeKubeletReadOnlyServer does: no auth, no config (so the
// debugging handlers are the "disabled" ones).
func (k *Kubelet) serveReadOnly(ctx context.Context) error {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("kubelet %s: listen read-only: %w", k.Options.Name, err)
	}
	k.ReadOnlyPort = l.Addr().(*net.TCPAddr).Port
	k.ReadOnlyAddr = l.Addr().String()
	k.Config.ReadOnlyPort = int32(k.ReadOnlyPort)
	handler := server.NewServer(ctx, k.Host, analyzer{node: k.Options.Name}, nil, nil, nil, nil)
	k.serve(l, &handler)
	return nil
}

func (k *Kubelet) serve(l net.Listener, h http.Handler) {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ErrorLog: k.errorLog}
	k.servers = append(k.servers, srv)
	go func() { _ = srv.Serve(l) }()
}

// stop closes the listeners and every open connection.
func (k *Kubelet) stop() {
	for _, s := range k.servers {
		_ = s.Close()
	}
	if k.cancel != nil {
		k.cancel()
	}
}

// nodeClient is a clientset authenticated as system:node:<name> (group
// system:nodes) with a CA-signed client certificate: the Node authorizer
// then lets the kubelet create TokenReviews and SubjectAccessReviews.
func (env *Env) nodeClient(name string) (kubernetes.Interface, error) {
	pair, err := env.CA.IssueClient("system:node:"+name, "system:nodes")
	if err != nil {
		return nil, err
	}
	cfg := env.restConfig(Identity{CertPEM: pair.CertPEM, KeyPEM: pair.KeyPEM})
	c, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("node client %s: %w", name, err)
	}
	return c, nil
}

// writeFile writes data under the test bed directory.
func writeFile(dir, name string, data []byte) (string, error) {
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		return "", fmt.Errorf("write %s: %w", name, err)
	}
	return p, nil
}
