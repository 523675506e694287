package kubelettest

import (
	"crypto/tls"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// send sends one request to the fake's secure port.
func send(t *testing.T, s *Server, method, path, token string, cert *tls.Certificate) (int, string) {
	t.Helper()
	cfg := &tls.Config{RootCAs: s.ServingCAs(), ServerName: "localhost"}
	if cert != nil {
		cfg.Certificates = []tls.Certificate{*cert}
	}
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: cfg}}
	defer c.CloseIdleConnections()
	req, err := http.NewRequest(method, "https://"+s.Addr()+path, http.NoBody)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestAnswers(t *testing.T) {
	const forbiddenPods = "Forbidden (user=system:anonymous, verb=get, resource=nodes, subresource(s)=[pods proxy])"
	tests := []struct {
		name                string
		cfg                 Config
		method, path, token string
		status              int
		body                string
	}{
		{"authn first", Config{}, "GET", "/pods", "", 401, "Unauthorized"},
		{"unknown path before authn", Config{}, "GET", "/spec/", "", 404, "404 page not found\n"},
		{"configz absent without debug", Config{}, "GET", "/configz", "", 404, "404 page not found\n"},
		{"debug disabled after authn", Config{}, "POST", "/run/a/b/c", "", 401, "Unauthorized"},
		{"debug disabled", Config{Anonymous: true, Mode: ModeAlwaysAllow}, "POST", "/run/a/b/c", "", 405, "Debug endpoints are disabled.\n"},
		{"pprof disabled with debug off", Config{Anonymous: true, Mode: ModeAlwaysAllow}, "GET", "/debug/pprof/", "", 405, "Debug endpoints are disabled.\n"},
		{"profiling disabled", Config{Anonymous: true, Mode: ModeAlwaysAllow, Debug: true, NoProfiling: true}, "GET", "/debug/pprof/", "", 405, "profiling endpoint is disabled.\n"},
		{"pprof index has no route (1.37)", Config{Anonymous: true, Mode: ModeAlwaysAllow, Debug: true}, "GET", "/debug/pprof/", "", 404, "404: Page Not Found"},
		{"pprof symbol", Config{Anonymous: true, Mode: ModeAlwaysAllow, Debug: true}, "GET", "/debug/pprof/symbol", "", 200, "num_symbols: 1\n"},
		{"flags disabled", Config{Anonymous: true, Mode: ModeAlwaysAllow, Debug: true, NoProfiling: true}, "GET", "/debug/flags/v", "", 405, "flags endpoint is disabled.\n"},
		{"flags GET", Config{Anonymous: true, Mode: ModeAlwaysAllow, Debug: true}, "GET", "/debug/flags/v", "", 406, "unsupported http method\n"},
		{"403 legacy form", Config{Anonymous: true}, "GET", "/pods", "", 403, "Forbidden (user=system:anonymous, verb=get, resource=nodes, subresource=proxy)"},
		{"403 fine-grained form", Config{Anonymous: true, FineGrained: true}, "GET", "/pods", "", 403, forbiddenPods},
		{"fine-grained allow", Config{Anonymous: true, FineGrained: true, Allow: map[string][]string{"system:anonymous": {"pods:get"}}}, "GET", "/healthz", "", 403,
			"Forbidden (user=system:anonymous, verb=get, resource=nodes, subresource(s)=[healthz proxy])"},
		{"legacy kubelet ignores nodes/pods", Config{Anonymous: true, Allow: map[string][]string{"system:anonymous": {"pods:get"}}}, "GET", "/pods", "", 403,
			"Forbidden (user=system:anonymous, verb=get, resource=nodes, subresource=proxy)"},
		{"invalid token is 401 even with anonymous on", Config{Anonymous: true, Mode: ModeAlwaysAllow}, "GET", "/healthz", "bogus", 401, "Unauthorized"},
		{"token user in 403", Config{Tokens: []string{"t"}}, "GET", "/healthz", "t", 403,
			"Forbidden (user=system:serviceaccount:default:t, verb=get, resource=nodes, subresource=proxy)"},
		{"get nodes/proxy reaches exec via GET", Config{Debug: true, Allow: map[string][]string{"token:t": {"proxy:get"}}}, "GET", "/exec/a/b/c?output=1", "t", 404, "pod does not exist"},
		{"but not via POST", Config{Debug: true, Allow: map[string][]string{"token:t": {"proxy:get"}}}, "POST", "/exec/a/b/c?output=1", "t", 403,
			"Forbidden (user=system:serviceaccount:default:t, verb=create, resource=nodes, subresource=proxy)"},
		{"exec needs a stream", Config{Anonymous: true, Mode: ModeAlwaysAllow, Debug: true}, "GET", "/exec/a/b/c", "", 400, "you must specify at least 1 of stdin, stdout, stderr"},
		{"exec on a real pod needs an upgrade", Config{Anonymous: true, Mode: ModeAlwaysAllow, Debug: true, Pods: 1}, "GET", "/exec/default/pod-0/c?output=1", "", 400, "Upgrade request required\n"},
		{"containerLogs names the pod", Config{Anonymous: true, Mode: ModeAlwaysAllow, Debug: true}, "GET", "/containerLogs/a/b/c", "", 404, `pod "b" does not exist`},
		{"run is POST only (router, before auth)", Config{Debug: true}, "GET", "/run/a/b/c", "", 405, "405: Method Not Allowed"},
		{"checkpoint subresource", Config{Anonymous: true}, "POST", "/checkpoint/a/b/c", "", 403, "Forbidden (user=system:anonymous, verb=create, resource=nodes, subresource=checkpoint)"},
		{"metrics subresource", Config{Anonymous: true, FineGrained: true}, "GET", "/metrics/probes", "", 403,
			"Forbidden (user=system:anonymous, verb=get, resource=nodes, subresource(s)=[metrics])"},
		{"stats subresource", Config{Anonymous: true, Allow: map[string][]string{"system:unauthenticated": {"stats:*"}}}, "GET", "/stats/summary", "", 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := New(t, tt.cfg)
			status, body := send(t, s, tt.method, tt.path, tt.token, nil)
			if status != tt.status || (tt.body != "" && body != tt.body) {
				t.Errorf("%s %s = %d %q, want %d %q", tt.method, tt.path, status, body, tt.status, tt.body)
			}
		})
	}
}

func TestConfigzAndPods(t *testing.T) {
	s := New(t, Config{Anonymous: true, Mode: ModeAlwaysAllow, Debug: true, Pods: 2})
	_, body := send(t, s, "GET", "/configz", "", nil)
	var cz struct {
		Kubeletconfig struct {
			Authorization struct{ Mode string } `json:"authorization"`
		} `json:"kubeletconfig"`
	}
	if err := json.Unmarshal([]byte(body), &cz); err != nil || cz.Kubeletconfig.Authorization.Mode != ModeAlwaysAllow {
		t.Errorf("configz %q: %v", body, err)
	}
	_, body = send(t, s, "GET", "/pods", "", nil)
	var pl struct{ Items []any }
	if err := json.Unmarshal([]byte(body), &pl); err != nil || len(pl.Items) != 2 || !strings.Contains(body, `"kind":"PodList"`) {
		t.Errorf("pods %q: %v", body, err)
	}
	if got := s.PodNames(); len(got) != 2 || got[0] != "default/pod-0" {
		t.Errorf("PodNames = %v", got)
	}
}

func TestClientCertAndRecording(t *testing.T) {
	s := New(t, Config{RequestClientCert: true, Allow: map[string][]string{"cert:admin": {"*:*"}}})
	cert := s.ClientCert(t, "admin")
	if status, _ := send(t, s, "GET", "/pods", "", &cert); status != 200 {
		t.Errorf("cert admin: %d", status)
	}
	if status, _ := send(t, s, "GET", "/pods", "tok", nil); status != 401 {
		t.Errorf("unknown token: %d", status)
	}
	reqs := s.Requests()
	if len(reqs) != 2 || !reqs[0].ClientCert || reqs[0].User != "admin" || reqs[0].Status != 200 ||
		reqs[1].Authorization != "Bearer tok" || reqs[1].User != "" || reqs[1].Status != 401 || reqs[1].Server != "secure" {
		t.Errorf("recorded %+v", reqs)
	}
}

func TestReadOnlyAndFleet(t *testing.T) {
	f := NewFleet(t, 3, Config{ReadOnly: true, Pods: 1, SelfSigned: true, Host: "n7"})
	nodes := f.Nodes()
	if len(nodes) != 3 || nodes[0].Port == nodes[1].Port || nodes[2].ReadOnlyPort == 0 {
		t.Fatalf("nodes %+v", nodes)
	}
	resp, err := http.Get("http://127.0.0.1:" + itoa(nodes[2].ReadOnlyPort) + "/pods")
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("read-only /pods: %d", resp.StatusCode)
	}
	if r := f.Requests(); len(r) != 1 || r[0].Server != "read-only" {
		t.Errorf("recorded %+v", r)
	}
	c, err := tls.Dial("tcp", f.Addr(), &tls.Config{RootCAs: f.ServingCAs(), ServerName: "n7"})
	if err != nil {
		t.Fatalf("self-signed chain must verify against ServingCAs: %v", err)
	}
	defer c.Close()
	st := c.ConnectionState()
	if cn := st.PeerCertificates[0].Subject.CommonName; !strings.HasPrefix(cn, "n7@") || !strings.HasPrefix(st.PeerCertificates[0].Issuer.CommonName, "n7-ca@") {
		t.Errorf("self-signed names %q / %q", cn, st.PeerCertificates[0].Issuer.CommonName)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
