// Package kubelet probes kubelets safely and describes their HTTP API: an
// endpoint catalogue (path → RBAC subresource and verb → what an attacker
// gets), the mapping the kubelet's authorizer applies to each request, and a
// prober that runs the safe plan T0–T8 of kubelet-facts.md against many
// kubelets with bounded concurrency, timeouts and capped bodies.
package kubelet

import (
	"net/url"
	"strings"
)

// Endpoint is one kubelet HTTP endpoint and what reaching it gives.
type Endpoint struct {
	// Path is the URL path; {ns}/{pod}/{container} stand for pod-scoped parts.
	Path   string
	Method string
	// Subresource is the nodes/<subresource> every kubelet checks (the
	// fallback when FineGrained is set).
	Subresource string
	// FineGrained is the subresource KubeletFineGrainedAuthz (1.33+) checks
	// first; empty when the path has none.
	FineGrained string
	// Verb is the RBAC verb the kubelet derives from Method.
	Verb string
	// Gives says what an attacker gets.
	Gives string
	// Exec is true when the endpoint runs code in, or opens a stream into,
	// a container.
	Exec bool
}

// endpoints is the catalogue, in the order README documents it.
var endpoints = []Endpoint{
	{"/pods", "GET", "proxy", "pods", "get", "full pod specs of the node, including env values and mounted secret names", false},
	{"/runningpods/", "GET", "proxy", "pods", "get", "pods as the container runtime sees them", false},
	{"/healthz", "GET", "proxy", "healthz", "get", "kubelet liveness (confirms a kubelet answers)", false},
	{"/configz", "GET", "proxy", "configz", "get", "the running KubeletConfiguration (auth settings, paths, feature gates)", false},
	{"/statusz", "GET", "proxy", "statusz", "get", "component status page (version, uptime)", false},
	{"/stats/summary", "GET", "stats", "", "get", "node and pod resource usage, pod names and volumes", false},
	{"/stats/", "GET", "stats", "", "get", "node and container statistics", false},
	{"/metrics", "GET", "metrics", "", "get", "kubelet metrics (pod, container and volume names)", false},
	{"/metrics/cadvisor", "GET", "metrics", "", "get", "container metrics with image and pod labels", false},
	{"/metrics/probes", "GET", "metrics", "", "get", "liveness/readiness probe results", false},
	{"/metrics/resource", "GET", "metrics", "", "get", "pod and container CPU/memory usage", false},
	{"/logs/", "GET", "log", "", "get", "node log files (journal, /var/log)", false},
	{"/spec/", "GET", "spec", "", "get", "machine info (older kubelets; 1.37 answers 404)", false},
	{"/containerLogs/{ns}/{pod}/{container}", "GET", "proxy", "", "get", "logs of any container on the node", false},
	{"/run/{ns}/{pod}/{container}", "POST", "proxy", "", "create", "runs a command in any container and returns its output", true},
	{"/exec/{ns}/{pod}/{container}", "GET", "proxy", "", "get", "interactive exec in any container (WebSocket upgrade is a GET)", true},
	{"/exec/{ns}/{pod}/{container}", "POST", "proxy", "", "create", "interactive exec in any container (SPDY)", true},
	{"/attach/{ns}/{pod}/{container}", "GET", "proxy", "", "get", "attaches to a container's stdin/stdout (WebSocket)", true},
	{"/attach/{ns}/{pod}/{container}", "POST", "proxy", "", "create", "attaches to a container's stdin/stdout (SPDY)", true},
	{"/portForward/{ns}/{pod}", "GET", "proxy", "", "get", "forwards ports into a pod's network namespace (WebSocket)", true},
	{"/portForward/{ns}/{pod}", "POST", "proxy", "", "create", "forwards ports into a pod's network namespace (SPDY)", true},
	{"/checkpoint/{ns}/{pod}/{container}", "POST", "checkpoint", "", "create", "a checkpoint archive of a container's memory (secrets in memory); nodes/proxy on kubelets before 1.37", false},
	{"/debug/pprof/{profile}", "GET", "proxy", "", "get", "Go profiles of the kubelet (memory contents, goroutines, command line)", false},
	{"/debug/flags/v", "GET", "proxy", "", "get", "kubelet log verbosity", false},
	{"/debug/flags/v", "PUT", "proxy", "", "update", "changes kubelet log verbosity (can flood logs with request data)", false},
}

// Endpoints returns a copy of the endpoint catalogue.
func Endpoints() []Endpoint {
	return append([]Endpoint(nil), endpoints...)
}

// fineGrainedPaths are the path prefixes KubeletFineGrainedAuthz checks
// first (pkg/kubelet/server/auth.go), in the kubelet's order.
var fineGrainedPaths = []struct{ path, subresource string }{
	{"/pods", "pods"},
	{"/healthz", "healthz"},
	{"/configz", "configz"},
	{"/statusz", "statusz"},
	{"/runningpods", "pods"},
}

// coarsePaths are the path prefixes with their own subresource; every other
// path is nodes/proxy. /spec is gone from 1.37's auth.go (the path answers
// "404 page not found" before authentication) but older kubelets check
// nodes/spec for it.
var coarsePaths = []struct{ path, subresource string }{
	{"/stats", "stats"},
	{"/metrics", "metrics"},
	{"/logs", "log"},
	{"/checkpoint", "checkpoint"},
	{"/spec", "spec"},
}

// Authorization maps an HTTP method and path (a query string is ignored) to
// the nodes/<subresource>s the kubelet authorizes, in the order it tries
// them (any allowed one admits the request), and the verb. With fine-grained
// authorization the first element is the fine-grained subresource and the
// last is the one older kubelets check alone. The verb is "" for methods the
// kubelet does not map (HEAD, OPTIONS, ...): only a '*' verb grant allows those.
func Authorization(method, path string) (subresources []string, verb string) {
	if u, err := url.Parse(path); err == nil && u.Path != "" {
		path = u.Path
	}
	verb = verbFor(method)
	for _, p := range fineGrainedPaths {
		if isSubpath(path, p.path) {
			subresources = append(subresources, p.subresource)
			break
		}
	}
	for _, p := range coarsePaths {
		if isSubpath(path, p.path) {
			return append(subresources, p.subresource), verb
		}
	}
	return append(subresources, "proxy"), verb
}

// verbFor is the kubelet's HTTP method → RBAC verb mapping.
func verbFor(method string) string {
	switch strings.ToUpper(method) {
	case "GET":
		return "get"
	case "POST":
		return "create"
	case "PUT":
		return "update"
	case "PATCH":
		return "patch"
	case "DELETE":
		return "delete"
	}
	return ""
}

// isSubpath mirrors the kubelet: path equals prefix or continues with '/'.
func isSubpath(path, prefix string) bool {
	prefix = strings.TrimSuffix(prefix, "/")
	return path == prefix || (strings.HasPrefix(path, prefix) && len(path) > len(prefix) && path[len(prefix)] == '/')
}

// podScoped reports whether path addresses a pod (exec family, container
// logs, checkpoint): authorized requests for a made-up pod get 404 "pod does
// not exist" from the handler.
func podScoped(path string) bool {
	for _, p := range []string{"/run", "/exec", "/attach", "/portForward", "/containerLogs", "/checkpoint"} {
		if isSubpath(path, p) {
			return true
		}
	}
	return false
}
