package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/kubelet-audit/kubelet-audit/test/e2e/testbed"
)

// Made-up pod paths: no kubelet has these pods, so an authorized request
// gets 404 "pod does not exist" and nothing can run.
const (
	execPath = "/exec/kubeaudit-e2e/kubeaudit-e2e/c?command=true&output=1"
	runPath  = "/run/kubeaudit-e2e/kubeaudit-e2e/c"
)

// TestTestbedGroundTruth pins the raw answers of the test bed kubelets to
// kubelet-facts.md, so every later assertion about the scanner is made
// against kubelets that behave like real ones.
func TestTestbedGroundTruth(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	debugger, err := env.ServiceAccount(ctx, "tools", "node-debugger")
	if err != nil {
		t.Fatal(err)
	}
	nobody, err := env.ServiceAccount(ctx, "default", "nobody")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		node, method, path, token string
		status                    int
		body                      string
	}{
		{testbed.NodeOpen, "GET", "/pods", "", 200, `"kind":"PodList"`},
		{testbed.NodeOpen, "GET", execPath, "", 404, "pod does not exist"},
		{testbed.NodeOpen, "POST", runPath, "", 404, "pod does not exist"},
		// 1.37 routes /debug/pprof/{subpath:*}: the bare prefix is 404 even
		// with profiling on; a named profile answers.
		{testbed.NodeOpen, "GET", "/debug/pprof/", "", 404, "Page Not Found"},
		{testbed.NodeOpen, "GET", "/debug/pprof/symbol", "", 200, "num_symbols"},
		{testbed.NodeOpen, "GET", "/configz", "", 200, `"authorization":{"mode":"AlwaysAllow"`},
		{testbed.NodeAnon, "GET", "/pods", "", 403, "Forbidden (user=system:anonymous, verb=get, resource=nodes, subresource(s)=[pods proxy])"},
		{testbed.NodeAnon, "GET", "/pods", "not-a-token", 401, "Unauthorized"},
		{testbed.NodeAnon, "POST", runPath, debugger.Token, 404, "pod does not exist"},
		{testbed.NodeAnon, "POST", runPath, nobody.Token, 403, "verb=create"},
		{testbed.NodeLocked, "GET", "/pods", "", 401, "Unauthorized"},
		{testbed.NodeLocked, "GET", execPath, debugger.Token, 405, "Debug endpoints are disabled."},
		{testbed.NodeLocked, "GET", "/stats/summary", nobody.Token, 403, "subresource(s)=[stats]"},
		{testbed.NodeAllowAll, "GET", "/pods", "", 401, "Unauthorized"},
		{testbed.NodeAllowAll, "GET", "/pods", nobody.Token, 200, `"kind":"PodList"`},
		{testbed.NodeAllowAll, "GET", execPath, nobody.Token, 404, "pod does not exist"},
		{testbed.NodeReadOnly, "GET", "/healthz", "", 401, "Unauthorized"},
		{testbed.NodeLegacy, "GET", "/pods", "", 200, `"kind":"PodList"`},
		{testbed.NodeLegacy, "GET", execPath, "", 404, "pod does not exist"},
		{testbed.NodeLegacy, "POST", runPath, "", 403, "verb=create"},
		{testbed.NodeLegacy, "GET", "/stats/summary", "", 403, "user=system:anonymous"},
		{testbed.NodeLegacy, "GET", "/debug/pprof/", "", 405, "profiling endpoint is disabled."},
	}
	for _, c := range cases {
		got := callKubelet(t, env.Kubelet(c.node).Addr, c.method, c.path, c.token)
		if got.status != c.status || !strings.Contains(got.body, c.body) {
			t.Errorf("%s %s %s (token=%v): %d %q, want %d containing %q",
				c.node, c.method, c.path, c.token != "", got.status, excerpt(got.body), c.status, c.body)
		}
	}
	ro := env.Kubelet(testbed.NodeReadOnly)
	for path, want := range map[string]int{"/pods": 200, "/healthz": 200, "/stats/summary": 200, "/exec/a/b/c": 405} {
		if got := callURL(t, "http://"+ro.ReadOnlyAddr+path, "GET", testbed.Identity{}); got.status != want {
			t.Errorf("read-only %s: %d %q, want %d", path, got.status, excerpt(got.body), want)
		}
	}
}

// TestTestbedTLS checks the serving certificates: the kubelet's own
// self-signed "<host>@<unix>" certificate, or one signed by the test bed CA.
func TestTestbedTLS(t *testing.T) {
	t.Parallel()
	for _, k := range env.Kubelets {
		c := k.ServingCert
		selfSigned := strings.HasPrefix(c.Subject.CommonName, k.Options.Name+"@") &&
			strings.HasPrefix(c.Issuer.CommonName, k.Options.Name+"-ca@")
		caSigned := c.Issuer.CommonName == env.CA.Cert.Subject.CommonName
		if selfSigned == k.Options.CASigned || caSigned != k.Options.CASigned {
			t.Errorf("%s: subject %q issuer %q, CASigned=%v", k.Options.Name, c.Subject, c.Issuer, k.Options.CASigned)
		}
	}
}

func excerpt(s string) string {
	if len(s) > 200 {
		return s[:200] + "..."
	}
	return s
}
