# Builders for the KA-KUBELET-* Rego tests: facts documents shaped like
# scanner/kubelet's probe output.
package kubelet_audit.kubelet.fixtures_test

probe(id, method, path, identity, status, outcome, evidence) := {
	"id": id, "method": method, "path": path, "subresource": "proxy", "verb": "get",
	"identity": identity, "status": status, "outcome": outcome, "evidence": evidence,
}

anon(id, method, path, status, outcome, evidence) := probe(id, method, path, "anonymous", status, outcome, evidence)

unauthorized := "HTTP/1.1 401 Unauthorized — Unauthorized"

forbidden_anon := "HTTP/1.1 403 Forbidden — Forbidden (user=system:anonymous, verb=get, resource=nodes, subresource(s)=[pods proxy])"

# locked_probes: anonymous auth off, every step answers 401.
locked_probes := [
	anon("T1", "GET", "/healthz", 401, "unauthenticated", unauthorized),
	anon("T2", "GET", "/pods", 401, "unauthenticated", unauthorized),
	anon("T3", "POST", "/run/{ns}/{pod}/{container}", 401, "unauthenticated", unauthorized),
	anon("T4", "GET", "/exec/{ns}/{pod}/{container}?command=true&output=1", 401, "unauthenticated", unauthorized),
	anon("T5", "GET", "/configz", 401, "unauthenticated", unauthorized),
	anon("T6", "GET", "/metrics", 401, "unauthenticated", unauthorized),
	anon("T8", "GET", "/debug/pprof/", 401, "unauthenticated", unauthorized),
	anon("T8", "GET", "/debug/flags/v", 401, "unauthenticated", unauthorized),
]

# denied_probes: anonymous auth on, the Webhook authorizer denies everything.
denied_probes := [{
	"id": p.id, "method": p.method, "path": p.path, "subresource": "proxy", "verb": "get",
	"identity": "anonymous", "status": 403, "outcome": "forbidden", "user": "system:anonymous",
	"evidence": forbidden_anon,
} |
	some p in locked_probes
]

# open_probes: anonymous AlwaysAllow with debugging handlers on.
open_probes := [
	anon("T1", "GET", "/healthz", 200, "allowed", "HTTP/1.1 200 OK — ok"),
	object.union(anon("T2", "GET", "/pods", 200, "allowed", "HTTP/1.1 200 OK — body 670 bytes (not shown)"), {"podCount": 3}),
	anon("T3", "POST", "/run/{ns}/{pod}/{container}", 404, "exec-authorized", "HTTP/1.1 404 Not Found — pod does not exist"),
	anon("T4", "GET", "/exec/{ns}/{pod}/{container}?command=true&output=1", 404, "exec-authorized", "HTTP/1.1 404 Not Found — pod does not exist"),
	anon("T5", "GET", "/configz", 200, "allowed", "HTTP/1.1 200 OK — body 259 bytes (not shown)"),
	anon("T6", "GET", "/metrics", 200, "allowed", "HTTP/1.1 200 OK — body 132 bytes (not shown)"),
	anon("T8", "GET", "/debug/pprof/", 200, "allowed", "HTTP/1.1 200 OK — body 110 bytes (not shown)"),
	anon("T8", "GET", "/debug/flags/v", 406, "method-rejected", "HTTP/1.1 406 Not Acceptable — unsupported http method"),
]

good_tls := {
	"version": "TLS 1.3", "cipherSuite": "TLS_AES_128_GCM_SHA256",
	"subject": "CN=system:node:worker-1,O=system:nodes", "issuer": "CN=kubernetes",
	"dnsNames": ["worker-1"], "ipAddresses": ["10.0.0.11"],
	"notBefore": "2026-01-01T00:00:00Z", "notAfter": "2027-01-01T00:00:00Z", "daysLeft": 200,
	"selfSigned": false, "verified": true, "clientCertRequested": true,
	"acceptableCAs": ["CN=kubernetes"], "weakProtocols": [], "weakCiphers": [],
}

# kubelet is a locked-down, checked kubelet with overrides applied.
kubelet(overrides) := object.union(
	{
		"target": "10.0.0.11:10250", "node": "worker-1", "location": {"uri": "k8s://node/worker-1:10250"},
		"state": "checked", "anonymous": "disabled", "tls": good_tls, "probes": locked_probes,
		"readOnly": {"port": 10255, "open": false, "state": "closed", "error": "GET /healthz: connection refused"},
	},
	overrides,
)

tls(overrides) := object.union(good_tls, overrides)

doc(kubelets) := {"schemaVersion": "kubelet-audit/facts/v1", "mode": "probe", "kubelets": kubelets}
