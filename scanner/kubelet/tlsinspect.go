package kubelet

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"math"
	"net"
	"regexp"
	"slices"
	"time"

	"github.com/kubelet-audit/kubelet-audit/scanner/facts"
)

// The kubelet's own certificate (no serverTLSBootstrap): subject CN
// <host>@<unix>, issued by <host>-ca@<unix>, valid a year, never renewed.
var (
	selfSignedCN       = regexp.MustCompile(`^.+@\d+$`)
	selfSignedIssuerCN = regexp.MustCompile(`^.+-ca@\d+$`)
)

// strongSuites are the TLS 1.2 suites CIS 4.2.12 recommends; every other
// suite Go can offer counts as weak.
var strongSuites = []uint16{
	tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
	tls.TLS_RSA_WITH_AES_128_GCM_SHA256, tls.TLS_RSA_WITH_AES_256_GCM_SHA384,
}

// weakSuites lists the TLS 1.2 suites offered by the weak-cipher handshake.
var weakSuites = func() []uint16 {
	var out []uint16
	for _, list := range [][]*tls.CipherSuite{tls.CipherSuites(), tls.InsecureCipherSuites()} {
		for _, cs := range list {
			if slices.Contains(cs.SupportedVersions, tls.VersionTLS12) && !slices.Contains(strongSuites, cs.ID) {
				out = append(out, cs.ID)
			}
		}
	}
	return out
}()

// inspectTLS runs T0: one handshake that records the certificate, the
// negotiated protocol and cipher and whether (and from which CAs) the server
// requests a client certificate, without presenting one; then two cheap
// handshakes that offer only TLS 1.0/1.1 and only weak TLS 1.2 ciphers.
func inspectTLS(ctx context.Context, t Target, o Options) (*facts.TLSFacts, error) {
	var req *tls.CertificateRequestInfo
	cfg := &tls.Config{
		InsecureSkipVerify: true, //nolint:gosec // verified below against RootCAs and reported
		ServerName:         serverName(t.Host),
		GetClientCertificate: func(cri *tls.CertificateRequestInfo) (*tls.Certificate, error) {
			req = cri
			return &tls.Certificate{}, nil // observe the request, send no certificate
		},
	}
	state, err := handshake(ctx, t, o, cfg)
	if err != nil {
		return nil, err
	}
	f := certFacts(state.PeerCertificates, time.Now())
	f.Version = tls.VersionName(state.Version)
	f.CipherSuite = tls.CipherSuiteName(state.CipherSuite)
	if req != nil {
		f.ClientCertRequested = true
		f.AcceptableCAs = caNames(req.AcceptableCAs)
	}
	if o.RootCAs != nil {
		f.Verified, f.VerifyError = verifyChain(state.PeerCertificates, t.Host, o.RootCAs)
	}
	f.WeakProtocols, f.WeakCiphers = weakProbes(ctx, t, o)
	return f, nil
}

// handshake dials and completes one TLS handshake within TLSTimeout.
func handshake(ctx context.Context, t Target, o Options, cfg *tls.Config) (tls.ConnectionState, error) {
	raw, err := o.dial(ctx, "tcp", t.Addr())
	if err != nil {
		return tls.ConnectionState{}, fmt.Errorf("connect %s: %w", t.Addr(), err)
	}
	defer raw.Close()
	hctx, cancel := context.WithTimeout(ctx, o.TLSTimeout)
	defer cancel()
	conn := tls.Client(raw, cfg)
	if err := conn.HandshakeContext(hctx); err != nil {
		return tls.ConnectionState{}, fmt.Errorf("TLS handshake with %s: %w", t.Addr(), err)
	}
	return conn.ConnectionState(), nil
}

// weakProbes offers TLS 1.0/1.1 only, then TLS 1.2 with weak suites only,
// and returns what the server accepted. A refusal is the good answer.
func weakProbes(ctx context.Context, t Target, o Options) (protocols, ciphers []string) {
	protocols, ciphers = []string{}, []string{}
	base := tls.Config{InsecureSkipVerify: true, ServerName: serverName(t.Host), //nolint:gosec // only the negotiation is observed
		GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &tls.Certificate{}, nil }}
	old := base.Clone()
	old.MinVersion, old.MaxVersion = tls.VersionTLS10, tls.VersionTLS11
	if st, err := handshake(ctx, t, o, old); err == nil {
		protocols = append(protocols, tls.VersionName(st.Version))
	}
	weak := base.Clone()
	weak.MinVersion, weak.MaxVersion, weak.CipherSuites = tls.VersionTLS12, tls.VersionTLS12, weakSuites
	if st, err := handshake(ctx, t, o, weak); err == nil {
		ciphers = append(ciphers, tls.CipherSuiteName(st.CipherSuite))
	}
	return protocols, ciphers
}

// certFacts summarizes the leaf certificate of a chain.
func certFacts(chain []*x509.Certificate, now time.Time) *facts.TLSFacts {
	f := &facts.TLSFacts{DNSNames: []string{}, IPAddresses: []string{}, AcceptableCAs: []string{},
		WeakProtocols: []string{}, WeakCiphers: []string{}}
	if len(chain) == 0 {
		return f
	}
	leaf := chain[0]
	f.Subject, f.Issuer = leaf.Subject.String(), leaf.Issuer.String()
	f.DNSNames = append(f.DNSNames, leaf.DNSNames...)
	for _, ip := range leaf.IPAddresses {
		f.IPAddresses = append(f.IPAddresses, ip.String())
	}
	f.NotBefore = leaf.NotBefore.UTC().Format(time.RFC3339)
	f.NotAfter = leaf.NotAfter.UTC().Format(time.RFC3339)
	f.DaysLeft = int(math.Floor(leaf.NotAfter.Sub(now).Hours() / 24))
	f.SelfSigned = isSelfSigned(leaf)
	return f
}

// isSelfSigned recognizes the kubelet's <host>@<ts> certificate and any
// certificate signed by its own key.
func isSelfSigned(c *x509.Certificate) bool {
	if selfSignedCN.MatchString(c.Subject.CommonName) && selfSignedIssuerCN.MatchString(c.Issuer.CommonName) {
		return true
	}
	return c.Subject.String() == c.Issuer.String() && c.CheckSignatureFrom(c) == nil
}

// verifyChain checks the served chain against roots for host.
func verifyChain(chain []*x509.Certificate, host string, roots *x509.CertPool) (bool, string) {
	if len(chain) == 0 {
		return false, "server sent no certificate"
	}
	inter := x509.NewCertPool()
	for _, c := range chain[1:] {
		inter.AddCert(c)
	}
	_, err := chain[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, DNSName: host})
	if err != nil {
		return false, err.Error()
	}
	return true, ""
}

// caNames decodes the DER distinguished names of a CertificateRequest.
func caNames(ders [][]byte) []string {
	out := []string{}
	for _, der := range ders {
		var rdn pkix.RDNSequence
		if _, err := asn1.Unmarshal(der, &rdn); err != nil {
			out = append(out, fmt.Sprintf("(undecodable name: %v)", err))
			continue
		}
		var n pkix.Name
		n.FillFromRDNSequence(&rdn)
		out = append(out, n.String())
	}
	return out
}

// serverName is the SNI to send: none for IP literals.
func serverName(host string) string {
	if net.ParseIP(host) != nil {
		return ""
	}
	return host
}
