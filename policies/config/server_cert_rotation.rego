# METADATA
# title: Kubelet serving certificate is not rotated
# description: >-
#   The kubelet requests and rotates its serving certificate from the
#   certificates API only when serverTLSBootstrap is true AND the
#   RotateKubeletServerCertificate feature gate is on (beta, on by default
#   since 1.12). Otherwise the serving certificate is self-signed or provided
#   by hand and never renewed by the kubelet (CIS 4.2.11).
# related_resources:
#   - ref: https://kubernetes.io/docs/reference/access-authn-authz/kubelet-tls-bootstrapping/#certificate-rotation
#   - ref: https://www.cisecurity.org/benchmark/kubernetes
# custom:
#   id: KA-CONFIG-011
#   severity: low
#   remediation: Set serverTLSBootstrap to true, keep the RotateKubeletServerCertificate feature gate on (remove any false setting), and approve the kubelet-serving CSRs.
#   tags: [kubelet, config, tls, cis]
#   cis: ["4.2.11"]
package kubelet_audit.config.server_cert_rotation

import data.kubelet_audit.config.lib

gate := "RotateKubeletServerCertificate"

findings contains f if {
	some c in lib.configs
	object.get(c, ["featureGates", gate], true) == false
	f := lib.finding(c, sprintf("featureGates.%s", [gate]), "false", "the kubelet never rotates its serving certificate, and serverTLSBootstrap has no effect without this gate; remove the false setting")
}

findings contains f if {
	some c in lib.configs
	object.get(c, ["featureGates", gate], true) == true
	c.serverTLSBootstrap == false
	f := lib.finding(c, "serverTLSBootstrap", "false", "the kubelet never requests its serving certificate from the certificates API, so nobody rotates it; set serverTLSBootstrap: true and approve the kubelet-serving CSRs")
}
