// Package kubelet_test runs the KA-KUBELET-* rules end to end on real probe
// results from the fake kubelet. (Rego unit tests, metadata and fixtures are
// checked for every rule in policies/ and scanner/.)
package kubelet_test

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kubelet-audit/kubelet-audit/scanner/engine"
	"github.com/kubelet-audit/kubelet-audit/scanner/facts"
	"github.com/kubelet-audit/kubelet-audit/scanner/kubelet"
	"github.com/kubelet-audit/kubelet-audit/scanner/kubelet/kubelettest"
)

func loadEngine(t *testing.T) *engine.Engine {
	t.Helper()
	e, err := engine.Load(context.Background(), engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestProbeToFindings probes fake kubelets and evaluates the real facts.
func TestProbeToFindings(t *testing.T) {
	e := loadEngine(t)
	opts := kubelet.Options{ConnectTimeout: time.Second, TLSTimeout: 2 * time.Second, RequestTimeout: 2 * time.Second}
	tests := []struct {
		name  string
		cfg   kubelettest.Config
		token string
		want  []string
	}{
		{"locked down", kubelettest.Config{Debug: true, RequestClientCert: true}, "", nil},
		{"anonymous on, denied", kubelettest.Config{Anonymous: true, FineGrained: true, Debug: true, RequestClientCert: true},
			"", []string{"KA-KUBELET-003"}},
		{"anonymous healthz only", kubelettest.Config{Anonymous: true, FineGrained: true, RequestClientCert: true,
			Allow: map[string][]string{"system:anonymous": {"healthz:get"}}}, "", []string{"KA-KUBELET-003"}},
		{"wide open", kubelettest.Config{Anonymous: true, Mode: kubelettest.ModeAlwaysAllow, Debug: true, ReadOnly: true, SelfSigned: true, Pods: 2},
			"", []string{"KA-KUBELET-001", "KA-KUBELET-002", "KA-KUBELET-003", "KA-KUBELET-004", "KA-KUBELET-005", "KA-KUBELET-006", "KA-KUBELET-008"}},
		{"AlwaysAllow behind anonymous off", kubelettest.Config{Mode: kubelettest.ModeAlwaysAllow, RequestClientCert: true, Tokens: []string{"nobody"}},
			"nobody", []string{"KA-KUBELET-007"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := kubelettest.New(t, tt.cfg)
			tgt := kubelet.Target{Host: s.Host(), Port: s.Port(), ReadOnlyPort: s.ReadOnlyPort(), Node: "worker-1"}
			if tgt.ReadOnlyPort == 0 {
				tgt.ReadOnlyPort = kubelettest.ClosedPort(t)
			}
			o := opts
			o.Token, o.AuthProbeOnly = tt.token, tt.token != ""
			doc := facts.New("probe")
			doc.Kubelets = kubelet.Probe(context.Background(), []kubelet.Target{tgt}, o)
			fs, err := e.Evaluate(context.Background(), doc)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range fs {
				if !strings.HasPrefix(f.RuleID, "KA-KUBELET-") {
					continue
				}
				if !slices.Contains(got, f.RuleID) {
					got = append(got, f.RuleID)
				}
				if f.Location.URI != "k8s://node/worker-1:"+strconv.Itoa(s.Port()) || f.Resource.Name != "worker-1" {
					t.Errorf("%s at %+v %+v", f.RuleID, f.Location, f.Resource)
				}
			}
			slices.Sort(got)
			if !slices.Equal(got, tt.want) {
				t.Errorf("rules %v, want %v", got, tt.want)
			}
		})
	}
}
