package kubelettest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"net"
	"time"
)

// keyPair is a certificate with its key.
type keyPair struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	der  []byte
}

// newCA makes a CA certificate named cn.
func newCA(cn string, notBefore, notAfter time.Time) (keyPair, error) {
	tmpl := &x509.Certificate{
		Subject:               pkix.Name{CommonName: cn},
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	return sign(tmpl, nil)
}

// newLeaf makes a serving (or client, when client is true) certificate
// signed by ca, with the loopback SANs and host.
func newLeaf(ca keyPair, cn string, orgs []string, host string, notBefore, notAfter time.Time, client bool) (keyPair, error) {
	tmpl := &x509.Certificate{
		Subject:     pkix.Name{CommonName: cn, Organization: orgs},
		NotBefore:   notBefore,
		NotAfter:    notAfter,
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	if client {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	} else {
		tmpl.DNSNames = []string{host, "localhost"}
		tmpl.IPAddresses = []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}
	}
	return sign(tmpl, &ca)
}

// sign creates a key and signs tmpl with parent (self-signed when nil).
func sign(tmpl *x509.Certificate, parent *keyPair) (keyPair, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return keyPair{}, fmt.Errorf("generate key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return keyPair{}, fmt.Errorf("serial: %w", err)
	}
	tmpl.SerialNumber = serial
	parentCert, parentKey := tmpl, key
	if parent != nil {
		parentCert, parentKey = parent.cert, parent.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parentCert, &key.PublicKey, parentKey)
	if err != nil {
		return keyPair{}, fmt.Errorf("create certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return keyPair{}, fmt.Errorf("parse certificate: %w", err)
	}
	return keyPair{cert: cert, key: key, der: der}, nil
}

// tlsCert is the leaf with its chain (leaf first), as the kubelet serves it.
func (k keyPair) tlsCert(chain ...keyPair) tls.Certificate {
	c := tls.Certificate{Certificate: [][]byte{k.der}, PrivateKey: k.key, Leaf: k.cert}
	for _, p := range chain {
		c.Certificate = append(c.Certificate, p.der)
	}
	return c
}

// serving builds the serving certificate and the pool that verifies it.
// SelfSigned reproduces the kubelet without serverTLSBootstrap: CA
// "<host>-ca@<unix>" and leaf "<host>@<unix>", both served. Otherwise the
// leaf is "system:node:<host>" signed by a cluster CA "kubernetes".
func serving(cfg Config) (tls.Certificate, *x509.CertPool, error) {
	now := time.Now()
	notBefore, notAfter := now.Add(-time.Hour), now.Add(cfg.ExpiresIn)
	if cfg.ExpiresIn == 0 {
		notAfter = now.Add(365 * 24 * time.Hour)
	}
	if !notAfter.After(notBefore) { // expired: valid for the year before
		notBefore = notAfter.Add(-365 * 24 * time.Hour)
	}
	caName, leafName, orgs := "kubernetes", "system:node:"+cfg.Host, []string{"system:nodes"}
	if cfg.SelfSigned {
		ts := now.Unix()
		caName, leafName, orgs = fmt.Sprintf("%s-ca@%d", cfg.Host, ts), fmt.Sprintf("%s@%d", cfg.Host, ts), nil
	}
	ca, err := newCA(caName, notBefore, notAfter.Add(time.Hour))
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	leaf, err := newLeaf(ca, leafName, orgs, cfg.Host, notBefore, notAfter, false)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca.cert)
	chain := []keyPair{}
	if cfg.SelfSigned {
		chain = append(chain, ca)
	}
	return leaf.tlsCert(chain...), pool, nil
}
