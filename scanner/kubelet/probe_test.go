package kubelet_test

import (
	"context"
	"crypto/x509"
	"net"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kubelet-audit/kubelet-audit/scanner/facts"
	"github.com/kubelet-audit/kubelet-audit/scanner/kubelet"
	"github.com/kubelet-audit/kubelet-audit/scanner/kubelet/kubelettest"
)

// fast keeps tests quick; the fake answers in microseconds.
var fast = kubelet.Options{ConnectTimeout: time.Second, TLSTimeout: 2 * time.Second, RequestTimeout: 2 * time.Second, Deadline: 30 * time.Second}

// target points at the first kubelet of a fake.
func target(s *kubelettest.Server) kubelet.Target {
	return kubelet.Target{Host: s.Host(), Port: s.Port(), ReadOnlyPort: s.ReadOnlyPort()}
}

// probeOne probes one fake kubelet and checks the safety invariants on
// every request it received.
func probeOne(t *testing.T, s *kubelettest.Server, tgt kubelet.Target, o kubelet.Options) facts.Kubelet {
	t.Helper()
	ks := kubelet.Probe(context.Background(), []kubelet.Target{tgt}, o)
	if len(ks) != 1 {
		t.Fatalf("Probe returned %d results, want 1", len(ks))
	}
	assertSafe(t, s, o)
	return ks[0]
}

// assertSafe: anonymous requests carry no credentials, exec-family requests
// never name a real pod and never ask for an upgrade.
func assertSafe(t *testing.T, s *kubelettest.Server, o kubelet.Options) {
	t.Helper()
	real := s.PodNames()
	for _, r := range s.Requests() {
		if o.Token == "" && r.Authorization != "" {
			t.Errorf("%s %s carried Authorization %q without a token pass", r.Method, r.Path, r.Authorization)
		}
		if o.Token != "" && r.Authorization != "" && r.Authorization != "Bearer "+o.Token {
			t.Errorf("%s %s carried an unexpected Authorization header", r.Method, r.Path)
		}
		if o.ClientCert == nil && r.ClientCert {
			t.Errorf("%s %s presented a client certificate without a cert pass", r.Method, r.Path)
		}
		if r.Upgrade {
			t.Errorf("%s %s asked for a protocol upgrade", r.Method, r.Path)
		}
		for _, p := range real {
			if strings.Contains(r.Path, "/"+p+"/") {
				t.Errorf("%s %s named the real pod %s", r.Method, r.Path, p)
			}
		}
		if prefix := strings.SplitN(strings.TrimPrefix(r.Path, "/"), "/", 2)[0]; slices.Contains([]string{"run", "exec"}, prefix) &&
			!strings.Contains(r.Path, "/kubeaudit-") {
			t.Errorf("%s %s does not use random kubeaudit- names", r.Method, r.Path)
		}
	}
}

// outcomes maps "identity METHOD path" to the probe outcome.
func outcomes(k facts.Kubelet) map[string]string {
	m := map[string]string{}
	for _, p := range k.Probes {
		m[p.Identity+" "+p.Method+" "+strings.SplitN(p.Path, "?", 2)[0]] = p.Outcome
	}
	return m
}

func find(t *testing.T, k facts.Kubelet, identity, path string) facts.Probe {
	t.Helper()
	for _, p := range k.Probes {
		if p.Identity == identity && strings.SplitN(p.Path, "?", 2)[0] == path {
			return p
		}
	}
	t.Fatalf("no %s probe of %s in %+v", identity, path, k.Probes)
	return facts.Probe{}
}

const (
	anonHealthz = "anonymous GET /healthz"
	anonPods    = "anonymous GET /pods"
	anonRun     = "anonymous POST /run/{ns}/{pod}/{container}"
	anonExec    = "anonymous GET /exec/{ns}/{pod}/{container}"
	anonConfigz = "anonymous GET /configz"
	anonMetrics = "anonymous GET /metrics"
	anonPprof   = "anonymous GET /debug/pprof/symbol"
	anonFlags   = "anonymous GET /debug/flags/v"
)

func TestProbeFakeKubelet(t *testing.T) {
	tests := []struct {
		name      string
		cfg       kubelettest.Config
		anonymous string
		want      map[string]string
	}{
		{"locked down: 401 everywhere", kubelettest.Config{Debug: true, Pods: 2}, "disabled", map[string]string{
			anonHealthz: "unauthenticated", anonPods: "unauthenticated", anonRun: "unauthenticated", anonExec: "unauthenticated",
			anonConfigz: "unauthenticated", anonMetrics: "unauthenticated", anonPprof: "unauthenticated", anonFlags: "unauthenticated"}},
		{"locked down, debug off: absent paths 404 before auth", kubelettest.Config{}, "disabled", map[string]string{
			anonHealthz: "unauthenticated", anonRun: "unauthenticated", anonConfigz: "not-found", anonFlags: "not-found", anonPprof: "unauthenticated"}},
		{"anonymous on, webhook denies", kubelettest.Config{Anonymous: true, Debug: true}, "enabled", map[string]string{
			anonHealthz: "forbidden", anonPods: "forbidden", anonRun: "forbidden", anonExec: "forbidden", anonConfigz: "forbidden",
			anonMetrics: "forbidden", anonPprof: "forbidden", anonFlags: "forbidden"}},
		{"anonymous may read /healthz only", kubelettest.Config{Anonymous: true, FineGrained: true, Debug: true,
			Allow: map[string][]string{"system:anonymous": {"healthz:get"}}}, "enabled", map[string]string{
			anonHealthz: "allowed", anonPods: "forbidden", anonRun: "forbidden", anonExec: "forbidden", anonConfigz: "forbidden", anonMetrics: "forbidden"}},
		{"anonymous AlwaysAllow: exec authorized", kubelettest.Config{Anonymous: true, Mode: kubelettest.ModeAlwaysAllow, Debug: true, Pods: 3}, "enabled", map[string]string{
			anonHealthz: "allowed", anonPods: "allowed", anonRun: "exec-authorized", anonExec: "exec-authorized", anonConfigz: "allowed",
			anonMetrics: "allowed", anonPprof: "allowed", anonFlags: "method-rejected"}},
		{"AlwaysAllow, debug handlers off", kubelettest.Config{Anonymous: true, Mode: kubelettest.ModeAlwaysAllow}, "enabled", map[string]string{
			anonPods: "allowed", anonRun: "debug-disabled", anonExec: "debug-disabled", anonConfigz: "not-found", anonPprof: "debug-disabled", anonFlags: "not-found"}},
		{"debug on, profiling and flags off (1.37)", kubelettest.Config{Anonymous: true, Mode: kubelettest.ModeAlwaysAllow, Debug: true, NoProfiling: true}, "enabled", map[string]string{
			anonPprof: "debug-disabled", anonFlags: "debug-disabled", anonExec: "exec-authorized"}},
		{"anonymous may get nodes/proxy: exec via GET, not POST", kubelettest.Config{Anonymous: true, Debug: true,
			Allow: map[string][]string{"system:unauthenticated": {"proxy:get"}}}, "enabled", map[string]string{
			anonPods: "allowed", anonRun: "forbidden", anonExec: "exec-authorized"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := kubelettest.New(t, tt.cfg)
			k := probeOne(t, s, target(s), fast)
			if k.State != facts.StateChecked || k.Error != "" {
				t.Fatalf("state %q error %q, want checked", k.State, k.Error)
			}
			if k.Anonymous != tt.anonymous {
				t.Errorf("Anonymous = %q, want %q", k.Anonymous, tt.anonymous)
			}
			got := outcomes(k)
			for key, want := range tt.want {
				if got[key] != want {
					t.Errorf("%s: outcome %q, want %q", key, got[key], want)
				}
			}
			if len(k.Probes) != 8 {
				t.Errorf("%d probes, want the 8 anonymous steps", len(k.Probes))
			}
		})
	}
}

func TestProbeForbiddenBodies(t *testing.T) {
	for _, fine := range []bool{false, true} {
		s := kubelettest.New(t, kubelettest.Config{Anonymous: true, FineGrained: fine, Debug: true})
		k := probeOne(t, s, target(s), fast)
		pods := find(t, k, "anonymous", "/pods")
		want := []string{"proxy"}
		if fine {
			want = []string{"pods", "proxy"}
		}
		if pods.User != "system:anonymous" || pods.DeniedVerb != "get" || !slices.Equal(pods.DeniedSubresources, want) {
			t.Errorf("fine=%v: /pods 403 parsed as user=%q verb=%q subresources=%v, want system:anonymous get %v",
				fine, pods.User, pods.DeniedVerb, pods.DeniedSubresources, want)
		}
		if pods.Subresource != "pods,proxy" || pods.Verb != "get" {
			t.Errorf("catalogue says %q %q for /pods", pods.Subresource, pods.Verb)
		}
		run := find(t, k, "anonymous", "/run/{ns}/{pod}/{container}")
		if run.DeniedVerb != "create" || !strings.Contains(run.Evidence, "403 Forbidden") || !strings.Contains(run.Evidence, "user=system:anonymous") {
			t.Errorf("fine=%v: /run evidence %q verb %q", fine, run.Evidence, run.DeniedVerb)
		}
	}
}

func TestProbePodsCountedNotCopied(t *testing.T) {
	s := kubelettest.New(t, kubelettest.Config{Anonymous: true, Mode: kubelettest.ModeAlwaysAllow, Pods: 5})
	k := probeOne(t, s, target(s), fast)
	p := find(t, k, "anonymous", "/pods")
	if p.PodCount != 5 {
		t.Errorf("PodCount = %d, want 5", p.PodCount)
	}
	if strings.Contains(p.Evidence, "hunter2") {
		t.Errorf("evidence copies pod specs: %q", p.Evidence)
	}
	small := fast
	small.MaxBody = 100
	k = probeOne(t, s, target(s), small)
	if p := find(t, k, "anonymous", "/pods"); p.PodCount != -1 || !strings.Contains(p.Evidence, "capped") {
		t.Errorf("capped /pods: PodCount %d evidence %q, want -1 and capped", p.PodCount, p.Evidence)
	}
}

func TestProbeReadOnlyPort(t *testing.T) {
	open := kubelettest.New(t, kubelettest.Config{ReadOnly: true, Pods: 2})
	k := probeOne(t, open, target(open), fast)
	if k.ReadOnly == nil || !k.ReadOnly.Open || k.ReadOnly.State != facts.StateChecked || k.ReadOnly.Status != 200 {
		t.Fatalf("read-only on: %+v, want open 200", k.ReadOnly)
	}
	if !strings.Contains(k.ReadOnly.Evidence, "2 pods") {
		t.Errorf("read-only evidence %q does not count pods", k.ReadOnly.Evidence)
	}
	if k.ReadOnly.Port != open.ReadOnlyPort() {
		t.Errorf("read-only port %d, want %d", k.ReadOnly.Port, open.ReadOnlyPort())
	}

	closed := kubelettest.New(t, kubelettest.Config{})
	tgt := target(closed)
	tgt.ReadOnlyPort = kubelettest.ClosedPort(t)
	k = probeOne(t, closed, tgt, fast)
	if k.ReadOnly == nil || k.ReadOnly.Open || k.ReadOnly.State != facts.StateClosed {
		t.Errorf("read-only off: %+v, want closed", k.ReadOnly)
	}
	tgt.ReadOnlyPort = 0
	if k = probeOne(t, closed, tgt, fast); k.ReadOnly != nil {
		t.Errorf("ReadOnlyPort 0 must skip T7, got %+v", k.ReadOnly)
	}
}

func TestProbeTokenPass(t *testing.T) {
	s := kubelettest.New(t, kubelettest.Config{FineGrained: true, Debug: true,
		Allow: map[string][]string{"token:reader": {"pods:get"}}})
	o := fast
	o.Token = "reader"
	k := probeOne(t, s, target(s), o)
	if k.Anonymous != "disabled" {
		t.Errorf("Anonymous = %q, want disabled", k.Anonymous)
	}
	if k.AuthPass == nil || k.AuthPass.Identity != "token" || k.AuthPass.LowPrivilege {
		t.Errorf("AuthPass = %+v, want token, not low-privilege", k.AuthPass)
	}
	got := outcomes(k)
	for key, want := range map[string]string{
		"token GET /pods": "allowed", "token GET /healthz": "forbidden", "token GET /exec/{ns}/{pod}/{container}": "forbidden",
		anonPods: "unauthenticated",
	} {
		if got[key] != want {
			t.Errorf("%s: %q, want %q", key, got[key], want)
		}
	}
	if u := find(t, k, "token", "/healthz").User; u != "system:serviceaccount:default:reader" {
		t.Errorf("403 user %q", u)
	}
	bearer := 0
	for _, r := range s.Requests() {
		if r.Authorization != "" {
			bearer++
		}
	}
	if bearer != 8 {
		t.Errorf("%d requests carried the token, want exactly the 8 of the token pass", bearer)
	}
}

func TestProbeLowPrivilegeAlwaysAllow(t *testing.T) {
	s := kubelettest.New(t, kubelettest.Config{Mode: kubelettest.ModeAlwaysAllow, Debug: true, Tokens: []string{"nobody"}})
	o := fast
	o.Token, o.AuthProbeOnly = "nobody", true
	k := probeOne(t, s, target(s), o)
	got := outcomes(k)
	if got[anonPods] != "unauthenticated" || got["token GET /pods"] != "allowed" || got["token GET /healthz"] != "allowed" {
		t.Errorf("outcomes %v: want anonymous 401 and token 2xx", got)
	}
	if k.AuthPass == nil || !k.AuthPass.LowPrivilege {
		t.Errorf("AuthProbeOnly must mark the pass low-privilege: %+v", k.AuthPass)
	}
	if n := len(k.Probes); n != 10 {
		t.Errorf("%d probes, want 8 anonymous + 2 authenticated", n)
	}
	for _, r := range s.Requests() {
		if r.Authorization != "" && r.Path != "/pods" && r.Path != "/healthz" {
			t.Errorf("AuthProbeOnly sent the token to %s %s", r.Method, r.Path)
		}
	}
}

func TestProbeClientCertificate(t *testing.T) {
	s := kubelettest.New(t, kubelettest.Config{RequestClientCert: true, Allow: map[string][]string{"cert:admin": {"*:*"}}})
	cert := s.ClientCert(t, "admin")
	o := fast
	o.ClientCert = &cert
	k := probeOne(t, s, target(s), o)
	if k.TLS == nil || !k.TLS.ClientCertRequested || !slices.Contains(k.TLS.AcceptableCAs, "CN=kubelet-client-ca") {
		t.Fatalf("TLS %+v: want client cert requested from CN=kubelet-client-ca", k.TLS)
	}
	if got := outcomes(k); got["cert GET /pods"] != "allowed" || got[anonPods] != "unauthenticated" {
		t.Errorf("outcomes %v", got)
	}
	withCert := 0
	for _, r := range s.Requests() {
		if r.ClientCert {
			withCert++
		}
	}
	if withCert != 8 {
		t.Errorf("%d requests presented the certificate, want the 8 of the cert pass", withCert)
	}

	plain := kubelettest.New(t, kubelettest.Config{})
	if k := probeOne(t, plain, target(plain), fast); k.TLS.ClientCertRequested {
		t.Errorf("no clientCAFile: ClientCertRequested must be false")
	}
}

func TestProbeTLSFacts(t *testing.T) {
	self := kubelettest.New(t, kubelettest.Config{SelfSigned: true, Host: "worker-7"})
	other := kubelettest.New(t, kubelettest.Config{})
	tests := []struct {
		name     string
		s        *kubelettest.Server
		roots    *x509.CertPool
		self     bool
		verified bool
		verifyOK bool
	}{
		{"self-signed, not verified", self, nil, true, false, true},
		{"self-signed, its CA", self, self.ServingCAs(), true, true, true},
		{"cluster CA, wrong CA", other, self.ServingCAs(), false, false, false},
		{"cluster CA, right CA", other, other.ServingCAs(), false, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := fast
			o.RootCAs = tt.roots
			k := probeOne(t, tt.s, target(tt.s), o)
			f := k.TLS
			if f == nil {
				t.Fatalf("no TLS facts: %+v", k)
			}
			if f.SelfSigned != tt.self || f.Verified != tt.verified || (f.VerifyError == "") != tt.verifyOK {
				t.Errorf("selfSigned=%v verified=%v verifyError=%q", f.SelfSigned, f.Verified, f.VerifyError)
			}
			if f.Version != "TLS 1.3" || f.CipherSuite == "" || f.DaysLeft < 363 || f.NotAfter == "" {
				t.Errorf("handshake facts %+v", f)
			}
			if !slices.Contains(f.IPAddresses, "127.0.0.1") || len(f.WeakProtocols) != 0 || len(f.WeakCiphers) != 0 {
				t.Errorf("SANs/weak: %+v", f)
			}
		})
	}
	if f := probeOne(t, self, target(self), fast).TLS; !strings.HasPrefix(f.Subject, "CN=worker-7@") || !strings.HasPrefix(f.Issuer, "CN=worker-7-ca@") {
		t.Errorf("self-signed names %q / %q", f.Subject, f.Issuer)
	}
}

func TestProbeWeakAndExpiringTLS(t *testing.T) {
	s := kubelettest.New(t, kubelettest.Config{WeakTLS: true, ExpiresIn: 10 * 24 * time.Hour})
	f := probeOne(t, s, target(s), fast).TLS
	if !slices.Equal(f.WeakProtocols, []string{"TLS 1.1"}) || len(f.WeakCiphers) != 1 {
		t.Errorf("weak TLS accepted but reported protocols %v ciphers %v", f.WeakProtocols, f.WeakCiphers)
	}
	if f.DaysLeft < 9 || f.DaysLeft > 10 {
		t.Errorf("DaysLeft = %d, want 9-10", f.DaysLeft)
	}
	expired := kubelettest.New(t, kubelettest.Config{ExpiresIn: -48 * time.Hour})
	if f := probeOne(t, expired, target(expired), fast).TLS; f.DaysLeft > -2 {
		t.Errorf("expired cert: DaysLeft = %d, want <= -2", f.DaysLeft)
	}
}

func TestProbeSkipAnonymous(t *testing.T) {
	s := kubelettest.New(t, kubelettest.Config{Anonymous: true, Tokens: []string{"tok"}})
	o := fast
	o.Token, o.SkipAnonymous = "tok", true
	k := probeOne(t, s, target(s), o)
	for _, p := range k.Probes {
		if p.Identity != "token" {
			t.Errorf("SkipAnonymous ran %s %s as %s", p.Method, p.Path, p.Identity)
		}
	}
	if k.Anonymous != "unknown" {
		t.Errorf("Anonymous = %q without an anonymous pass, want unknown", k.Anonymous)
	}
}

func TestProbeIPv6Loopback(t *testing.T) {
	l, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		t.Skipf("IPv6 loopback unavailable: %v", err)
	}
	_ = l.Close()
	s := kubelettest.New(t, kubelettest.Config{Listen: "::1", Anonymous: true, ReadOnly: true})
	tgt, err := kubelet.ParseTarget(s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	tgt.ReadOnlyPort = s.ReadOnlyPort()
	k := probeOne(t, s, tgt, fast)
	if k.State != facts.StateChecked || k.Anonymous != "enabled" || !k.ReadOnly.Open {
		t.Errorf("IPv6: state %q anonymous %q readOnly %+v (%s)", k.State, k.Anonymous, k.ReadOnly, k.Error)
	}
	if k.Location.URI != "kubelet://"+s.Addr() || k.Target != s.Addr() {
		t.Errorf("location %q target %q", k.Location.URI, k.Target)
	}
	if !strings.HasPrefix(s.Addr(), "[::1]:") {
		t.Errorf("fake address %q is not IPv6 loopback", s.Addr())
	}
}

func TestProbeOrderAndLocations(t *testing.T) {
	a := kubelettest.New(t, kubelettest.Config{Anonymous: true})
	b := kubelettest.New(t, kubelettest.Config{})
	ta, tb := target(a), target(b)
	tb.Node = "worker-2"
	tc := kubelet.Target{Host: "127.0.0.1", Port: kubelettest.ClosedPort(t)}
	ks := kubelet.Probe(context.Background(), []kubelet.Target{ta, tb, tc}, fast)
	if len(ks) != 3 {
		t.Fatalf("%d results", len(ks))
	}
	if ks[0].Anonymous != "enabled" || ks[1].Anonymous != "disabled" {
		t.Errorf("results out of order: %q %q", ks[0].Anonymous, ks[1].Anonymous)
	}
	if ks[1].Location.URI != "k8s://node/worker-2:"+strconv.Itoa(tb.Port) || ks[1].Node != "worker-2" {
		t.Errorf("node location %q", ks[1].Location.URI)
	}
	if ks[2].State != facts.StateUnreachable || ks[2].Error == "" || len(ks[2].Probes) != 0 || ks[2].Anonymous != "unknown" {
		t.Errorf("closed port: %+v, want unreachable without probes", ks[2])
	}
}

func TestProbeTokenNotSentToUnverifiedKubelet(t *testing.T) {
	s := kubelettest.New(t, kubelettest.Config{Tokens: []string{"secret"}})
	impostorCA := kubelettest.New(t, kubelettest.Config{SelfSigned: true}).ServingCAs()
	o := fast
	o.Token, o.RootCAs = "secret", impostorCA
	k := probeOne(t, s, target(s), o)
	for _, r := range s.Requests() {
		if r.Authorization != "" {
			t.Fatalf("token sent to a kubelet whose chain does not verify: %s %s", r.Method, r.Path)
		}
	}
	if k.State != facts.StateTLSError || !strings.Contains(k.Error, "token") || k.TLS.Verified {
		t.Errorf("state %q error %q verified %v: want tls-error naming the token pass", k.State, k.Error, k.TLS.Verified)
	}
	if k.Anonymous != "disabled" {
		t.Errorf("the anonymous pass still ran: Anonymous = %q", k.Anonymous)
	}
}

func TestProbeKeepsConfigzBody(t *testing.T) {
	open := kubelettest.New(t, kubelettest.Config{Anonymous: true, Mode: kubelettest.ModeAlwaysAllow, Debug: true})
	k := probeOne(t, open, target(open), fast)
	if !strings.HasPrefix(string(k.ConfigzBody), `{"kubeletconfig":{`) || !strings.Contains(string(k.ConfigzBody), `"mode":"AlwaysAllow"`) {
		t.Errorf("ConfigzBody = %q", k.ConfigzBody)
	}
	if k.Config != nil {
		t.Error("the prober must leave Config to the KubeletConfiguration parser")
	}
	// Only the token may read /configz: the authenticated pass supplies it.
	tok := kubelettest.New(t, kubelettest.Config{Debug: true, FineGrained: true, Allow: map[string][]string{"token:r": {"configz:get"}}})
	o := fast
	o.Token = "r"
	if k := probeOne(t, tok, target(tok), o); !strings.Contains(string(k.ConfigzBody), "kubeletconfig") {
		t.Errorf("token pass configz not kept: %q", k.ConfigzBody)
	}
	locked := kubelettest.New(t, kubelettest.Config{Debug: true})
	if k := probeOne(t, locked, target(locked), fast); k.ConfigzBody != nil {
		t.Errorf("401 body kept as configz: %q", k.ConfigzBody)
	}
}
