package kubelet

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/kubelet-audit/kubelet-audit/scanner/facts"
)

// httpsMismatch is what Go TLS servers answer to plain HTTP.
const httpsMismatch = "Client sent an HTTP request to an HTTPS server"

// probeReadOnly runs T7: plain-HTTP GET /healthz and /pods on the read-only
// port. Any HTTP answer means the port is open (it needs no credentials);
// a refused connection means closed; a TLS server there is a protocol error.
func probeReadOnly(ctx context.Context, t Target, o Options) *facts.ReadOnlyPort {
	ro := &facts.ReadOnlyPort{Port: t.ReadOnlyPort}
	tr := newTransport(o, false, nil, nil)
	defer tr.CloseIdleConnections()
	c := newClient(tr)
	base := "http://" + net.JoinHostPort(t.Host, strconv.Itoa(t.ReadOnlyPort))
	var ev []string
	for _, path := range []string{"/healthz", "/pods"} {
		r, err := do(ctx, c, "GET", base+path, "", o.RequestTimeout, o.MaxBody)
		if r.status == 0 {
			ro.State, ro.Error = readOnlyState(err), fmt.Sprintf("GET %s: %v", path, err)
			break
		}
		if strings.Contains(string(r.body), httpsMismatch) {
			ro.State, ro.Error = facts.StateProtocol, fmt.Sprintf("GET %s: port %d speaks TLS, not the read-only HTTP API", path, t.ReadOnlyPort)
			break
		}
		ro.Open, ro.State, ro.Status = true, facts.StateChecked, r.status
		ev = append(ev, "GET "+path+": "+readOnlyEvidence(path, r))
	}
	ro.Evidence = strings.Join(ev, "; ")
	return ro
}

// readOnlyState is closed for a refused connection, else the transport state.
func readOnlyState(err error) string {
	if s := stateOf(err); s != facts.StateUnreachable || !isRefused(err) {
		return s
	}
	return facts.StateClosed
}

// readOnlyEvidence summarizes one read-only answer without copying pod specs.
func readOnlyEvidence(path string, r response) string {
	if path == "/pods" && r.status/100 == 2 {
		if n := countPods(r.body, r.truncated); n >= 0 {
			return fmt.Sprintf("%s — %d pods (specs not shown)", r.statusLine, n)
		}
	}
	return evidence(path, r, classify(path, r.status, r.body).outcome)
}
