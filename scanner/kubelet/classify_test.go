package kubelet

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		name    string
		path    string
		status  int
		body    string
		outcome string
		user    string
		verb    string
		subs    []string
	}{
		{"401", "/pods", 401, "Unauthorized", "unauthenticated", "", "", nil},
		{"403 single form", "/pods", 403, "Forbidden (user=system:anonymous, verb=get, resource=nodes, subresource=proxy)",
			"forbidden", "system:anonymous", "get", []string{"proxy"}},
		{"403 fine-grained form", "/pods", 403, "Forbidden (user=system:anonymous, verb=get, resource=nodes, subresource(s)=[pods proxy])",
			"forbidden", "system:anonymous", "get", []string{"pods", "proxy"}},
		{"403 service account create", "/run/a/b/c", 403,
			"Forbidden (user=system:serviceaccount:default:attacker, verb=create, resource=nodes, subresource(s)=[proxy])",
			"forbidden", "system:serviceaccount:default:attacker", "create", []string{"proxy"}},
		{"403 not the kubelet's format names nobody", "/pods", 403, "<html>403 Forbidden by WAF</html>", "forbidden", "", "", nil},
		{"200", "/healthz", 200, "ok", "allowed", "", "", nil},
		{"204", "/healthz", 204, "", "allowed", "", "", nil},
		{"404 pod missing on run", "/run/a/b/c", 404, "pod does not exist", "exec-authorized", "", "", nil},
		{"404 pod missing on exec", "/exec/a/b/c", 404, "pod does not exist", "exec-authorized", "", "", nil},
		{"404 containerLogs names the pod", "/containerLogs/a/b/c", 404, `pod "b" does not exist`, "exec-authorized", "", "", nil},
		{"404 pod missing on a data path is not exec", "/pods", 404, "pod does not exist", "unexpected", "", "", nil},
		{"404 ServeMux", "/configz", 404, "404 page not found\n", "not-found", "", "", nil},
		{"404 go-restful", "/pods/x", 404, "404: Page Not Found", "not-found", "", "", nil},
		{"404 other", "/run/a/b/c", 404, "nope", "unexpected", "", "", nil},
		{"405 debug disabled", "/run/a/b/c", 405, "Debug endpoints are disabled.\n", "debug-disabled", "", "", nil},
		{"405 profiling disabled", "/debug/pprof/", 405, "profiling endpoint is disabled.\n", "debug-disabled", "", "", nil},
		{"405 go-restful method", "/run/a/b/c", 405, "405: Method Not Allowed", "unexpected", "", "", nil},
		{"406 flags handler", "/debug/flags/v", 406, "unsupported http method\n", "method-rejected", "", "", nil},
		{"302 never followed", "/pods", 302, "", "unexpected", "", "", nil},
		{"500 authorization error", "/pods", 500, "Authorization error (user=x, verb=get, resource=nodes, subresource=proxy)", "unexpected", "", "", nil},
	}
	for _, tt := range tests {
		a := classify(tt.path, tt.status, []byte(tt.body))
		if a.outcome != tt.outcome || a.user != tt.user || a.verb != tt.verb || !slices.Equal(a.subresources, tt.subs) {
			t.Errorf("%s: classify = %+v, want %s user=%q verb=%q subs=%v", tt.name, a, tt.outcome, tt.user, tt.verb, tt.subs)
		}
	}
}

func TestExcerpt(t *testing.T) {
	tests := []struct{ in, want string }{
		{"ok", "ok"},
		{"  a\n\n\tb  ", "a b"},
		{"bin\x00\x01ary", "bin..ary"},
		{"bad \xff utf8", "bad . utf8"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := excerpt([]byte(tt.in)); got != tt.want {
			t.Errorf("excerpt(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	long := excerpt([]byte(strings.Repeat("é", 500)))
	if len(long) > excerptMax || !strings.HasSuffix(long, "…") || !utf8.ValidString(long) {
		t.Errorf("long excerpt: %d bytes, valid=%v, %q", len(long), utf8.ValidString(long), long[len(long)-8:])
	}
}

func TestCountPods(t *testing.T) {
	tests := []struct {
		body      string
		truncated bool
		want      int
	}{
		{`{"kind":"PodList","apiVersion":"v1","metadata":{},"items":[{"a":{"b":[1,2,{"c":3}]}},{},{"x":"]"}]}`, false, 3},
		{`{"items":[]}`, false, 0},
		{`{"items":null}`, false, 0},
		{`{"metadata":{"items":[1,2]},"items":[1]}`, false, 1},
		{`{"items":[{"a":1},{"b":`, false, -1},
		{`{"items":[1,2]}`, true, -1},
		{`[1,2]`, false, -1},
		{`{"kind":"Status"}`, false, -1},
		{`{"items":{}}`, false, -1},
		{`not json`, false, -1},
	}
	for _, tt := range tests {
		if got := countPods([]byte(tt.body), tt.truncated); got != tt.want {
			t.Errorf("countPods(%q, %v) = %d, want %d", tt.body, tt.truncated, got, tt.want)
		}
	}
}
