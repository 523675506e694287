# METADATA
# title: Zero duration in a kubelet config file has no effect
# description: >-
#   The kubelet's config-file defaulting treats a zero duration as unset, so
#   streamingConnectionIdleTimeout, authentication.webhook.cacheTTL or the
#   authorization webhook cache TTLs written as 0 get their defaults (4h, 2m,
#   5m, 30s). A 0 meant to disable the idle timeout does not (only the
#   --streaming-connection-idle-timeout=0 flag does, see KA-CONFIG-005), and
#   tools that read the file literally report a CIS failure that the kubelet
#   never has.
# related_resources:
#   - ref: https://kubernetes.io/docs/reference/config-api/kubelet-config.v1beta1/
# custom:
#   id: KA-CONFIG-018
#   severity: info
#   remediation: Remove the zero-valued line, or write the duration the kubelet should use.
#   tags: [kubelet, config]
#   cis: []
package kubelet_audit.config.zero_duration

import data.kubelet_audit.config.lib

defaults := {
	"streamingConnectionIdleTimeout": "4h",
	"authentication.webhook.cacheTTL": "2m",
	"authorization.webhook.cacheAuthorizedTTL": "5m",
	"authorization.webhook.cacheUnauthorizedTTL": "30s",
}

findings contains f if {
	some c in lib.configs
	some path in object.get(c, "zeroDefaulted", [])
	f := lib.finding(c, path, "0s", sprintf(
		"the kubelet treats a zero duration in its config file as unset and uses the default %s, so this line has no effect; remove it or write the duration you want",
		[object.get(defaults, path, "default")],
	))
}
