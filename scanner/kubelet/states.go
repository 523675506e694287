package kubelet

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"strings"
	"syscall"

	"github.com/kubelet-audit/kubelet-audit/scanner/facts"
)

// stateOf maps a transport error (no HTTP answer) to a kubelet state:
// unreachable, timeout (a canceled run included), tls-error or
// protocol-error. None is a pass.
func stateOf(err error) string {
	var (
		netErr   net.Error
		dnsErr   *net.DNSError
		recErr   tls.RecordHeaderError
		alertErr tls.AlertError
		certErr  *tls.CertificateVerificationError
		unkAuth  x509.UnknownAuthorityError
		hostErr  x509.HostnameError
	)
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled),
		errors.As(err, &netErr) && netErr.Timeout():
		return facts.StateTimeout
	case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.EHOSTUNREACH),
		errors.Is(err, syscall.ENETUNREACH), errors.As(err, &dnsErr):
		return facts.StateUnreachable
	case errors.As(err, &recErr):
		// The first bytes were not TLS: plain HTTP on 10250 or garbage.
		return facts.StateProtocol
	case errors.As(err, &alertErr), errors.As(err, &certErr), errors.As(err, &unkAuth), errors.As(err, &hostErr),
		strings.Contains(err.Error(), "tls:"):
		return facts.StateTLSError
	case strings.Contains(err.Error(), "malformed HTTP"), strings.Contains(err.Error(), "HTTP/1.x transport connection broken"),
		strings.Contains(err.Error(), "response headers exceeded"):
		return facts.StateProtocol
	case errors.Is(err, syscall.ECONNRESET), strings.Contains(err.Error(), "EOF"):
		// Closed mid-handshake or before answering: speaks some other protocol.
		return facts.StateProtocol
	}
	return facts.StateUnreachable
}

// isRefused reports a refused connection (nothing listens on the port).
func isRefused(err error) bool { return errors.Is(err, syscall.ECONNREFUSED) }
