package kubelettest

import (
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"slices"
	"strings"
)

// pod is one pod on the fake node.
type pod struct{ namespace, name, container string }

// state is the fake kubelet's behaviour, shared by all its listeners.
type state struct {
	cfg    Config
	pods   []pod
	tokens map[string]bool
	recorder
}

func newState(cfg Config) *state {
	st := &state{cfg: cfg, tokens: map[string]bool{}}
	for i := range cfg.Pods {
		st.pods = append(st.pods, pod{"default", fmt.Sprintf("pod-%d", i), "c"})
	}
	for _, t := range cfg.Tokens {
		st.tokens[t] = true
	}
	for id := range cfg.Allow {
		if t, ok := strings.CutPrefix(id, "token:"); ok {
			st.tokens[t] = true
		}
	}
	return st
}

// principal is an authenticated identity.
type principal struct {
	user   string   // name in 403 bodies
	key    string   // Allow key
	groups []string // also Allow keys
}

// route is how the kubelet's mux dispatches a path: pre answers before the
// auth filter (ServeMux 404s, go-restful route mismatches); h runs after it.
type route struct {
	pre http.HandlerFunc
	h   http.HandlerFunc
}

// serveSecure is the 10250 handler: route, authenticate, authorize, handle.
func (st *state) serveSecure(w http.ResponseWriter, r *http.Request) {
	sw := &statusWriter{ResponseWriter: w}
	rec := newRecord("secure", r)
	defer func() { rec.Status = sw.status; st.add(rec) }()
	rt := st.route(r.Method, r.URL.Path)
	if rt.pre != nil {
		rt.pre(sw, r)
		return
	}
	p, ok := st.authenticate(r)
	if !ok {
		writeRestful(sw, http.StatusUnauthorized, "Unauthorized")
		return
	}
	rec.User = p.user
	subs, verb := attributes(r.Method, r.URL.Path, st.cfg.FineGrained)
	if !st.authorize(p, subs, verb) {
		writeRestful(sw, http.StatusForbidden, st.forbidden(p.user, verb, subs))
		return
	}
	rt.h(sw, r)
}

// serveReadOnly is the 10255 handler: no authentication, no authorization.
func (st *state) serveReadOnly(w http.ResponseWriter, r *http.Request) {
	sw := &statusWriter{ResponseWriter: w}
	rec := newRecord("read-only", r)
	defer func() { rec.Status = sw.status; st.add(rec) }()
	switch p := r.URL.Path; {
	case isSubpath(p, "/healthz"):
		st.healthz(sw, r)
	case p == "/pods" || p == "/pods/":
		st.podList(sw, r)
	case p == "/stats/summary" || p == "/stats/":
		st.stats(sw, r)
	case p == "/metrics" || strings.HasPrefix(p, "/metrics/"):
		st.metrics(sw, r)
	default:
		http.NotFound(sw, r)
	}
}

func newRecord(server string, r *http.Request) Request {
	return Request{
		Server: server, Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery,
		Authorization: r.Header.Get("Authorization"),
		ClientCert:    r.TLS != nil && len(r.TLS.PeerCertificates) > 0,
		Upgrade:       r.Header.Get("Upgrade") != "" || strings.Contains(strings.ToLower(r.Header.Get("Connection")), "upgrade"),
	}
}

// authenticate mirrors the kubelet's union authenticator: x509 client
// certificate, then bearer token (an unknown token is a 401 even with
// anonymous on), then anonymous when enabled.
func (st *state) authenticate(r *http.Request) (principal, bool) {
	if r.TLS != nil && len(r.TLS.VerifiedChains) > 0 {
		cn := r.TLS.PeerCertificates[0].Subject.CommonName
		return principal{user: cn, key: "cert:" + cn, groups: []string{"system:authenticated"}}, true
	}
	if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		if !st.tokens[tok] {
			return principal{}, false
		}
		return principal{user: "system:serviceaccount:default:" + tok, key: "token:" + tok,
			groups: []string{"system:serviceaccounts", "system:authenticated"}}, true
	}
	if !st.cfg.Anonymous {
		return principal{}, false
	}
	return principal{user: "system:anonymous", key: "system:anonymous", groups: []string{"system:unauthenticated"}}, true
}

// authorize is AlwaysAllow, or the Webhook policy of Config.Allow: allowed
// when any checked subresource is allowed for the user or a group.
func (st *state) authorize(p principal, subs []string, verb string) bool {
	if st.cfg.Mode == ModeAlwaysAllow {
		return true
	}
	for _, who := range append([]string{p.key}, p.groups...) {
		for _, rule := range st.cfg.Allow[who] {
			sub, v, _ := strings.Cut(rule, ":")
			if (sub == "*" || slices.Contains(subs, sub)) && (v == "*" || v == verb) {
				return true
			}
		}
	}
	return false
}

// forbidden is the kubelet's 403 body: "subresource(s)=[a b]" with
// fine-grained authorization (1.33+), "subresource=a" before.
func (st *state) forbidden(user, verb string, subs []string) string {
	if st.cfg.FineGrained {
		return fmt.Sprintf("Forbidden (user=%s, verb=%s, resource=nodes, subresource(s)=%v)", user, verb, subs)
	}
	return fmt.Sprintf("Forbidden (user=%s, verb=%s, resource=nodes, subresource=%s)", user, verb, subs[0])
}

// attributes is pkg/kubelet/server/auth.go GetRequestAttributes, written
// independently of the prober's copy so tests cross-check the two.
func attributes(method, path string, fineGrained bool) ([]string, string) {
	verb := map[string]string{"POST": "create", "GET": "get", "PUT": "update", "PATCH": "patch", "DELETE": "delete"}[method]
	var subs []string
	if fineGrained {
		switch {
		case isSubpath(path, "/pods"), isSubpath(path, "/runningpods/"):
			subs = append(subs, "pods")
		case isSubpath(path, "/healthz"):
			subs = append(subs, "healthz")
		case isSubpath(path, "/configz"):
			subs = append(subs, "configz")
		case isSubpath(path, "/statusz"):
			subs = append(subs, "statusz")
		}
	}
	switch {
	case isSubpath(path, "/stats/"):
		subs = append(subs, "stats")
	case isSubpath(path, "/metrics"):
		subs = append(subs, "metrics")
	case isSubpath(path, "/logs/"):
		subs = append(subs, "log")
	case isSubpath(path, "/checkpoint/"):
		subs = append(subs, "checkpoint")
	default:
		subs = append(subs, "proxy")
	}
	return subs, verb
}

func isSubpath(subpath, path string) bool {
	path = strings.TrimSuffix(path, "/")
	return subpath == path || (strings.HasPrefix(subpath, path) && len(subpath) > len(path) && subpath[len(path)] == '/')
}

// writeRestful writes like go-restful's WriteErrorString: the text, no newline.
func writeRestful(w http.ResponseWriter, status int, text string) {
	w.WriteHeader(status)
	_, _ = io.WriteString(w, text)
}

// writeJSON writes a 200 JSON answer.
func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_ = json.NewEncoder(w).Encode(v)
}

// statusWriter remembers the status code for the request log.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// quietLog drops server errors (handshake failures are expected in tests).
func quietLog() *log.Logger { return log.New(io.Discard, "", 0) }
