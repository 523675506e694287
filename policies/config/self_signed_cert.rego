# METADATA
# title: Kubelet serves a self-signed certificate
# description: >-
#   With neither tlsCertFile/tlsPrivateKeyFile nor serverTLSBootstrap, the
#   kubelet generates a self-signed serving certificate (CN <host>@<time>,
#   issuer <host>-ca@<time>, 365 days, never renewed) and writes it to
#   <cert-dir>/kubelet.crt. Nobody can verify it, so clients of port 10250
#   (the API server included) skip verification and are open to
#   man-in-the-middle attacks (CIS 4.2.9). A running kubelet's /configz shows
#   the generated pair's path (…/kubelet.crt, …/kubelet.key) as tlsCertFile,
#   so for /configz that path counts as self-signed too; the TLS probe
#   (KA-KUBELET rules) confirms it from the certificate itself.
# related_resources:
#   - ref: https://kubernetes.io/docs/reference/access-authn-authz/kubelet-tls-bootstrapping/
#   - ref: https://www.cisecurity.org/benchmark/kubernetes
# custom:
#   id: KA-CONFIG-009
#   severity: low
#   remediation: Set serverTLSBootstrap to true and approve the kubelet-serving CSRs, or set tlsCertFile and tlsPrivateKeyFile to a certificate signed by a CA the API server trusts (--kubelet-certificate-authority).
#   tags: [kubelet, config, tls, cis]
#   cis: ["4.2.9"]
package kubelet_audit.config.self_signed_cert

import data.kubelet_audit.config.lib

findings contains f if {
	some c in lib.configs
	c.serverTLSBootstrap == false
	c.origin != "configz"
	missing_pair(c)
	f := lib.finding(c, "tlsCertFile", "empty", "with no certificate files and serverTLSBootstrap false the kubelet serves a self-signed certificate nobody can verify; set serverTLSBootstrap: true or tlsCertFile/tlsPrivateKeyFile")
}

findings contains f if {
	some c in lib.configs
	c.serverTLSBootstrap == false
	c.origin == "configz"
	generated_pair(c)
	f := lib.finding(c, "tlsCertFile", sprintf("%q", [c.tlsCertFile]), "that is where the kubelet writes its self-generated certificate when no certificate is configured and serverTLSBootstrap is false, so it most likely serves a self-signed certificate; set serverTLSBootstrap: true or provision a CA-signed certificate")
}

missing_pair(c) if c.tlsCertFile == ""

missing_pair(c) if c.tlsPrivateKeyFile == ""

generated_pair(c) if {
	endswith(c.tlsCertFile, "/kubelet.crt")
	endswith(c.tlsPrivateKeyFile, "/kubelet.key")
}

generated_pair(c) if missing_pair(c)
