package kubelettest

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// Answers of go-restful's router (before the auth filter) and of the
// kubelet's handlers.
const (
	restfulNotFound      = "404: Page Not Found"
	restfulNotAllowed    = "405: Method Not Allowed"
	debugDisabled        = "Debug endpoints are disabled."
	profilingDisabled    = "profiling endpoint is disabled."
	flagsDisabled        = "flags endpoint is disabled."
	podDoesNotExist      = "pod does not exist"
	upgradeRequired      = "Upgrade request required"
	unsupportedMethod    = "unsupported http method"
	needStdStream        = "you must specify at least 1 of stdin, stdout, stderr"
	disabledPathPrefixes = "/run/ /exec/ /attach/ /portForward/ /containerLogs/ /runningpods/ /debug/pprof/ /logs/"
)

// route dispatches like the kubelet's restful container and ServeMux.
func (st *state) route(method, path string) route {
	switch {
	case isSubpath(path, "/healthz"):
		return route{h: st.healthz}
	case isSubpath(path, "/pods"):
		return restful(method, path, "/pods", map[int][]string{0: {"GET"}}, st.podList)
	case isSubpath(path, "/stats"):
		return restful(method, path, "/stats", map[int][]string{0: {"GET"}, 1: {"GET"}}, st.stats)
	case slices.Contains([]string{"/metrics", "/metrics/cadvisor", "/metrics/probes", "/metrics/resource"}, path):
		return route{h: st.metrics}
	case isSubpath(path, "/checkpoint"):
		return restful(method, path, "/checkpoint", map[int][]string{3: {"POST"}}, st.podScoped(st.checkpoint))
	}
	if st.cfg.Debug {
		return st.debugRoute(method, path)
	}
	for _, prefix := range strings.Fields(disabledPathPrefixes) {
		if strings.HasPrefix(path, prefix) {
			return route{h: textError(http.StatusMethodNotAllowed, debugDisabled)}
		}
	}
	return route{pre: http.NotFound}
}

// debugRoute is InstallDebuggingHandlers (+ profiling and flags handlers).
func (st *state) debugRoute(method, path string) route {
	execMethods := map[int][]string{3: {"GET", "POST"}, 4: {"GET", "POST"}}
	switch {
	case isSubpath(path, "/run"):
		return restful(method, path, "/run", map[int][]string{3: {"POST"}, 4: {"POST"}}, st.podScoped(st.run))
	case isSubpath(path, "/exec"):
		return restful(method, path, "/exec", execMethods, st.podScoped(st.stream))
	case isSubpath(path, "/attach"):
		return restful(method, path, "/attach", execMethods, st.podScoped(st.stream))
	case isSubpath(path, "/portForward"):
		return restful(method, path, "/portForward", map[int][]string{2: {"GET", "POST"}, 3: {"GET", "POST"}}, st.podScoped(st.portForward))
	case isSubpath(path, "/containerLogs"):
		return restful(method, path, "/containerLogs", map[int][]string{3: {"GET"}}, st.podScoped(st.containerLogs))
	case path == "/configz":
		return route{h: st.configz}
	case isSubpath(path, "/runningpods"):
		return restful(method, path, "/runningpods", map[int][]string{0: {"GET"}}, st.podList)
	case isSubpath(path, "/logs"):
		return route{h: func(w http.ResponseWriter, _ *http.Request) {
			fmt.Fprintln(w, `<pre><a href="syslog">syslog</a></pre>`)
		}}
	case strings.HasPrefix(path, "/debug/pprof/"):
		if st.cfg.NoProfiling {
			return route{h: textError(http.StatusMethodNotAllowed, profilingDisabled)}
		}
		// ws.Path("/debug/pprof/").Route(GET("/{subpath:*}")): the bare
		// index path has no route in 1.37.
		return restful(method, path, "/debug/pprof", map[int][]string{1: {"GET"}, 2: {"GET"}}, pprofIndex)
	case path == "/debug/flags/v":
		if st.cfg.NoProfiling {
			return route{h: textError(http.StatusMethodNotAllowed, flagsDisabled)}
		}
		return route{h: flagsHandler}
	}
	return route{pre: http.NotFound}
}

// restful matches a go-restful web service rooted at root whose routes take
// len(segments) path parameters with the given methods. Mismatches answer
// before the auth filter, like go-restful's router.
func restful(method, path, root string, methods map[int][]string, h http.HandlerFunc) route {
	rest := strings.Trim(strings.TrimPrefix(path, root), "/")
	n := 0
	if rest != "" {
		n = len(strings.Split(rest, "/"))
	}
	allowed, ok := methods[n]
	switch {
	case !ok:
		return route{pre: textRestful(http.StatusNotFound, restfulNotFound)}
	case !slices.Contains(allowed, method):
		return route{pre: textRestful(http.StatusMethodNotAllowed, restfulNotAllowed)}
	}
	return route{h: h}
}

// podScoped resolves {ns}/{pod} (the first two segments after the root)
// and answers 404 "pod does not exist" for pods not on the node; h only
// ever sees real pods. containerLogs' message names the pod.
func (st *state) podScoped(h func(http.ResponseWriter, *http.Request, pod)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
		if strings.HasPrefix(r.URL.Path, "/exec/") || strings.HasPrefix(r.URL.Path, "/attach/") {
			if !hasStdStream(r) {
				writeRestful(w, http.StatusBadRequest, needStdStream)
				return
			}
		}
		ns, name := parts[1], parts[2]
		i := slices.IndexFunc(st.pods, func(p pod) bool { return p.namespace == ns && p.name == name })
		if i < 0 {
			msg := podDoesNotExist
			if parts[0] == "containerLogs" {
				msg = fmt.Sprintf("pod %q does not exist", name)
			}
			writeRestful(w, http.StatusNotFound, msg)
			return
		}
		h(w, r, st.pods[i])
	}
}

// hasStdStream is remotecommand.NewOptions' check.
func hasStdStream(r *http.Request) bool {
	q := r.URL.Query()
	return q.Get("input") == "1" || q.Get("output") == "1" || q.Get("error") == "1"
}

func (st *state) healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprint(w, "ok")
}

func (st *state) stats(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, map[string]any{"node": map[string]any{"nodeName": st.cfg.Host}, "pods": []any{}})
}

func (st *state) metrics(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4")
	fmt.Fprintf(w, "# HELP kubelet_running_pods Number of pods that have a running pod sandbox\n# TYPE kubelet_running_pods gauge\nkubelet_running_pods %d\n", len(st.pods))
}

// podList is the PodList the kubelet serves, env values included.
func (st *state) podList(w http.ResponseWriter, _ *http.Request) {
	items := make([]any, 0, len(st.pods))
	for _, p := range st.pods {
		items = append(items, map[string]any{
			"metadata": map[string]any{"name": p.name, "namespace": p.namespace, "uid": "uid-" + p.name},
			"spec": map[string]any{"containers": []any{map[string]any{"name": p.container, "image": "busybox",
				"env": []any{map[string]any{"name": "DB_PASSWORD", "value": "hunter2"}}}}},
			"status": map[string]any{"phase": "Running"},
		})
	}
	writeJSON(w, map[string]any{"kind": "PodList", "apiVersion": "v1", "metadata": map[string]any{}, "items": items})
}

// configz is the component-base configz body.
func (st *state) configz(w http.ResponseWriter, _ *http.Request) {
	ro := 0
	if st.cfg.ReadOnly {
		ro = 10255
	}
	writeJSON(w, map[string]any{"kubeletconfig": map[string]any{
		"enableServer": true, "port": 10250, "readOnlyPort": ro,
		"authentication": map[string]any{"anonymous": map[string]any{"enabled": st.cfg.Anonymous},
			"webhook": map[string]any{"enabled": true}, "x509": map[string]any{}},
		"authorization":           map[string]any{"mode": st.cfg.Mode},
		"enableDebuggingHandlers": st.cfg.Debug, "enableProfilingHandler": !st.cfg.NoProfiling,
	}})
}

// run would run ?cmd in a real container: the fake never runs anything.
func (st *state) run(w http.ResponseWriter, _ *http.Request, _ pod) {
	w.WriteHeader(http.StatusOK)
}

// stream is exec/attach on a real pod: without Upgrade headers the
// kubelet's upgrade-aware proxy refuses.
func (st *state) stream(w http.ResponseWriter, _ *http.Request, _ pod) {
	http.Error(w, upgradeRequired, http.StatusBadRequest)
}

func (st *state) portForward(w http.ResponseWriter, r *http.Request, p pod) { st.stream(w, r, p) }

func (st *state) containerLogs(w http.ResponseWriter, _ *http.Request, p pod) {
	fmt.Fprintf(w, "log line of %s/%s\n", p.namespace, p.name)
}

func (st *state) checkpoint(w http.ResponseWriter, _ *http.Request, p pod) {
	writeJSON(w, map[string]any{"items": []string{"/var/lib/kubelet/checkpoints/checkpoint-" + p.name + ".tar"}})
}

// pprofIndex answers like net/http/pprof: symbol reports a count, other
// subpaths the profile index.
func pprofIndex(w http.ResponseWriter, r *http.Request) {
	if strings.HasSuffix(r.URL.Path, "/symbol") {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprint(w, "num_symbols: 1\n")
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprint(w, "<html><head><title>/debug/pprof/</title></head><body>Types of profiles available: goroutine heap</body></html>")
}

// flagsHandler is routes.StringFlagPutHandler: only PUT sets the verbosity.
func flagsHandler(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if r.Method != http.MethodPut {
		w.WriteHeader(http.StatusNotAcceptable)
		fmt.Fprintln(w, unsupportedMethod)
		return
	}
	w.WriteHeader(http.StatusOK)
	fmt.Fprintln(w, "successfully set klog.logging.verbosity to 0")
}

// textError answers like http.Error (text plus newline).
func textError(status int, text string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) { http.Error(w, text, status) }
}

// textRestful answers like go-restful (text, no newline).
func textRestful(status int, text string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) { writeRestful(w, status, text) }
}
