// Package kubelettest is a fake kubelet for tests: a TLS server on loopback
// that answers like the real kubelet server (pkg/kubelet/server, 1.33–1.37)
// for the authentication, authorization and handler behaviours in
// kubelet-facts.md, plus an optional plain-HTTP read-only port. It records
// every request so tests can assert what a prober sent.
package kubelettest

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"
)

// Authorization modes.
const (
	ModeWebhook     = "Webhook"
	ModeAlwaysAllow = "AlwaysAllow"
)

// Config describes the kubelet to fake. The zero value is a kubelet with
// anonymous auth off, Webhook authorization, no debugging handlers and no
// read-only port.
type Config struct {
	// Anonymous is authentication.anonymous.enabled.
	Anonymous bool
	// Mode is authorization.mode: "Webhook" (default) or "AlwaysAllow".
	Mode string
	// Allow is the Webhook authorizer's policy: identity -> allowed
	// "subresource:verb" entries ("*" matches any part). Identities are
	// "system:anonymous", "system:unauthenticated", "system:authenticated",
	// "token:<token>" and "cert:<common name>". Every "token:<t>" key also
	// makes <t> a valid token.
	Allow map[string][]string
	// Tokens are further valid bearer tokens (holding no permissions unless
	// Allow names them). A token authenticates as user
	// system:serviceaccount:default:<token>.
	Tokens []string
	// Debug is enableDebuggingHandlers: run/exec/attach/portForward/
	// containerLogs, /configz, /runningpods/, /logs/, /debug/pprof/ and
	// /debug/flags/v. Off, they answer 405 "Debug endpoints are disabled."
	// (or 404 for /configz and /debug/flags/v).
	Debug bool
	// NoProfiling (with Debug) turns enableProfilingHandler and
	// enableDebugFlagsHandler off: 405 "profiling endpoint is disabled." and
	// "flags endpoint is disabled.".
	NoProfiling bool
	// FineGrained is KubeletFineGrainedAuthz: nodes/pods, nodes/healthz,
	// nodes/configz are checked before nodes/proxy and 403 bodies use the
	// "subresource(s)=[...]" form.
	FineGrained bool
	// ReadOnly starts the plain-HTTP read-only port (10255).
	ReadOnly bool
	// Pods is the number of pods on the node (default/pod-<i>, container c).
	Pods int
	// SelfSigned serves the kubelet's own <host>@<unix> certificate instead
	// of one signed by a cluster CA.
	SelfSigned bool
	// RequestClientCert sets a client CA (clientCAFile): the server asks for
	// client certificates and authenticates those it signed.
	RequestClientCert bool
	// WeakTLS also accepts TLS 1.0/1.1 and CBC/3DES/RC4 cipher suites
	// (otherwise only TLS 1.2+ with the CIS 4.2.12 suites).
	WeakTLS bool
	// ExpiresIn is the serving certificate's remaining validity (default
	// one year; negative = expired).
	ExpiresIn time.Duration
	// Host names the node in certificates (default "node-1").
	Host string
	// Listen is the loopback IP to listen on (default 127.0.0.1; "::1" for IPv6).
	Listen string
}

// Request is one request the fake received.
type Request struct {
	// Server is "secure" (10250) or "read-only" (10255).
	Server string
	Method string
	Path   string
	Query  string
	// Authorization is the raw Authorization header ("" when absent).
	Authorization string
	// ClientCert is true when the client presented a certificate.
	ClientCert bool
	// Upgrade is true when the request asked for a protocol upgrade.
	Upgrade bool
	// User is who the request authenticated as ("" when rejected or not
	// authenticated, e.g. read-only port and pre-auth 404s).
	User   string
	Status int
}

// Server is a running fake kubelet.
type Server struct {
	cfg      Config
	state    *state
	secure   *http.Server
	readOnly *http.Server
	nodes    []Node
	roots    *x509.CertPool
	clientCA keyPair
}

// Node is the address of one fake kubelet.
type Node struct {
	Host string
	// Port is the secure (10250-like) port.
	Port int
	// ReadOnlyPort is the plain-HTTP (10255-like) port, 0 when off.
	ReadOnlyPort int
}

// New starts a fake kubelet and stops it when tb ends.
func New(tb testing.TB, cfg Config) *Server {
	tb.Helper()
	return NewFleet(tb, 1, cfg)
}

// NewFleet starts n fake kubelets that share one configuration, certificate
// and request log (one listener per kubelet; cheap enough for 1,000).
func NewFleet(tb testing.TB, n int, cfg Config) *Server {
	tb.Helper()
	s, err := start(n, cfg)
	if err != nil {
		tb.Fatalf("kubelettest: %v", err)
	}
	tb.Cleanup(s.Close)
	return s
}

// start builds a fake kubelet and starts n listeners for it.
func start(n int, cfg Config) (*Server, error) {
	cfg = withDefaults(cfg)
	cert, roots, err := serving(cfg)
	if err != nil {
		return nil, fmt.Errorf("serving certificate: %w", err)
	}
	s := &Server{cfg: cfg, roots: roots, state: newState(cfg)}
	tlsCfg := serverTLS(cfg, cert)
	if cfg.RequestClientCert {
		if s.clientCA, err = newCA("kubelet-client-ca", time.Now().Add(-time.Hour), time.Now().Add(24*time.Hour)); err != nil {
			return nil, fmt.Errorf("client CA: %w", err)
		}
		pool := x509.NewCertPool()
		pool.AddCert(s.clientCA.cert)
		tlsCfg.ClientCAs, tlsCfg.ClientAuth = pool, tls.VerifyClientCertIfGiven
	}
	s.secure = newHTTPServer(http.HandlerFunc(s.state.serveSecure), tlsCfg)
	if cfg.ReadOnly {
		s.readOnly = newHTTPServer(http.HandlerFunc(s.state.serveReadOnly), nil)
	}
	for range n {
		if err := s.listen(tlsCfg); err != nil {
			s.Close()
			return nil, err
		}
	}
	return s, nil
}

// listen adds one kubelet: a TLS listener and, with ReadOnly, a plain one.
func (s *Server) listen(tlsCfg *tls.Config) error {
	l, err := net.Listen("tcp", net.JoinHostPort(s.cfg.Listen, "0"))
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	go func() { _ = s.secure.Serve(tls.NewListener(l, tlsCfg)) }()
	node := Node{Host: s.cfg.Listen, Port: port(l.Addr().String())}
	if s.readOnly != nil {
		rl, err := net.Listen("tcp", net.JoinHostPort(s.cfg.Listen, "0"))
		if err != nil {
			_ = l.Close()
			return fmt.Errorf("listen read-only: %w", err)
		}
		go func() { _ = s.readOnly.Serve(rl) }()
		node.ReadOnlyPort = port(rl.Addr().String())
	}
	s.nodes = append(s.nodes, node)
	return nil
}

func withDefaults(cfg Config) Config {
	if cfg.Mode == "" {
		cfg.Mode = ModeWebhook
	}
	if cfg.Host == "" {
		cfg.Host = "node-1"
	}
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1"
	}
	return cfg
}

// serverTLS is a hardened kubelet's TLS config (tlsMinVersion VersionTLS12,
// tlsCipherSuites set to the CIS 4.2.12 list) unless WeakTLS; HTTP/1.1 only.
func serverTLS(cfg Config, cert tls.Certificate) *tls.Config {
	c := &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{"http/1.1"}, MinVersion: tls.VersionTLS12,
		CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
			tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256}}
	if cfg.WeakTLS {
		c.MinVersion, c.CipherSuites = tls.VersionTLS10, nil
		for _, list := range [][]*tls.CipherSuite{tls.CipherSuites(), tls.InsecureCipherSuites()} {
			for _, cs := range list {
				c.CipherSuites = append(c.CipherSuites, cs.ID)
			}
		}
	}
	return c
}

// newHTTPServer mirrors the kubelet's server limits that matter here.
func newHTTPServer(h http.Handler, tlsCfg *tls.Config) *http.Server {
	return &http.Server{Handler: h, TLSConfig: tlsCfg, ReadHeaderTimeout: 10 * time.Second,
		MaxHeaderBytes: 1 << 20, ErrorLog: quietLog()}
}

// Close stops both servers.
func (s *Server) Close() {
	if s.secure != nil {
		_ = s.secure.Close()
	}
	if s.readOnly != nil {
		_ = s.readOnly.Close()
	}
}

// Nodes returns the addresses of every kubelet of the fleet.
func (s *Server) Nodes() []Node { return append([]Node(nil), s.nodes...) }

// Host is the IP the fake listens on.
func (s *Server) Host() string { return s.cfg.Listen }

// Port is the secure (10250-like) port of the first kubelet.
func (s *Server) Port() int { return s.nodes[0].Port }

// Addr is host:port of the first kubelet's secure port.
func (s *Server) Addr() string { return net.JoinHostPort(s.cfg.Listen, strconv.Itoa(s.Port())) }

// ReadOnlyPort is the first kubelet's read-only (10255-like) port, 0 when off.
func (s *Server) ReadOnlyPort() int { return s.nodes[0].ReadOnlyPort }

// ServingCAs verifies the serving certificate (what --ca-file would hold).
func (s *Server) ServingCAs() *x509.CertPool { return s.roots }

// ClientCert mints a client certificate for cn signed by the client CA
// (RequestClientCert only); it authenticates as "cert:<cn>".
func (s *Server) ClientCert(tb testing.TB, cn string) tls.Certificate {
	tb.Helper()
	if !s.cfg.RequestClientCert {
		tb.Fatal("kubelettest: ClientCert needs Config.RequestClientCert")
	}
	leaf, err := newLeaf(s.clientCA, cn, nil, "", time.Now().Add(-time.Hour), time.Now().Add(time.Hour), true)
	if err != nil {
		tb.Fatalf("kubelettest: client certificate: %v", err)
	}
	return leaf.tlsCert()
}

// Requests returns a copy of the requests received so far.
func (s *Server) Requests() []Request { return s.state.requests() }

// PodNames returns "<namespace>/<name>" of every pod on the fake node.
func (s *Server) PodNames() []string {
	out := make([]string, 0, len(s.state.pods))
	for _, p := range s.state.pods {
		out = append(out, p.namespace+"/"+p.name)
	}
	return out
}

func port(addr string) int {
	if addr == "" {
		return 0
	}
	_, p, _ := net.SplitHostPort(addr)
	n, _ := strconv.Atoi(p)
	return n
}

// recorder is the shared request log.
type recorder struct {
	mu   sync.Mutex
	reqs []Request
}

func (r *recorder) add(req Request) {
	r.mu.Lock()
	r.reqs = append(r.reqs, req)
	r.mu.Unlock()
}

func (r *recorder) requests() []Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Request(nil), r.reqs...)
}

// ClosedPort returns a loopback port nothing listens on (a read-only port
// that is off, an unreachable kubelet).
func ClosedPort(tb testing.TB) int {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	p := l.Addr().(*net.TCPAddr).Port
	_ = l.Close()
	return p
}
