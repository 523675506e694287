# METADATA
# title: Kubelet has no client CA file (x509 client authentication off)
# description: >-
#   Without authentication.x509.clientCAFile the kubelet cannot verify client
#   certificates, so the API server's kubelet client certificate is not
#   recognised: requests the API server proxies (logs, exec, port-forward)
#   fail, and operators tend to "fix" that by enabling anonymous access or
#   AlwaysAllow. kubeadm sets it to <certificatesDir>/ca.crt; the plain
#   config-file default is empty (CIS 4.2.3).
# related_resources:
#   - ref: https://kubernetes.io/docs/reference/access-authn-authz/kubelet-authn-authz/
#   - ref: https://www.cisecurity.org/benchmark/kubernetes
# custom:
#   id: KA-CONFIG-003
#   severity: medium
#   remediation: Set authentication.x509.clientCAFile to the cluster CA bundle (for example /etc/kubernetes/pki/ca.crt) and restart the kubelet.
#   tags: [kubelet, config, authentication, cis]
#   cis: ["4.2.3"]
package kubelet_audit.config.client_ca

import data.kubelet_audit.config.lib

findings contains f if {
	some c in lib.configs
	c.clientCAFile == ""
	f := lib.finding(c, "authentication.x509.clientCAFile", "empty", "the kubelet cannot authenticate client certificates, including the API server's kubelet client certificate; set authentication.x509.clientCAFile to the cluster CA bundle")
}
