package kubelet

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/kubelet-audit/kubelet-audit/scanner/facts"
)

// Identities of probes (facts.Probe.Identity).
const identityAnonymous = "anonymous"

// step is one request of the safe plan.
type step struct {
	id, method string
	// path is what facts record: pod-scoped parts stay as placeholders.
	path string
	// pods fills {ns}/{pod}/{container} with fresh random names.
	pods bool
	// query is appended to the sent URL.
	query string
	// authOnly marks the steps of the AuthProbeOnly pass.
	authOnly bool
}

// plan is T1–T6 and T8 of kubelet-facts.md "Safe-probe plan". Exec-family
// steps only ever name made-up pods and send no command body and no
// Upgrade headers, so nothing can start even where they are authorized.
var plan = []step{
	{id: "T1", method: "GET", path: "/healthz", authOnly: true},
	{id: "T2", method: "GET", path: "/pods", authOnly: true},
	{id: "T3", method: "POST", path: "/run/{ns}/{pod}/{container}", pods: true},
	{id: "T4", method: "GET", path: "/exec/{ns}/{pod}/{container}", pods: true, query: "command=true&output=1"},
	{id: "T5", method: "GET", path: "/configz"},
	{id: "T6", method: "GET", path: "/metrics"},
	// /debug/pprof/symbol, not the index: 1.37 routes only
	// /debug/pprof/{subpath:*}, so a bare /debug/pprof/ is 404 even with
	// profiling on (measured on the real kubelet in test/e2e). GET symbol only
	// reports a symbol count.
	{id: "T8", method: "GET", path: "/debug/pprof/symbol"},
	{id: "T8", method: "GET", path: "/debug/flags/v"},
}

// Probe runs the safe plan on every target and returns one facts.Kubelet per
// target, in input order. Nodes are probed concurrently (Options.Concurrency);
// the probes of one node run sequentially. Probe never returns early on a
// bad target: its facts carry the state (unreachable, timeout, ...).
func Probe(ctx context.Context, targets []Target, opts Options) []facts.Kubelet {
	o := opts.withDefaults()
	ctx, cancel := context.WithTimeout(ctx, o.Deadline)
	defer cancel()
	out := make([]facts.Kubelet, len(targets))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(o.Concurrency, len(targets)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				out[i] = probeNode(ctx, targets[i], o)
			}
		}()
	}
	for i := range targets {
		next <- i
	}
	close(next)
	wg.Wait()
	return out
}

// node holds the state of probing one kubelet.
type node struct {
	t    Target
	o    Options
	base string // https://host:port
	k    facts.Kubelet
}

// probeNode runs T0–T8 against one target.
func probeNode(ctx context.Context, t Target, o Options) facts.Kubelet {
	if t.Port == 0 {
		t.Port = DefaultPort
	}
	n := &node{t: t, o: o, base: "https://" + t.Addr(), k: facts.Kubelet{
		Target: t.Addr(), Node: t.Node, Location: facts.Location{URI: t.String()},
		State: facts.StateChecked, Anonymous: "unknown", Probes: []facts.Probe{},
	}}
	if ctx.Err() != nil {
		n.fail(fmt.Errorf("run deadline reached before probing %s: %w", t.Addr(), ctx.Err()))
		return n.k
	}
	if tf, err := inspectTLS(ctx, t, o); err != nil {
		n.fail(err)
	} else {
		n.k.TLS = tf
		n.passes(ctx)
	}
	if t.ReadOnlyPort > 0 {
		n.k.ReadOnly = probeReadOnly(ctx, t, o)
	}
	n.k.Anonymous = anonymousState(n.k.Probes)
	return n.k
}

// fail records a target-level failure: the kubelet could not be (fully) checked.
func (n *node) fail(err error) {
	n.k.State = stateOf(err)
	n.k.Error = err.Error()
}

// passes runs the anonymous pass, then the authenticated one, each on its
// own transport (credentials can never leak onto an anonymous connection)
// and closed before the next starts: one connection per node at a time.
func (n *node) passes(ctx context.Context) {
	if !n.o.SkipAnonymous && !n.pass(ctx, identityAnonymous, "", nil, nil, false) {
		return
	}
	id := n.o.authIdentity()
	if id == "" {
		return
	}
	n.k.AuthPass = &facts.AuthPass{Identity: id, LowPrivilege: n.o.LowPrivilege || n.o.AuthProbeOnly}
	n.pass(ctx, id, n.o.Token, n.o.ClientCert, n.o.RootCAs, n.o.AuthProbeOnly)
}

// pass runs the plan on a fresh transport and closes it.
func (n *node) pass(ctx context.Context, identity, token string, cert *tls.Certificate, roots *x509.CertPool, authOnly bool) bool {
	tr := newTransport(n.o, true, cert, roots)
	defer tr.CloseIdleConnections()
	return n.run(ctx, newClient(tr), identity, token, authOnly)
}

// run sends the plan with one client. It stops at the first request that
// got no HTTP answer (the node is then not fully checked) and reports
// whether the plan completed.
func (n *node) run(ctx context.Context, c *http.Client, identity, token string, authOnly bool) bool {
	for _, s := range plan {
		if authOnly && !s.authOnly {
			continue
		}
		p, err := n.send(ctx, c, s, identity, token)
		n.k.Probes = append(n.k.Probes, p)
		if err != nil {
			n.fail(fmt.Errorf("%s %s %s (%s): %w", s.id, s.method, s.path, identity, err))
			return false
		}
	}
	return true
}

// send performs one step and classifies the answer. The error is non-nil
// only when no HTTP answer arrived.
func (n *node) send(ctx context.Context, c *http.Client, s step, identity, token string) (facts.Probe, error) {
	subs, verb := Authorization(s.method, s.path)
	p := facts.Probe{ID: s.id, Method: s.method, Path: s.path, Subresource: strings.Join(subs, ","),
		Verb: verb, Identity: identity}
	if s.query != "" {
		p.Path += "?" + s.query
	}
	resp, err := do(ctx, c, s.method, n.url(s), token, n.o.RequestTimeout, n.o.MaxBody)
	if resp.status == 0 {
		p.Outcome, p.Error = facts.OutcomeError, err.Error()
		return p, err
	}
	a := classify(s.path, resp.status, resp.body)
	p.Status, p.Outcome, p.User = resp.status, a.outcome, a.user
	p.DeniedVerb, p.DeniedSubresources = a.verb, a.subresources
	p.Evidence = evidence(s.path, resp, a.outcome)
	if s.path == "/pods" && a.outcome == facts.OutcomeAllowed {
		p.PodCount = countPods(resp.body, resp.truncated)
	}
	if s.path == "/configz" && a.outcome == facts.OutcomeAllowed && n.k.ConfigzBody == nil {
		n.k.ConfigzBody = resp.body
	}
	if err != nil {
		p.Error = err.Error() // answer arrived, body read failed
	}
	return p, nil
}

// url builds the URL of a step, with fresh random names for pod-scoped paths.
func (n *node) url(s step) string {
	path := s.path
	if s.pods {
		path = strings.NewReplacer("{ns}", randomName(), "{pod}", randomName(), "{container}", randomName()).Replace(path)
	}
	if s.query != "" {
		path += "?" + s.query
	}
	return n.base + path
}

// randomName is kubeaudit-<16 hex>: a valid DNS label no real pod has.
func randomName() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return "kubeaudit-" + hex.EncodeToString(b[:])
}

// evidence is the status line and what the body shows. Bodies of allowed
// data answers (pod specs, configuration) are not copied into reports.
func evidence(path string, r response, outcome string) string {
	ev := r.statusLine
	switch {
	case outcome == facts.OutcomeAllowed && path != "/healthz":
		ev += fmt.Sprintf(" — body %d bytes", len(r.body))
		if r.truncated {
			ev += fmt.Sprintf(" (capped at %d)", len(r.body))
		}
		ev += " (not shown)"
	case len(r.body) > 0:
		ev += " — " + excerpt(r.body)
	}
	return ev
}

// anonymousState derives Kubelet.Anonymous from the anonymous probes:
// "enabled" when a request got past authentication (2xx, exec-authorized,
// a 403 naming system:anonymous, or a handler's own 405 "disabled" / 406
// answer, which only come after the auth filter), "disabled" on 401, else
// "unknown".
func anonymousState(probes []facts.Probe) string {
	state := "unknown"
	for _, p := range probes {
		if p.Identity != identityAnonymous {
			continue
		}
		switch p.Outcome {
		case facts.OutcomeAllowed, facts.OutcomeExecAuthorized, facts.OutcomeDebugDisabled, facts.OutcomeMethodRejected:
			return "enabled"
		case facts.OutcomeForbidden:
			if p.User == "system:anonymous" {
				return "enabled"
			}
		case facts.OutcomeUnauthenticated:
			state = "disabled"
		}
	}
	return state
}
