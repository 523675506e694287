# Helpers shared by the KA-KUBELET-* rules: they read input.kubelets (the
# safe-probe results of scanner/kubelet) and build findings about one node.
package kubelet_audit.kubelet.lib

# Outcomes that prove a request got past authentication and authorization:
# a 2xx, a handler's own 404 for a made-up pod, a handler's 405 "disabled"
# or 406 answer (those handlers run only after the kubelet's auth filter).
authorized_outcomes := {"allowed", "exec-authorized", "debug-disabled", "method-rejected"}

# Path prefixes of the exec family: code execution or streams into containers.
exec_prefixes := ["/run/", "/exec/", "/attach/", "/portForward/"]

# Path prefixes that serve node or pod data.
data_prefixes := ["/pods", "/runningpods", "/configz", "/stats", "/metrics", "/logs", "/spec", "/containerLogs/"]

exec_path(path) if {
	some prefix in exec_prefixes
	startswith(path, prefix)
}

data_path(path) if {
	some prefix in data_prefixes
	startswith(path, prefix)
}

# name is the node name when known, else host:port.
name(k) := k.node if {
	k.node != ""
} else := k.target

resource(k) := {"kind": "Node", "namespace": "", "name": name(k)}

location(k) := {"file": "", "line": 0, "uri": k.location.uri}

# request renders a probe as "METHOD path -> status outcome".
request(p) := sprintf("%s %s -> %d %s", [p.method, p.path, p.status, p.outcome])

# anonymous_probes are the probes sent without any credentials.
anonymous_probes(k) := [p | some p in k.probes; p.identity == "anonymous"]

# finding builds the finding object every KA-KUBELET rule returns.
finding(k, key, msg, evidence) := {
	"msg": msg,
	"resource": resource(k),
	"location": location(k),
	"key": key,
	"evidence": evidence,
}

# anonymous_finding adds the anonymous subject.
anonymous_finding(k, key, msg, evidence) := object.union(finding(k, key, msg, evidence), {"subject": "User:system:anonymous"})
