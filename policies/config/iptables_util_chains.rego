# METADATA
# title: Kubelet does not manage its iptables utility chains
# description: >-
#   With makeIPTablesUtilChains false the kubelet does not create and keep its
#   KUBE-FIREWALL chain, which drops martian packets to 127.0.0.0/8 from other
#   hosts (route_localnet abuse of localhost-only services such as the
#   kubelet's healthz). The default is true (CIS 4.2.6).
# related_resources:
#   - ref: https://kubernetes.io/docs/reference/config-api/kubelet-config.v1beta1/
#   - ref: https://www.cisecurity.org/benchmark/kubernetes
# custom:
#   id: KA-CONFIG-006
#   severity: low
#   remediation: Set makeIPTablesUtilChains to true (the default) or remove the field.
#   tags: [kubelet, config, network, cis]
#   cis: ["4.2.6"]
package kubelet_audit.config.iptables_util_chains

import data.kubelet_audit.config.lib

findings contains f if {
	some c in lib.configs
	c.makeIPTablesUtilChains == false
	f := lib.finding(c, "makeIPTablesUtilChains", "false", "the kubelet does not maintain its iptables utility chains, so network protections it installs can drift; set makeIPTablesUtilChains: true")
}
