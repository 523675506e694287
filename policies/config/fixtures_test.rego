# Test fixtures shared by the KA-CONFIG-* rule tests: a hardened config as
# the Go collector emits it (scanner/kubeletconfig checks the keys match
# facts.KubeletConfig) and inputs that carry it as a file or as the /configz
# a probe read.
package kubelet_audit.config.fixtures_test

hardened := {
	"origin": "file",
	"location": {"file": "testdata/kubelet/hardened.yaml", "line": 1},
	"name": "hardened.yaml",
	"kubeadm": false,
	"zeroDefaulted": [],
	"anonymousAuth": false,
	"webhookAuthn": true,
	"authorizationMode": "Webhook",
	"clientCAFile": "/etc/kubernetes/pki/ca.crt",
	"readOnlyPort": 0,
	"streamingConnectionIdleTimeoutSeconds": 1800,
	"makeIPTablesUtilChains": true,
	"hostnameOverride": "",
	"eventRecordQPS": 50,
	"tlsCertFile": "",
	"tlsPrivateKeyFile": "",
	"serverTLSBootstrap": true,
	"rotateCertificates": true,
	"tlsCipherSuites": ["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"],
	"tlsMinVersion": "VersionTLS12",
	"podPidsLimit": 4096,
	"enableDebuggingHandlers": false,
	"enableProfilingHandler": false,
	"protectKernelDefaults": true,
	"webhookCacheAuthorizedTTLSeconds": 300,
	"webhookCacheUnauthorizedTTLSeconds": 30,
	"authnWebhookCacheTTLSeconds": 120,
	"featureGates": {},
	"set": [
		"authentication.anonymous.enabled", "authentication.webhook.enabled",
		"authentication.x509.clientCAFile", "authorization.mode", "readOnlyPort",
		"streamingConnectionIdleTimeout", "serverTLSBootstrap", "rotateCertificates",
		"tlsCipherSuites", "tlsMinVersion", "podPidsLimit", "enableDebuggingHandlers",
		"enableProfilingHandler", "protectKernelDefaults",
	],
	"fieldLines": {
		"authentication.anonymous.enabled": 5,
		"authorization.mode": 11,
		"readOnlyPort": 14,
		"tlsCipherSuites": 20,
		"enableDebuggingHandlers": 25,
	},
}

# config is the hardened config with patch applied (top-level keys replaced).
config(patch) := replace(hardened, patch)

# replace sets the top-level keys of patch in obj (object.union would merge
# nested objects such as fieldLines instead of replacing them).
replace(obj, patch) := object.union(object.remove(obj, object.keys(patch)), patch)

# live is a config read from node n1's /configz.
live(patch) := replace(
	replace(object.remove(hardened, ["fieldLines"]), {
		"origin": "configz", "node": "n1", "name": "n1",
		"location": {"uri": "k8s://node/n1/configz"},
	}),
	patch,
)

# as_file is a scan input holding c as an audited file (or saved /configz).
as_file(c) := {"kubeletConfigs": [c], "kubelets": []}

# as_probe is a scan input where a probe read c from a kubelet's /configz.
as_probe(c) := {"kubeletConfigs": [], "kubelets": [{"target": "127.0.0.1:10250", "node": "n1", "config": c}]}

# without_config is a probe input where /configz could not be read.
without_config := {"kubeletConfigs": [], "kubelets": [{"target": "127.0.0.1:10250", "node": "n1"}]}
