package kubelet

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"time"
)

// userAgent identifies the prober to kubelet operators reading logs.
const userAgent = "kubelet-audit (safe probe)"

// newTransport builds an HTTP/1.1 transport that never uses a proxy from the
// environment, never follows redirects (see newClient) and bounds every
// phase. cert is presented only when non-nil; roots, when non-nil, verifies
// the server chain (the authenticated pass under --ca-file).
func newTransport(o Options, useTLS bool, cert *tls.Certificate, roots *x509.CertPool) *http.Transport {
	tr := &http.Transport{
		Proxy:                  nil, // never an environment proxy: probes go to the target only
		DialContext:            o.dial,
		TLSHandshakeTimeout:    o.TLSTimeout,
		ResponseHeaderTimeout:  o.RequestTimeout,
		MaxResponseHeaderBytes: maxHeaderBytes,
		DisableCompression:     true, // a capped gzip body could still expand
		MaxIdleConnsPerHost:    1,
		IdleConnTimeout:        30 * time.Second,
		// A non-nil empty map disables HTTP/2: one request at a time per node.
		TLSNextProto: map[string]func(string, *tls.Conn) http.RoundTripper{},
	}
	if useTLS {
		tr.TLSClientConfig = clientTLSConfig(cert, roots)
	}
	return tr
}

// clientTLSConfig never presents a certificate unless cert is set, even
// when the server asks for one (GetClientCertificate returning an empty
// certificate sends none).
func clientTLSConfig(cert *tls.Certificate, roots *x509.CertPool) *tls.Config {
	cfg := &tls.Config{
		// Verification happens in T0 and is reported; anonymous probes carry
		// nothing worth protecting.
		InsecureSkipVerify: true, //nolint:gosec // reported, not hidden: TLSFacts.Verified
		GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
			if cert != nil {
				return cert, nil
			}
			return &tls.Certificate{}, nil
		},
	}
	if roots != nil {
		cfg.InsecureSkipVerify = false
		cfg.RootCAs = roots
	}
	return cfg
}

// newClient wraps a transport in a client that never follows redirects.
func newClient(tr *http.Transport) *http.Client {
	return &http.Client{
		Transport: tr,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// response is one HTTP answer with its body capped.
type response struct {
	status     int
	statusLine string
	body       []byte
	// truncated is true when the body was longer than MaxBody.
	truncated bool
}

// do sends one request and reads at most maxBody bytes of the answer. The
// whole exchange (headers and body) is bounded by timeout; a longer body is
// not drained: closing it early drops the connection.
func do(ctx context.Context, c *http.Client, method, url, token string, timeout time.Duration, maxBody int64) (response, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, http.NoBody)
	if err != nil {
		return response{}, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("User-Agent", userAgent)
	req.Header.Set("Accept", "*/*")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.Do(req)
	if err != nil {
		return response{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	r := response{status: resp.StatusCode, statusLine: resp.Proto + " " + resp.Status, body: body}
	if err != nil {
		return r, fmt.Errorf("read body: %w", err)
	}
	var one [1]byte
	n, _ := io.ReadFull(resp.Body, one[:])
	r.truncated = n > 0
	return r, nil
}
