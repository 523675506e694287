package kubelet

import (
	"slices"
	"strings"
	"testing"
)

func TestAuthorization(t *testing.T) {
	tests := []struct {
		method, path string
		subs         []string
		verb         string
	}{
		// kubelet-facts.md "Endpoints" and pkg/kubelet/server/auth.go.
		{"GET", "/stats/", []string{"stats"}, "get"},
		{"GET", "/stats/summary", []string{"stats"}, "get"},
		{"GET", "/stats", []string{"stats"}, "get"},
		{"GET", "/metrics", []string{"metrics"}, "get"},
		{"GET", "/metrics/cadvisor", []string{"metrics"}, "get"},
		{"GET", "/metrics/probes", []string{"metrics"}, "get"},
		{"GET", "/metrics/resource", []string{"metrics"}, "get"},
		{"GET", "/logs/", []string{"log"}, "get"},
		{"GET", "/logs/syslog", []string{"log"}, "get"},
		{"GET", "/spec/", []string{"spec"}, "get"},
		{"GET", "/pods", []string{"pods", "proxy"}, "get"},
		{"GET", "/pods/", []string{"pods", "proxy"}, "get"},
		{"GET", "/runningpods/", []string{"pods", "proxy"}, "get"},
		{"GET", "/healthz", []string{"healthz", "proxy"}, "get"},
		{"GET", "/healthz/ping", []string{"healthz", "proxy"}, "get"},
		{"GET", "/configz", []string{"configz", "proxy"}, "get"},
		{"GET", "/statusz", []string{"statusz", "proxy"}, "get"},
		{"POST", "/run/ns/pod/c", []string{"proxy"}, "create"},
		{"GET", "/exec/ns/pod/c?command=true&output=1", []string{"proxy"}, "get"},
		{"POST", "/exec/ns/pod/c", []string{"proxy"}, "create"},
		{"GET", "/attach/ns/pod/c", []string{"proxy"}, "get"},
		{"POST", "/portForward/ns/pod", []string{"proxy"}, "create"},
		{"GET", "/containerLogs/ns/pod/c", []string{"proxy"}, "get"},
		{"POST", "/checkpoint/ns/pod/c", []string{"checkpoint"}, "create"},
		{"GET", "/debug/pprof/", []string{"proxy"}, "get"},
		{"GET", "/debug/pprof/heap", []string{"proxy"}, "get"},
		{"GET", "/debug/flags/v", []string{"proxy"}, "get"},
		{"PUT", "/debug/flags/v", []string{"proxy"}, "update"},
		{"PATCH", "/pods", []string{"pods", "proxy"}, "patch"},
		{"DELETE", "/run/a/b/c", []string{"proxy"}, "delete"},
		// The kubelet maps no verb for HEAD: only a '*' verb grant allows it.
		{"HEAD", "/healthz", []string{"healthz", "proxy"}, ""},
		// Prefixes match whole path segments only.
		{"GET", "/podsx", []string{"proxy"}, "get"},
		{"GET", "/metricsfoo", []string{"proxy"}, "get"},
		{"GET", "/statsd", []string{"proxy"}, "get"},
		{"GET", "/", []string{"proxy"}, "get"},
		{"get", "/pods", []string{"pods", "proxy"}, "get"},
	}
	for _, tt := range tests {
		subs, verb := Authorization(tt.method, tt.path)
		if !slices.Equal(subs, tt.subs) || verb != tt.verb {
			t.Errorf("Authorization(%s %s) = %v %q, want %v %q", tt.method, tt.path, subs, verb, tt.subs, tt.verb)
		}
	}
}

// TestEndpointsConsistent checks the catalogue against Authorization, so the
// data table and the mapping cannot drift apart.
func TestEndpointsConsistent(t *testing.T) {
	eps := Endpoints()
	if len(eps) < 20 {
		t.Fatalf("catalogue has %d endpoints", len(eps))
	}
	seen := map[string]bool{}
	for _, e := range eps {
		key := e.Method + " " + e.Path
		if seen[key] {
			t.Errorf("duplicate endpoint %s", key)
		}
		seen[key] = true
		path := strings.NewReplacer("{ns}", "n", "{pod}", "p", "{container}", "c").Replace(e.Path)
		subs, verb := Authorization(e.Method, path)
		want := []string{e.Subresource}
		if e.FineGrained != "" {
			want = []string{e.FineGrained, e.Subresource}
		}
		if !slices.Equal(subs, want) || verb != e.Verb {
			t.Errorf("%s: catalogue says %v %q, Authorization says %v %q", key, want, e.Verb, subs, verb)
		}
		if e.Gives == "" {
			t.Errorf("%s: no Gives text", key)
		}
		if e.Exec != slices.Contains([]string{"run", "exec", "attach", "portForward"}, strings.Split(e.Path, "/")[1]) {
			t.Errorf("%s: Exec = %v", key, e.Exec)
		}
	}
	eps[0].Path = "changed"
	if Endpoints()[0].Path == "changed" {
		t.Error("Endpoints must return a copy")
	}
}

func TestParseTarget(t *testing.T) {
	tests := []struct {
		in      string
		host    string
		port    int
		wantErr bool
	}{
		{"10.0.0.1", "10.0.0.1", 10250, false},
		{"10.0.0.1:11250", "10.0.0.1", 11250, false},
		{"node-1.example", "node-1.example", 10250, false},
		{"node-1.example:443", "node-1.example", 443, false},
		{"[::1]:10250", "::1", 10250, false},
		{"[fd00::5]:9999", "fd00::5", 9999, false},
		{"::1", "::1", 10250, false},
		{"[::1]", "::1", 10250, false},
		{" 127.0.0.1 ", "127.0.0.1", 10250, false},
		{"", "", 0, true},
		{"host:0", "", 0, true},
		{"host:65536", "", 0, true},
		{"host:http", "", 0, true},
		{"https://10.0.0.1:10250", "", 0, true},
		{"[::1", "", 0, true},
		{"a b", "", 0, true},
		{":10250", "", 0, true},
	}
	for _, tt := range tests {
		got, err := ParseTarget(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("ParseTarget(%q) error = %v, wantErr %v", tt.in, err, tt.wantErr)
			continue
		}
		if tt.wantErr {
			continue
		}
		if got.Host != tt.host || got.Port != tt.port || got.ReadOnlyPort != DefaultReadOnlyPort {
			t.Errorf("ParseTarget(%q) = %+v, want host %q port %d read-only 10255", tt.in, got, tt.host, tt.port)
		}
	}
}

func TestTargetLocation(t *testing.T) {
	tests := []struct {
		t    Target
		want string
	}{
		{Target{Host: "10.0.0.1", Port: 10250}, "kubelet://10.0.0.1:10250"},
		{Target{Host: "::1", Port: 10250}, "kubelet://[::1]:10250"},
		{Target{Host: "10.0.0.1", Port: 10250, Node: "worker-1"}, "k8s://node/worker-1:10250"},
	}
	for _, tt := range tests {
		if got := tt.t.String(); got != tt.want {
			t.Errorf("%+v.String() = %q, want %q", tt.t, got, tt.want)
		}
	}
}
