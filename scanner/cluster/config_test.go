package cluster

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/client-go/rest"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

const kubeconfigYAML = `apiVersion: v1
kind: Config
current-context: alpha
clusters:
- name: alpha
  cluster: {server: "https://127.0.0.1:6443", insecure-skip-tls-verify: true}
- name: beta
  cluster: {server: "https://127.0.0.1:7443", insecure-skip-tls-verify: true}
users:
- name: token-user
  user: {token: inline-token}
- name: file-user
  user: {tokenFile: TOKENFILE}
contexts:
- name: alpha
  context: {cluster: alpha, user: token-user}
- name: beta
  context: {cluster: beta, user: file-user}
`

// writeKubeconfig writes the two-context kubeconfig and the token file.
func writeKubeconfig(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "token")
	if err := os.WriteFile(tokenFile, []byte("file-token\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "kubeconfig")
	if err := os.WriteFile(path, []byte(strings.ReplaceAll(kubeconfigYAML, "TOKENFILE", tokenFile)), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// isolate keeps the developer's own kubeconfig and any in-cluster
// environment out of the test.
func isolate(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	t.Setenv("KUBECONFIG", "")
	t.Setenv("KUBERNETES_SERVICE_HOST", "")
	t.Setenv("KUBERNETES_SERVICE_PORT", "")
}

func TestConfig(t *testing.T) {
	isolate(t)
	path := writeKubeconfig(t)
	tests := []struct {
		name                string
		kubeconfig, context string
		env                 string // KUBECONFIG
		qps                 float32
		burst               int
		wantHost, wantToken string
		wantQPS             float32
		wantBurst           int
		wantErr             string
	}{
		{name: "explicit path, current context, defaults", kubeconfig: path,
			wantHost: "https://127.0.0.1:6443", wantToken: "inline-token", wantQPS: DefaultQPS, wantBurst: DefaultBurst},
		{name: "context override and rate limits", kubeconfig: path, context: "beta", qps: 5, burst: 7,
			wantHost: "https://127.0.0.1:7443", wantToken: "file-token", wantQPS: 5, wantBurst: 7},
		{name: "KUBECONFIG", env: path, context: "beta",
			wantHost: "https://127.0.0.1:7443", wantToken: "file-token", wantQPS: DefaultQPS, wantBurst: DefaultBurst},
		{name: "unknown context", kubeconfig: path, context: "gamma", wantErr: `context "gamma" does not exist`},
		{name: "missing file", kubeconfig: filepath.Join(t.TempDir(), "nope"), wantErr: "kubeconfig:"},
		{name: "nothing at all", wantErr: "no kubeconfig found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("KUBECONFIG", tt.env)
			cfg, err := Config(tt.kubeconfig, tt.context, tt.qps, tt.burst)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Host != tt.wantHost || cfg.QPS != tt.wantQPS || cfg.Burst != tt.wantBurst || cfg.UserAgent != "kubelet-audit" {
				t.Errorf("host %s qps %v burst %d ua %q", cfg.Host, cfg.QPS, cfg.Burst, cfg.UserAgent)
			}
			if got := BearerToken(cfg); got != tt.wantToken {
				t.Errorf("BearerToken %q, want %q", got, tt.wantToken)
			}
		})
	}
}

func TestBearerToken(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "token")
	if err := os.WriteFile(file, []byte("  from-file \n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		cfg  *rest.Config
		want string
	}{
		{name: "nil", cfg: nil, want: ""},
		{name: "inline", cfg: &rest.Config{BearerToken: "abc"}, want: "abc"},
		{name: "file wins over inline, as in client-go", cfg: &rest.Config{BearerToken: "abc", BearerTokenFile: file}, want: "from-file"},
		{name: "unreadable file falls back to inline", cfg: &rest.Config{BearerToken: "abc", BearerTokenFile: filepath.Join(dir, "missing")}, want: "abc"},
		{name: "file", cfg: &rest.Config{BearerTokenFile: file}, want: "from-file"},
		{name: "unreadable file", cfg: &rest.Config{BearerTokenFile: filepath.Join(dir, "missing")}, want: ""},
		{name: "client certificate", cfg: &rest.Config{TLSClientConfig: rest.TLSClientConfig{CertData: []byte("x"), KeyData: []byte("y")}}, want: ""},
		{name: "exec plugin", cfg: &rest.Config{ExecProvider: &clientcmdapi.ExecConfig{Command: "gke-gcloud-auth-plugin"}}, want: ""},
	}
	for _, tt := range tests {
		if got := BearerToken(tt.cfg); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}
