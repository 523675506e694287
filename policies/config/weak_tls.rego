# METADATA
# title: Kubelet allows weak TLS
# description: >-
#   The kubelet's serving TLS accepts a protocol below TLS 1.2
#   (tlsMinVersion VersionTLS10/VersionTLS11) or lists cipher suites that are
#   broken (RC4, 3DES), use CBC mode, or use static RSA key exchange (no
#   forward secrecy). kubelet-audit accepts only ECDHE suites with AEAD
#   (AES-GCM, ChaCha20-Poly1305) and the TLS 1.3 suites, which is slightly
#   stricter than the CIS list (it also allows TLS_RSA_WITH_AES_*_GCM). An
#   unset tlsCipherSuites/tlsMinVersion means Go's defaults (TLS 1.2 minimum,
#   no RC4/3DES/static RSA since Go 1.22) and is not flagged here; the TLS
#   probe reports what a kubelet really accepts (CIS 4.2.12).
# related_resources:
#   - ref: https://kubernetes.io/docs/reference/config-api/kubelet-config.v1beta1/
#   - ref: https://www.cisecurity.org/benchmark/kubernetes
# custom:
#   id: KA-CONFIG-012
#   severity: medium
#   remediation: Set tlsMinVersion to VersionTLS12 or VersionTLS13 and limit tlsCipherSuites to ECDHE AEAD suites such as TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 and TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256.
#   tags: [kubelet, config, tls, cis]
#   cis: ["4.2.12"]
package kubelet_audit.config.weak_tls

import data.kubelet_audit.config.lib

strong := {
	"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
	"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
	"TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
	"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
	"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305",
	"TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305",
	"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
	"TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
	"TLS_AES_128_GCM_SHA256",
	"TLS_AES_256_GCM_SHA384",
	"TLS_CHACHA20_POLY1305_SHA256",
}

weak_versions := {"VersionTLS10", "VersionTLS11"}

findings contains f if {
	some c in lib.configs
	weak := [sprintf("%s (%s)", [s, why(s)]) | some s in c.tlsCipherSuites; not s in strong]
	count(weak) > 0
	f := lib.finding(c, "tlsCipherSuites", concat(", ", weak), "the kubelet offers cipher suites that are broken or lack forward secrecy or AEAD; list only ECDHE suites with AES-GCM or ChaCha20-Poly1305")
}

findings contains f if {
	some c in lib.configs
	c.tlsMinVersion in weak_versions
	f := lib.finding(c, "tlsMinVersion", c.tlsMinVersion, "the kubelet accepts TLS 1.0/1.1, which have known weaknesses; set tlsMinVersion: VersionTLS12 or VersionTLS13")
}

why(s) := "broken cipher" if {
	some bad in ["RC4", "3DES", "_NULL_", "EXPORT", "_DES_"]
	contains(s, bad)
} else := "CBC mode" if {
	contains(s, "_CBC_")
} else := "static RSA key exchange: no forward secrecy" if {
	startswith(s, "TLS_RSA_")
} else := "not a recommended suite"
