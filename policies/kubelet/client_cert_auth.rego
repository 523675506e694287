# METADATA
# title: Kubelet does not request client certificates
# description: >-
#   The kubelet's TLS handshake does not ask for a client certificate, so no
#   clientCAFile is set and x509 client-certificate authentication is off:
#   the API server cannot authenticate to the kubelet with its kubelet
#   client certificate, and deployments often compensate with anonymous
#   access or AlwaysAllow (CIS 4.2.3).
# related_resources:
#   - ref: https://kubernetes.io/docs/reference/access-authn-authz/kubelet-authn-authz/#kubelet-authentication
#   - ref: https://www.cisecurity.org/benchmark/kubernetes
# custom:
#   id: KA-KUBELET-008
#   severity: low
#   remediation: Set authentication.x509.clientCAFile (or --client-ca-file) to the cluster CA bundle and restart the kubelet.
#   tags: [kubelet, probe, tls, authentication, cis]
#   cis: ["4.2.3"]
package kubelet_audit.kubelet.client_cert_auth

import data.kubelet_audit.kubelet.lib

findings contains f if {
	some k in input.kubelets
	k.tls.clientCertRequested == false
	f := lib.finding(
		k, "no-client-ca", sprintf(
			"kubelet %s does not request client certificates in its TLS handshake (%s): x509 client authentication is off",
			[lib.name(k), k.tls.version],
		),
		{"handshake": sprintf("%s %s; no CertificateRequest", [k.tls.version, k.tls.cipherSuite])},
	)
}
