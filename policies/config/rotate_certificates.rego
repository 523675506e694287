# METADATA
# title: Kubelet client certificate rotation is off
# description: >-
#   With rotateCertificates false the kubelet never renews its client
#   certificate (its identity towards the API server) from the certificates
#   API: when it expires the node drops out of the cluster, and a stolen
#   certificate stays valid for its whole lifetime. The config-file default is
#   false; kubeadm forces true (CIS 4.2.10).
# related_resources:
#   - ref: https://kubernetes.io/docs/reference/access-authn-authz/kubelet-tls-bootstrapping/
#   - ref: https://www.cisecurity.org/benchmark/kubernetes
# custom:
#   id: KA-CONFIG-010
#   severity: low
#   remediation: Set rotateCertificates to true in the KubeletConfiguration (or pass --rotate-certificates) so the kubelet renews its client certificate before it expires.
#   tags: [kubelet, config, tls, cis]
#   cis: ["4.2.10"]
package kubelet_audit.config.rotate_certificates

import data.kubelet_audit.config.lib

findings contains f if {
	some c in lib.configs
	c.rotateCertificates == false
	f := lib.finding(c, "rotateCertificates", "false", "the kubelet's client certificate is never renewed, so the node drops out when it expires and a stolen certificate stays valid; set rotateCertificates: true")
}
