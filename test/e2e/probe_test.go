package e2e

import (
	"context"
	"crypto/x509"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/kubelet-audit/kubelet-audit/scanner/facts"
	"github.com/kubelet-audit/kubelet-audit/scanner/kubelet"
	"github.com/kubelet-audit/kubelet-audit/test/e2e/testbed"
)

const (
	allowed   = facts.OutcomeAllowed
	forbidden = facts.OutcomeForbidden
	unauth    = facts.OutcomeUnauthenticated
	execOK    = facts.OutcomeExecAuthorized
	disabled  = facts.OutcomeDebugDisabled
	notFound  = facts.OutcomeNotFound
	rejected  = facts.OutcomeMethodRejected
)

// anonymousPlan is what the anonymous probe must see on each kubelet,
// per "METHOD path" of the safe plan.
var anonymousPlan = map[string]struct {
	anonymous string
	outcomes  map[string]string
}{
	// anonymous on + AlwaysAllow, profiling on: everything is open (the
	// prober asks /debug/pprof/symbol: 1.37 has no route for the bare
	// prefix); /debug/flags/v takes PUT.
	testbed.NodeOpen: {"enabled", map[string]string{
		"GET /healthz": allowed, "GET /pods": allowed, "POST /run": execOK, "GET /exec": execOK,
		"GET /configz": allowed, "GET /metrics": allowed, "GET /debug/pprof/symbol": allowed, "GET /debug/flags/v": rejected,
	}},
	// anonymous on + Webhook: authenticated as system:anonymous, then denied.
	testbed.NodeAnon: {"enabled", allOf(forbidden)},
	// Debugging handlers off: /configz and /debug/flags/v are not installed,
	// and go-restful answers 404 before the auth filter runs.
	testbed.NodeLocked:   {"disabled", with(allOf(unauth), map[string]string{"GET /configz": notFound, "GET /debug/flags/v": notFound})},
	testbed.NodeAllowAll: {"disabled", allOf(unauth)},
	testbed.NodeReadOnly: {"disabled", allOf(unauth)},
	// anonymous on + Webhook + RBAC get nodes/proxy on this node for
	// system:unauthenticated: get works (exec via GET), create does not.
	testbed.NodeLegacy: {"enabled", map[string]string{
		"GET /healthz": allowed, "GET /pods": allowed, "POST /run": forbidden, "GET /exec": execOK,
		"GET /configz": allowed, "GET /metrics": forbidden, "GET /debug/pprof/symbol": disabled, "GET /debug/flags/v": disabled,
	}},
}

func with(m, over map[string]string) map[string]string {
	for k, v := range over {
		m[k] = v
	}
	return m
}

func allOf(outcome string) map[string]string {
	m := map[string]string{}
	for _, k := range []string{"GET /healthz", "GET /pods", "POST /run", "GET /exec", "GET /configz", "GET /metrics", "GET /debug/pprof/symbol", "GET /debug/flags/v"} {
		m[k] = outcome
	}
	return m
}

// planKey is "METHOD path" with pod-scoped parts and queries cut.
func planKey(p facts.Probe) string {
	path, _, _ := strings.Cut(p.Path, "?")
	for _, prefix := range []string{"/run/", "/exec/"} {
		if strings.HasPrefix(path, prefix) {
			path = strings.TrimSuffix(prefix, "/")
		}
	}
	return p.Method + " " + path
}

func targetOf(k *testbed.Kubelet) kubelet.Target {
	h, _, _ := strings.Cut(k.Addr, ":")
	return kubelet.Target{Host: h, Port: k.Port, ReadOnlyPort: k.ReadOnlyPort, Node: k.Options.Name}
}

func caPool() *x509.CertPool { return env.CA.Pool() }

// TestProbeEachKubelet: the anonymous safe probe reports exactly the state
// of every kubelet configuration, plus TLS facts and the read-only port.
func TestProbeEachKubelet(t *testing.T) {
	t.Parallel()
	var targets []kubelet.Target
	for _, k := range env.Kubelets {
		targets = append(targets, targetOf(k))
	}
	results := kubelet.Probe(context.Background(), targets, kubelet.Options{RootCAs: caPool()})
	for i, k := range env.Kubelets {
		r, want := results[i], anonymousPlan[k.Options.Name]
		name := k.Options.Name
		if r.State != facts.StateChecked || r.Anonymous != want.anonymous {
			t.Errorf("%s: state %s anonymous %s (%s), want checked/%s", name, r.State, r.Anonymous, r.Error, want.anonymous)
		}
		got := map[string]string{}
		for _, p := range r.Probes {
			got[planKey(p)] = p.Outcome
			if p.Identity != "anonymous" {
				t.Errorf("%s: anonymous run sent identity %q on %s", name, p.Identity, p.Path)
			}
			if p.Outcome == forbidden && p.User != "system:anonymous" {
				t.Errorf("%s %s: 403 names user %q", name, p.Path, p.User)
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(want.outcomes) {
			t.Errorf("%s outcomes:\n got  %v\n want %v", name, got, want.outcomes)
		}
		checkTLS(t, k, r.TLS)
		checkReadOnly(t, k, r.ReadOnly)
	}
	checkNothingRan(t, results)
}

func checkTLS(t *testing.T, k *testbed.Kubelet, tf *facts.TLSFacts) {
	t.Helper()
	o := k.Options
	if tf == nil {
		t.Errorf("%s: no TLS facts", o.Name)
		return
	}
	if tf.SelfSigned == o.CASigned || tf.Verified != o.CASigned {
		t.Errorf("%s: selfSigned %v verified %v (%s), want CA-signed=%v", o.Name, tf.SelfSigned, tf.Verified, tf.VerifyError, o.CASigned)
	}
	if tf.ClientCertRequested == o.NoClientCA {
		t.Errorf("%s: clientCertRequested %v, want %v", o.Name, tf.ClientCertRequested, !o.NoClientCA)
	}
	if !o.NoClientCA && !slices.ContainsFunc(tf.AcceptableCAs, func(s string) bool { return strings.Contains(s, "kubelet-audit-testbed-ca") }) {
		t.Errorf("%s: acceptable CAs %v do not name the client CA", o.Name, tf.AcceptableCAs)
	}
	if !strings.Contains(tf.Subject, o.Name) {
		t.Errorf("%s: certificate subject %q", o.Name, tf.Subject)
	}
}

func checkReadOnly(t *testing.T, k *testbed.Kubelet, ro *facts.ReadOnlyPort) {
	t.Helper()
	if !k.Options.ReadOnlyPort {
		if ro != nil {
			t.Errorf("%s: read-only facts %+v without a read-only target", k.Options.Name, ro)
		}
		return
	}
	if ro == nil || !ro.Open || ro.Port != k.ReadOnlyPort {
		t.Errorf("%s: read-only port %+v, want open on %d", k.Options.Name, ro, k.ReadOnlyPort)
	}
}

// checkNothingRan: no exec-family probe got a 2xx, and no kubelet host saw
// a runtime call (the host stubs record every exec/run/attach/...).
func checkNothingRan(t *testing.T, results []facts.Kubelet) {
	t.Helper()
	execPaths := map[string]bool{}
	for _, e := range kubelet.Endpoints() {
		if e.Exec {
			execPaths[strings.SplitN(strings.TrimPrefix(e.Path, "/"), "/", 2)[0]] = true
		}
	}
	for _, r := range results {
		for _, p := range r.Probes {
			first := strings.SplitN(strings.TrimPrefix(p.Path, "/"), "/", 2)[0]
			if execPaths[first] && p.Status >= 200 && p.Status < 300 {
				t.Errorf("%s: exec-family %s %s answered %d", r.Node, p.Method, p.Path, p.Status)
			}
		}
	}
	if calls := env.RuntimeCalls(); len(calls) > 0 {
		t.Errorf("runtime reached: %v", calls)
	}
}
