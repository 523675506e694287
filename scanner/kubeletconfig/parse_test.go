package kubeletconfig

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/kubelet-audit/kubelet-audit/scanner/facts"
	"github.com/kubelet-audit/kubelet-audit/scanner/finding"
	"github.com/kubelet-audit/kubelet-audit/scanner/inventory"
)

const header = "kind: KubeletConfiguration\napiVersion: kubelet.config.k8s.io/v1beta1\n"

func mustParse(t *testing.T, src string) *facts.KubeletConfig {
	t.Helper()
	cfg, err := Parse([]byte(src), finding.Location{File: "cfg.yaml"}, OriginFile)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return cfg
}

// TestParseFileDefaults checks the defaults the kubelet applies to a config
// file with nothing but kind and apiVersion (SetDefaults_KubeletConfiguration).
func TestParseFileDefaults(t *testing.T) {
	got := mustParse(t, header)
	want := facts.KubeletConfig{
		Origin: "file", Location: finding.Location{File: "cfg.yaml", Line: 1}, Name: "cfg.yaml",
		ZeroDefaulted: []string{}, AnonymousAuth: false, WebhookAuthn: true, AuthorizationMode: "Webhook",
		ReadOnlyPort: 0, StreamingConnectionIdleTimeoutSeconds: 4 * 3600, MakeIPTablesUtilChains: true,
		EventRecordQPS: 50, TLSCipherSuites: []string{}, PodPidsLimit: -1, EnableDebuggingHandlers: true,
		EnableProfilingHandler: true, WebhookCacheAuthorizedTTLSeconds: 300,
		WebhookCacheUnauthorizedTTLSeconds: 30, AuthnWebhookCacheTTLSeconds: 120,
		FeatureGates: map[string]bool{}, Set: []string{},
	}
	if !reflect.DeepEqual(*got, want) {
		t.Errorf("defaults:\n got %+v\nwant %+v", *got, want)
	}
}

func TestParseValues(t *testing.T) {
	tests := []struct {
		name  string
		body  string
		check func(*facts.KubeletConfig) bool
	}{
		{"anonymous on", "authentication:\n  anonymous:\n    enabled: true\n",
			func(c *facts.KubeletConfig) bool { return c.AnonymousAuth }},
		{"yaml 1.1 boolean like the kubelet reads it", "authentication:\n  anonymous:\n    enabled: yes\n",
			func(c *facts.KubeletConfig) bool { return c.AnonymousAuth }},
		{"yaml 1.1 off and n", "enableDebuggingHandlers: off\nmakeIPTablesUtilChains: n\n",
			func(c *facts.KubeletConfig) bool { return !c.EnableDebuggingHandlers && !c.MakeIPTablesUtilChains }},
		{"quoted yes stays a string", "readOnlyPort: 7\nhostnameOverride: 'yes'\n",
			func(c *facts.KubeletConfig) bool { return c.HostnameOverride == "yes" }},
		{"AlwaysAllow", "authorization:\n  mode: AlwaysAllow\n",
			func(c *facts.KubeletConfig) bool { return c.AuthorizationMode == "AlwaysAllow" }},
		{"read-only port", "readOnlyPort: 10255\n",
			func(c *facts.KubeletConfig) bool { return c.ReadOnlyPort == 10255 }},
		{"duration in seconds", "streamingConnectionIdleTimeout: 1h30m\n",
			func(c *facts.KubeletConfig) bool { return c.StreamingConnectionIdleTimeoutSeconds == 5400 }},
		{"written zero duration gets the default", "streamingConnectionIdleTimeout: 0s\n",
			func(c *facts.KubeletConfig) bool {
				return c.StreamingConnectionIdleTimeoutSeconds == 14400 &&
					reflect.DeepEqual(c.ZeroDefaulted, []string{PathStreamingIdle})
			}},
		{"webhook TTLs", "authorization:\n  webhook:\n    cacheAuthorizedTTL: 1h\n    cacheUnauthorizedTTL: 1m\nauthentication:\n  webhook:\n    cacheTTL: 15m\n",
			func(c *facts.KubeletConfig) bool {
				return c.WebhookCacheAuthorizedTTLSeconds == 3600 && c.WebhookCacheUnauthorizedTTLSeconds == 60 && c.AuthnWebhookCacheTTLSeconds == 900
			}},
		{"explicit zero QPS stays (pointer)", "eventRecordQPS: 0\n",
			func(c *facts.KubeletConfig) bool { return c.EventRecordQPS == 0 }},
		{"negative pid limit becomes -1", "podPidsLimit: -5\n",
			func(c *facts.KubeletConfig) bool { return c.PodPidsLimit == -1 }},
		{"pid limit", "podPidsLimit: 4096\n",
			func(c *facts.KubeletConfig) bool { return c.PodPidsLimit == 4096 }},
		{"booleans off", "enableDebuggingHandlers: false\nenableProfilingHandler: false\nmakeIPTablesUtilChains: false\n",
			func(c *facts.KubeletConfig) bool {
				return !c.EnableDebuggingHandlers && !c.EnableProfilingHandler && !c.MakeIPTablesUtilChains
			}},
		{"feature gates kept", "featureGates:\n  RotateKubeletServerCertificate: false\n  Foo: true\n",
			func(c *facts.KubeletConfig) bool {
				return reflect.DeepEqual(c.FeatureGates, map[string]bool{"RotateKubeletServerCertificate": false, "Foo": true})
			}},
		{"cipher suites kept as written", "tlsCipherSuites: [TLS_RSA_WITH_RC4_128_SHA, bogus]\ntlsMinVersion: VersionTLS10\n",
			func(c *facts.KubeletConfig) bool {
				return reflect.DeepEqual(c.TLSCipherSuites, []string{"TLS_RSA_WITH_RC4_128_SHA", "bogus"}) && c.TLSMinVersion == "VersionTLS10"
			}},
		{"TLS files and bootstrap", "tlsCertFile: /a.crt\ntlsPrivateKeyFile: /a.key\nserverTLSBootstrap: true\nrotateCertificates: true\n",
			func(c *facts.KubeletConfig) bool {
				return c.TLSCertFile == "/a.crt" && c.TLSPrivateKeyFile == "/a.key" && c.ServerTLSBootstrap && c.RotateCertificates
			}},
		{"hostnameOverride read though no v1beta1 field", "hostnameOverride: node-a\n",
			func(c *facts.KubeletConfig) bool { return c.HostnameOverride == "node-a" }},
		{"keys are case-sensitive like the kubelet's decoder", "ReadOnlyPort: 10255\n",
			func(c *facts.KubeletConfig) bool { return c.ReadOnlyPort == 0 }},
		{"unknown fields are ignored", "someFutureField: {a: 1}\nreadOnlyPort: 1\n",
			func(c *facts.KubeletConfig) bool { return c.ReadOnlyPort == 1 }},
		{"merge keys", "x: &base\n  readOnlyPort: 10255\n<<: *base\n",
			func(c *facts.KubeletConfig) bool { return c.ReadOnlyPort == 10255 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if c := mustParse(t, header+tt.body); !tt.check(c) {
				t.Errorf("unexpected facts: %+v", *c)
			}
		})
	}
}

func TestParseSetAndFieldLines(t *testing.T) {
	src := header + "authentication:\n  anonymous:\n    enabled: true\nreadOnlyPort: 10255\nfeatureGates:\n  RotateKubeletServerCertificate: false\ncgroupDriver: systemd\n"
	c := mustParse(t, src)
	wantSet := []string{PathAnonymous, PathFeatureGates, "featureGates.RotateKubeletServerCertificate", PathReadOnlyPort}
	if !reflect.DeepEqual(c.Set, wantSet) {
		t.Errorf("Set = %v, want %v", c.Set, wantSet)
	}
	wantLines := map[string]int{PathAnonymous: 5, PathReadOnlyPort: 6, PathFeatureGates: 7, "featureGates.RotateKubeletServerCertificate": 8}
	if !reflect.DeepEqual(c.FieldLines, wantLines) {
		t.Errorf("FieldLines = %v, want %v", c.FieldLines, wantLines)
	}
}

// TestParseLineOffset: a document cut out of a bigger file keeps file lines.
func TestParseLineOffset(t *testing.T) {
	c, err := Parse([]byte(header+"readOnlyPort: 10255\n"), finding.Location{File: "all.yaml", Line: 40}, OriginFile)
	if err != nil {
		t.Fatal(err)
	}
	if c.Location.Line != 40 || c.FieldLines[PathReadOnlyPort] != 42 {
		t.Errorf("location %v, readOnlyPort line %d; want 40 and 42", c.Location, c.FieldLines[PathReadOnlyPort])
	}
}

func TestParseJSON(t *testing.T) {
	src := "{\n\t\"kind\": \"KubeletConfiguration\",\n\t\"apiVersion\": \"kubelet.config.k8s.io/v1beta1\",\n\t\"readOnlyPort\": 10255\n}\n"
	c := mustParse(t, src)
	if c.ReadOnlyPort != 10255 || !reflect.DeepEqual(c.Set, []string{PathReadOnlyPort}) {
		t.Errorf("tab-indented JSON: %+v", *c)
	}
}

func TestParseBadInput(t *testing.T) {
	tests := []struct {
		name, src, origin, want string
	}{
		{"wrong kind", "kind: Pod\napiVersion: v1\n", OriginFile, `line 1: kind "Pod" is not KubeletConfiguration`},
		{"wrong apiVersion", "kind: KubeletConfiguration\napiVersion: kubelet.config.k8s.io/v1alpha9\n", OriginFile, "line 2: unsupported apiVersion"},
		{"broken YAML", header + "authentication:\n  anonymous: [\n", OriginFile, "line 4: invalid YAML"},
		{"type error names the field's line", header + "readOnlyPort: 10255\nauthentication:\n  anonymous:\n    enabled: maybe\n", OriginFile, "line 6: decode KubeletConfiguration"},
		{"bad duration", header + "streamingConnectionIdleTimeout: 4 hours\n", OriginFile, "line 3: streamingConnectionIdleTimeout"},
		{"duplicate key", header + "readOnlyPort: 0\nreadOnlyPort: 10255\n", OriginFile, `line 4: duplicate key "readOnlyPort" (first at line 3)`},
		{"not a mapping", "- a\n- b\n", OriginFile, "line 1: document is a list"},
		{"two documents", header + "---\n" + header, OriginFile, "want one document, found 2"},
		{"unknown origin", header, "guess", "unknown origin"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.src), finding.Location{File: "x.yaml"}, tt.origin)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestAliasBombIsBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString(header + "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 9; i++ {
		b.WriteString("a" + string(rune('0'+i)) + ": &a" + string(rune('0'+i)) + " [")
		for j := 0; j < 10; j++ {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString("*a" + string(rune('0'+i-1)))
		}
		b.WriteString("]\n")
	}
	_, err := Parse([]byte(b.String()), finding.Location{File: "bomb.yaml"}, OriginFile)
	if err == nil || !strings.Contains(err.Error(), "alias bomb") {
		t.Errorf("error = %v, want the node budget to stop the expansion", err)
	}
}

const configzBody = `{"kubeletconfig":{"enableServer":true,"readOnlyPort":10255,
"authentication":{"x509":{},"webhook":{"enabled":true,"cacheTTL":"2m0s"},"anonymous":{"enabled":true}},
"authorization":{"mode":"AlwaysAllow","webhook":{"cacheAuthorizedTTL":"5m0s","cacheUnauthorizedTTL":"30s"}},
"eventRecordQPS":0,"enableDebuggingHandlers":true,"streamingConnectionIdleTimeout":"0s","podPidsLimit":-1,
"tlsCertFile":"/var/lib/kubelet/pki/kubelet.crt","tlsPrivateKeyFile":"/var/lib/kubelet/pki/kubelet.key",
"kind":"KubeletConfiguration","apiVersion":"kubelet.config.k8s.io/v1beta1"}}`

func TestParseConfigz(t *testing.T) {
	c, err := ParseConfigz([]byte(configzBody), "node-1")
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name string
		ok   bool
	}{
		{"origin", c.Origin == "configz"},
		{"node and name", c.Node == "node-1" && c.Name == "node-1"},
		{"location", c.Location == finding.Location{URI: "k8s://node/node-1/configz"}},
		{"no field lines for an HTTP body", c.FieldLines == nil},
		{"zero idle timeout is effective, not defaulted", c.StreamingConnectionIdleTimeoutSeconds == 0 && len(c.ZeroDefaulted) == 0},
		{"written values", c.AnonymousAuth && c.AuthorizationMode == "AlwaysAllow" && c.ReadOnlyPort == 10255 && c.EventRecordQPS == 0},
		{"absent fields get file defaults", c.MakeIPTablesUtilChains && c.EnableProfilingHandler && !c.RotateCertificates},
		{"tls paths kept", c.TLSCertFile == "/var/lib/kubelet/pki/kubelet.crt"},
	}
	for _, ch := range checks {
		if !ch.ok {
			t.Errorf("%s: %+v", ch.name, *c)
		}
	}
}

func TestParseConfigzBad(t *testing.T) {
	for _, body := range []string{``, `not json at all: [`, `{"kind":"KubeletConfiguration"}`, `{"kubeletconfig":{"readOnlyPort":"x"}}`, `<html>`} {
		if _, err := ParseConfigz([]byte(body), "n1"); err == nil || !strings.Contains(err.Error(), "node n1") {
			t.Errorf("ParseConfigz(%q) error = %v, want one naming node n1", body, err)
		}
	}
}

func TestFromRaw(t *testing.T) {
	src := finding.Location{File: "manifests/all.yaml", Line: 12}
	obj := inventory.RawObject{APIVersion: APIVersion, Kind: Kind, Source: src,
		JSON: []byte(`{"kind":"KubeletConfiguration","apiVersion":"kubelet.config.k8s.io/v1beta1","readOnlyPort":10255}`)}
	c, err := FromRaw(obj)
	if err != nil {
		t.Fatal(err)
	}
	if c.Location != src || c.Name != "all.yaml" || c.ReadOnlyPort != 10255 || c.FieldLines != nil || c.Origin != "file" {
		t.Errorf("FromRaw: %+v", *c)
	}
	obj.Kind = "KubeProxyConfiguration"
	if _, err := FromRaw(obj); err == nil {
		t.Error("FromRaw accepted another kind")
	}
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestParseFilesErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name, content string
		wantLine      int
		wantMsg       string
		wantConfigs   int
	}{
		{"broken YAML", header + "readOnlyPort: [\n", 3, "invalid YAML", 0},
		{"other kind is skipped with an error", "apiVersion: v1\nkind: ConfigMap\n---\n" + header, 1, "skipped: kind ConfigMap (v1) is not a KubeletConfiguration", 1},
		{"bad document does not stop the next", header + "readOnlyPort: 1\nreadOnlyPort: 2\n---\n" + header, 4, "duplicate key", 1},
		{"empty file", "# nothing\n", 0, "no KubeletConfiguration document found", 0},
		{"helm template", header + "readOnlyPort: {{ .Values.port }}\n", 3, "render it first", 0},
		{"binary garbage", "# ok\n\x00\x01\x02kind", 2, "invalid YAML", 0},
		{"plain text", "hello world\n", 1, "not a mapping", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := writeFile(t, dir, strings.ReplaceAll(tt.name, " ", "-")+".yaml", tt.content)
			cfgs, errs := ParseFiles([]string{p})
			if len(cfgs) != tt.wantConfigs {
				t.Errorf("got %d configs, want %d", len(cfgs), tt.wantConfigs)
			}
			if len(errs) != 1 {
				t.Fatalf("errors = %v, want one", errs)
			}
			e := errs[0]
			if e.Source != p || e.Line != tt.wantLine || e.Stage != Stage || !strings.Contains(e.Message, tt.wantMsg) {
				t.Errorf("error = %+v (%s), want %s:%d containing %q", e, e.Error(), p, tt.wantLine, tt.wantMsg)
			}
		})
	}
	_, errs := ParseFiles([]string{filepath.Join(dir, "missing.yaml")})
	if len(errs) != 1 || !strings.Contains(errs[0].Message, "read kubelet config") {
		t.Errorf("missing file: %v", errs)
	}
}

func TestParseFilesKubeadm(t *testing.T) {
	dir := t.TempDir()
	p := writeFile(t, dir, "kubeadm.yaml", "apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\ncertificatesDir: /srv/pki\n---\n"+
		"apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\n---\n"+header+"rotateCertificates: false\n")
	cfgs, errs := ParseFiles([]string{p})
	if len(errs) != 0 || len(cfgs) != 1 {
		t.Fatalf("configs %d, errors %v", len(cfgs), errs)
	}
	c := cfgs[0]
	if !c.Kubeadm || c.ClientCAFile != "/srv/pki/ca.crt" || !c.RotateCertificates || c.Location.Line != 8 {
		t.Errorf("kubeadm defaults not applied: %+v", c)
	}
}

// repoRoot is the module root, two levels above this package.
func repoRoot() string { return filepath.Join("..", "..") }

func corpusDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(repoRoot(), "..", "shared", "corpus", "kubelet")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("corpus %s not present: %v", dir, err)
	}
	return dir
}

// TestCorpus parses every real-world kubelet file; none may panic, the
// plain files parse, and the template gets the render-first error.
func TestCorpus(t *testing.T) {
	dir := corpusDir(t)
	paths, err := filepath.Glob(filepath.Join(dir, "*"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no corpus files: %v", err)
	}
	for _, p := range paths {
		cfgs, errs := ParseFiles([]string{p})
		if len(cfgs)+len(errs) == 0 {
			t.Errorf("%s: neither configs nor errors", p)
		}
	}
	kelsey, errs := ParseFiles([]string{filepath.Join(dir, "kelseyhightower-kubernetes-the-hard-way__configs-kubelet-config.yaml")})
	if len(errs) != 0 || len(kelsey) != 1 {
		t.Fatalf("kelseyhightower: %v", errs)
	}
	k := kelsey[0]
	if k.AnonymousAuth || k.AuthorizationMode != "Webhook" || k.ClientCAFile != "/var/lib/kubelet/ca.crt" ||
		k.TLSCertFile != "/var/lib/kubelet/kubelet.crt" || k.FieldLines[PathClientCAFile] != 10 || k.RotateCertificates {
		t.Errorf("kelseyhightower values: %+v", k)
	}
	mk, errs := ParseFiles([]string{filepath.Join(dir, "kubernetes-minikube__pkg-minikube-bootstrapper-bsutil-testdata-v1.31-default.yaml")})
	if len(errs) != 0 || len(mk) != 1 {
		t.Fatalf("minikube: %v", errs)
	}
	m := mk[0]
	if m.Location.Line != 53 || !m.Kubeadm || m.ClientCAFile != "/var/lib/minikube/certs/ca.crt" || !m.RotateCertificates ||
		!m.EnableDebuggingHandlers || m.FieldLines[PathClientCAFile] != 57 {
		t.Errorf("minikube values: %+v", m)
	}
	_, errs = ParseFiles([]string{filepath.Join(dir, "kubernetes-sigs-kubespray__roles-kubernetes-node-templates-kubelet-config.v1beta1.yaml.j2")})
	if len(errs) != 1 || errs[0].Line != 3 || !strings.Contains(errs[0].Message, "render it first") {
		t.Errorf("kubespray template: %v", errs)
	}
}
