package kubelet

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net"
	"time"
)

// Defaults of Options.
const (
	DefaultConcurrency    = 16
	DefaultConnectTimeout = 3 * time.Second
	DefaultTLSTimeout     = 5 * time.Second
	DefaultRequestTimeout = 10 * time.Second
	DefaultDeadline       = 5 * time.Minute
	DefaultMaxBody        = 64 << 10
)

// maxHeaderBytes caps response headers (a hostile server cannot bloat them).
const maxHeaderBytes = 64 << 10

// Options tune a probe run. The zero value probes anonymously with the defaults.
type Options struct {
	// Concurrency bounds the nodes probed at once (default 16); the probes
	// of one node run one after the other.
	Concurrency int
	// ConnectTimeout, TLSTimeout and RequestTimeout bound each dial, TLS
	// handshake and request (headers and capped body); defaults 3s, 5s, 10s.
	ConnectTimeout, TLSTimeout, RequestTimeout time.Duration
	// Deadline bounds the whole run (default 5m); nodes not done by then
	// are reported in state timeout.
	Deadline time.Duration
	// MaxBody caps every response body read (default 64 KiB).
	MaxBody int64
	// RootCAs (--ca-file) verifies the serving chain. nil means do not
	// verify but report what the certificate is (TLSFacts.Verified=false).
	// When set, the authenticated pass only sends credentials to kubelets
	// whose chain verifies.
	RootCAs *x509.CertPool
	// Token is the bearer token of the authenticated pass; it is never sent
	// on anonymous probes.
	Token string
	// ClientCert is the client certificate of the authenticated pass; it is
	// never presented on anonymous probes.
	ClientCert *tls.Certificate
	// AuthProbeOnly limits the authenticated pass to GET /healthz and
	// GET /pods (no exec family): cluster mode's low-privilege AlwaysAllow
	// check. It implies LowPrivilege.
	AuthProbeOnly bool
	// LowPrivilege vouches that the Token/ClientCert identity holds no node
	// RBAC, so any 2xx it gets proves authorization mode AlwaysAllow
	// (facts.AuthPass.LowPrivilege).
	LowPrivilege bool
	// SkipAnonymous skips the anonymous pass (T1–T6, T8).
	SkipAnonymous bool
	// DialContext replaces the TCP dialer (test beds, tunnels); nil dials
	// directly with ConnectTimeout.
	DialContext func(ctx context.Context, network, addr string) (net.Conn, error)
}

// withDefaults fills unset fields.
func (o Options) withDefaults() Options {
	if o.Concurrency <= 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.ConnectTimeout <= 0 {
		o.ConnectTimeout = DefaultConnectTimeout
	}
	if o.TLSTimeout <= 0 {
		o.TLSTimeout = DefaultTLSTimeout
	}
	if o.RequestTimeout <= 0 {
		o.RequestTimeout = DefaultRequestTimeout
	}
	if o.Deadline <= 0 {
		o.Deadline = DefaultDeadline
	}
	if o.MaxBody <= 0 {
		o.MaxBody = DefaultMaxBody
	}
	return o
}

// dial connects with ConnectTimeout through DialContext or a net.Dialer.
func (o Options) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, o.ConnectTimeout)
	defer cancel()
	if o.DialContext != nil {
		return o.DialContext(ctx, network, addr)
	}
	var d net.Dialer
	return d.DialContext(ctx, network, addr)
}

// authIdentity names the authenticated pass ("" when there is none).
func (o Options) authIdentity() string {
	switch {
	case o.Token != "" && o.ClientCert != nil:
		return "cert+token"
	case o.Token != "":
		return "token"
	case o.ClientCert != nil:
		return "cert"
	}
	return ""
}
