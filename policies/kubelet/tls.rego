# METADATA
# title: Kubelet serving TLS is weak
# description: >-
#   The kubelet's serving certificate or TLS settings are weak: its own
#   self-signed <host>@<timestamp> certificate (never rotated, impossible to
#   verify, so clients skip verification and can be intercepted), a
#   certificate that has expired or expires within 30 days, TLS 1.0/1.1 or a
#   cipher suite outside the CIS 4.2.12 list accepted, or a chain that does
#   not verify against the CA given with --ca-file. One finding per problem.
# related_resources:
#   - ref: https://kubernetes.io/docs/reference/access-authn-authz/kubelet-tls-bootstrapping/
#   - ref: https://www.cisecurity.org/benchmark/kubernetes
# custom:
#   id: KA-KUBELET-006
#   severity: medium
#   remediation: Enable serverTLSBootstrap and rotateCertificates (RotateKubeletServerCertificate) so the kubelet serves a cluster-CA-signed certificate that is renewed, set tlsMinVersion VersionTLS12 and tlsCipherSuites to strong AEAD suites, and restart the kubelet.
#   tags: [kubelet, probe, tls, cis]
#   cis: ["4.2.9", "4.2.10", "4.2.11", "4.2.12"]
package kubelet_audit.kubelet.tls

import data.kubelet_audit.kubelet.lib

# problems yields [kubelet, key, message] for every TLS weakness.
problems contains [k, "self-signed", msg] if {
	some k in input.kubelets
	k.tls.selfSigned == true
	msg := sprintf("serves a self-signed certificate (%s, issued by %s) that is never rotated and cannot be verified", [k.tls.subject, k.tls.issuer])
}

problems contains [k, "expired", msg] if {
	some k in input.kubelets
	k.tls.daysLeft < 0
	msg := sprintf("serves a certificate that expired %d days ago (notAfter %s)", [0 - k.tls.daysLeft, k.tls.notAfter])
}

problems contains [k, "expiring", msg] if {
	some k in input.kubelets
	k.tls.daysLeft >= 0
	k.tls.daysLeft < 30
	msg := sprintf("serves a certificate that expires in %d days (notAfter %s)", [k.tls.daysLeft, k.tls.notAfter])
}

problems contains [k, "weak-protocol", msg] if {
	some k in input.kubelets
	count(k.tls.weakProtocols) > 0
	msg := sprintf("accepts %s", [concat(", ", k.tls.weakProtocols)])
}

problems contains [k, "weak-cipher", msg] if {
	some k in input.kubelets
	count(k.tls.weakCiphers) > 0
	msg := sprintf("accepts cipher suite %s (not in the CIS 4.2.12 list)", [concat(", ", k.tls.weakCiphers)])
}

problems contains [k, "unverified", msg] if {
	some k in input.kubelets
	object.get(k.tls, "verifyError", "") != ""
	msg := sprintf("serves a chain that does not verify against --ca-file: %s", [k.tls.verifyError])
}

findings contains f if {
	some [k, key, msg] in problems
	f := lib.finding(k, key, sprintf("kubelet %s %s", [lib.name(k), msg]), {
		"certificate": summary(k.tls),
		"protocol": sprintf("%s %s", [k.tls.version, k.tls.cipherSuite]),
	})
}

summary(t) := sprintf("subject %s; issuer %s; valid %s to %s (%d days left); SANs %s", [
	t.subject, t.issuer, t.notBefore, t.notAfter, t.daysLeft,
	concat(",", array.concat(object.get(t, "dnsNames", []), object.get(t, "ipAddresses", []))),
])
