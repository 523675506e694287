# METADATA
# title: Kubelet hostname is overridden
# description: >-
#   A hostname override registers the node under a name that differs from the
#   host's own, which can break TLS between the API server and the kubelet
#   (certificate names no longer match) and confuses node identity for the
#   Node authorizer (CIS 4.2.7). The KubeletConfiguration v1beta1 API of
#   Kubernetes 1.37 has no hostnameOverride field: in a config file the
#   kubelet ignores it with a strict-decoding warning, so a file finding says
#   so — it usually mirrors a --hostname-override flag that does take effect.
# related_resources:
#   - ref: https://kubernetes.io/docs/reference/command-line-tools-reference/kubelet/
#   - ref: https://www.cisecurity.org/benchmark/kubernetes
# custom:
#   id: KA-CONFIG-007
#   severity: low
#   remediation: Remove --hostname-override from the kubelet flags (and hostnameOverride from the config file) so the node uses its own hostname.
#   tags: [kubelet, config, cis]
#   cis: ["4.2.7"]
package kubelet_audit.config.hostname_override

import data.kubelet_audit.config.lib

findings contains f if {
	some c in lib.configs
	c.hostnameOverride != ""
	f := lib.finding(c, "hostnameOverride", sprintf("%q", [c.hostnameOverride]), impact(c))
}

impact(c) := "KubeletConfiguration v1beta1 (1.37) has no such field, so the kubelet ignores it here with a strict-decoding warning; if a --hostname-override flag mirrors it, the node name differs from its hostname; remove both" if {
	c.origin == "file"
} else := "the node registers under a name that differs from its hostname, which can break TLS between the API server and the kubelet; remove --hostname-override"
