package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/kubelet-audit/kubelet-audit/scanner/facts"
	"github.com/kubelet-audit/kubelet-audit/scanner/kubelet"
	"github.com/kubelet-audit/kubelet-audit/test/e2e/testbed"
)

// kubeletRequests cover every node subresource the kubelet checks. The
// made-up pod names mean an authorized exec-family request gets 404.
var kubeletRequests = []struct{ method, path string }{
	{"GET", "/healthz"}, {"GET", "/pods"}, {"GET", "/runningpods/"}, {"GET", "/stats/summary"},
	{"GET", "/metrics"}, {"GET", "/metrics/cadvisor"}, {"GET", "/metrics/resource"}, {"GET", "/logs/"},
	{"GET", "/configz"}, {"GET", execPath}, {"POST", runPath}, {"POST", "/exec/kubeaudit-e2e/kubeaudit-e2e/c?command=true"},
	{"GET", "/attach/kubeaudit-e2e/kubeaudit-e2e/c?output=1"}, {"GET", "/portForward/kubeaudit-e2e/kubeaudit-e2e"},
	{"GET", "/containerLogs/kubeaudit-e2e/kubeaudit-e2e/c"},
}

// identity is a seeded caller and the RBAC subjects whose grants it holds.
type identity struct {
	name     string
	id       testbed.Identity
	subjects []string
}

func seededIdentities(t *testing.T) []identity {
	t.Helper()
	ctx := context.Background()
	var out []identity
	for _, sa := range [][2]string{
		{"monitoring", "monitoring-agent"}, {"logging", "log-shipper"}, {"tools", "node-debugger"},
		{"dashboard", "dashboard"}, {"tools", "junior"}, {testbed.ScannerNamespace, testbed.ScannerSA},
		{testbed.ScannerNamespace, testbed.LimitedSA}, {"reports", "reporter"}, {"default", "nobody"},
	} {
		id, err := env.ServiceAccount(ctx, sa[0], sa[1])
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, identity{"ServiceAccount:" + sa[0] + "/" + sa[1], id, []string{
			"ServiceAccount:" + sa[0] + "/" + sa[1], "Group:system:serviceaccounts",
			"Group:system:serviceaccounts:" + sa[0], "Group:system:authenticated",
		}})
	}
	alice, err := env.User("alice", "sre")
	if err != nil {
		t.Fatal(err)
	}
	out = append(out,
		identity{"User:alice (Group:sre, client certificate)", alice, []string{"User:alice", "Group:sre", "Group:system:authenticated"}},
		identity{"anonymous", testbed.Identity{}, []string{"User:system:anonymous", "Group:system:unauthenticated"}})
	return out
}

// allows answers from the resolver: does any of subjects hold verb on any
// of subresources for node?
func allows(doc *facts.Document, subjects, subresources []string, verb, node string) bool {
	for _, id := range subjects {
		s := subjectByID(doc, id)
		if s == nil {
			continue
		}
		for _, sr := range subresources {
			if resolverAllows(s, sr, verb, node) {
				return true
			}
		}
	}
	return false
}

// TestKubeletDoesWhatRBACSays is the key proof: for every seeded identity
// (ServiceAccount tokens, a client certificate, anonymous), every node
// subresource request and two Webhook kubelets, the real kubelet admits the
// request exactly when the resolver says RBAC grants it.
func TestKubeletDoesWhatRBACSays(t *testing.T) {
	t.Parallel()
	doc := mustLiveDoc(t)
	for _, who := range seededIdentities(t) {
		for _, node := range []string{testbed.NodeAnon, testbed.NodeLegacy} {
			k := env.Kubelet(node)
			for _, r := range kubeletRequests {
				subs, verb := kubelet.Authorization(r.method, r.path)
				want := allows(doc, who.subjects, subs, verb, node)
				got := callURL(t, "https://"+k.Addr+r.path, r.method, who.id)
				if got.status == 401 || (got.status == 403) == want {
					t.Errorf("%s on %s: %s %s -> %d %q; RBAC says allowed=%v (%s nodes/%s)",
						who.name, node, r.method, r.path, got.status, excerpt(got.body), want, verb, strings.Join(subs, "|"))
				}
			}
		}
	}
	if calls := env.RuntimeCalls(); len(calls) > 0 {
		t.Errorf("runtime reached: %v", calls)
	}
}

// TestAuthenticatedProbeMatchesResolver runs the product prober with each
// seeded ServiceAccount's token: every probe it reports as admitted or
// forbidden matches what the resolver said for that identity.
func TestAuthenticatedProbeMatchesResolver(t *testing.T) {
	t.Parallel()
	doc := mustLiveDoc(t)
	targets := []kubelet.Target{targetOf(env.Kubelet(testbed.NodeAnon)), targetOf(env.Kubelet(testbed.NodeLocked))}
	for _, who := range seededIdentities(t) {
		if who.id.Token == "" {
			continue
		}
		results := kubelet.Probe(context.Background(), targets, kubelet.Options{Token: who.id.Token, SkipAnonymous: true})
		for _, r := range results {
			if r.State != facts.StateChecked || r.AuthPass == nil || r.AuthPass.Identity != "token" {
				t.Errorf("%s on %s: state %s, auth pass %+v (%s)", who.name, r.Node, r.State, r.AuthPass, r.Error)
				continue
			}
			decided := 0
			for _, p := range r.Probes {
				if p.Outcome == notFound {
					// No route (e.g. /configz with debugging handlers off):
					// go-restful answers 404 before any authorization.
					continue
				}
				decided++
				want := allows(doc, who.subjects, strings.Split(p.Subresource, ","), p.Verb, r.Node)
				if p.Identity != "token" || p.Outcome == unauth || (p.Outcome == forbidden) == want {
					t.Errorf("%s on %s: %s %s -> %s (%d); RBAC says allowed=%v (%s nodes/%s)",
						who.name, r.Node, p.Method, p.Path, p.Outcome, p.Status, want, p.Verb, p.Subresource)
				}
			}
			if decided < 4 {
				t.Errorf("%s on %s: only %d probes got an authorization decision", who.name, r.Node, decided)
			}
		}
		checkNothingRan(t, results)
	}
}
