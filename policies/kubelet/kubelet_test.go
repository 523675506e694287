// Package kubelet_test runs the KA-KUBELET-* Rego unit tests through the
// engine (so the METADATA contract is checked too), evaluates each rule's
// testdata/rules/<id>/ fixtures, and runs the rules end to end on real probe
// results from the fake kubelet.
package kubelet_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kubelet-audit/kubelet-audit/scanner/engine"
	"github.com/kubelet-audit/kubelet-audit/scanner/facts"
	"github.com/kubelet-audit/kubelet-audit/scanner/finding"
	"github.com/kubelet-audit/kubelet-audit/scanner/kubelet"
	"github.com/kubelet-audit/kubelet-audit/scanner/kubelet/kubelettest"
)

const pkgPrefix = "data.kubelet_audit.kubelet."

func TestRegoUnitTests(t *testing.T) {
	results, err := engine.Test(context.Background(), nil, true)
	if err != nil {
		t.Fatal(err)
	}
	ran := 0
	for _, r := range results {
		if !strings.HasPrefix(r.Package, pkgPrefix) {
			continue
		}
		ran++
		if r.Outcome() != "PASS" {
			t.Errorf("%s", r)
		}
	}
	if ran < 16 {
		t.Fatalf("only %d KA-KUBELET Rego tests ran", ran)
	}
}

func loadEngine(t *testing.T) *engine.Engine {
	t.Helper()
	e, err := engine.Load(context.Background(), engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// kubeletRules are the KA-KUBELET-* rules of the built-in catalogue.
func kubeletRules(t *testing.T, e *engine.Engine) []finding.Rule {
	t.Helper()
	var out []finding.Rule
	for _, r := range e.AllRules() {
		if strings.HasPrefix(r.ID, "KA-KUBELET-") {
			out = append(out, r)
		}
	}
	if len(out) != 8 {
		t.Fatalf("%d KA-KUBELET rules in the catalogue, want 8", len(out))
	}
	return out
}

func TestRuleMetadata(t *testing.T) {
	want := map[string]finding.Severity{
		"KA-KUBELET-001": finding.SeverityCritical, "KA-KUBELET-002": finding.SeverityCritical,
		"KA-KUBELET-003": finding.SeverityHigh, "KA-KUBELET-004": finding.SeverityHigh,
		"KA-KUBELET-005": finding.SeverityMedium, "KA-KUBELET-006": finding.SeverityMedium,
		"KA-KUBELET-007": finding.SeverityCritical, "KA-KUBELET-008": finding.SeverityLow,
	}
	for _, r := range kubeletRules(t, loadEngine(t)) {
		if r.Severity != want[r.ID] {
			t.Errorf("%s: severity %v, want %v", r.ID, r.Severity, want[r.ID])
		}
		if r.Title == "" || r.Description == "" || len(r.References) == 0 || !slices.Contains(r.Tags, "kubelet") {
			t.Errorf("%s: incomplete metadata %+v", r.ID, r)
		}
		if !strings.HasSuffix(r.Remediation, ".") {
			t.Errorf("%s: remediation must end with a period: %q", r.ID, r.Remediation)
		}
	}
}

// TestFixtures evaluates testdata/rules/<id>/{positive,negative}.facts.json:
// the positive document must raise the rule, the negative one must not.
func TestFixtures(t *testing.T) {
	e := loadEngine(t)
	for _, r := range kubeletRules(t, e) {
		dir := filepath.Join("..", "..", "testdata", "rules", r.ID)
		for _, tc := range []struct {
			file     string
			positive bool
		}{{"positive.facts.json", true}, {"negative.facts.json", false}} {
			t.Run(r.ID+"/"+tc.file, func(t *testing.T) {
				hits := ruleFindings(t, e, readFacts(t, filepath.Join(dir, tc.file)), r.ID)
				if tc.positive && len(hits) == 0 {
					t.Errorf("%s raised nothing on its positive fixture", r.ID)
				}
				if !tc.positive && len(hits) != 0 {
					t.Errorf("%s raised %d findings on its negative fixture: %+v", r.ID, len(hits), hits)
				}
				for _, f := range hits {
					if f.Severity != r.Severity || f.Message == "" || f.Location.URI == "" || f.Resource.Kind != "Node" || len(f.Evidence) == 0 {
						t.Errorf("finding %+v", f)
					}
				}
			})
		}
	}
}

func ruleFindings(t *testing.T, e *engine.Engine, doc *facts.Document, id string) []finding.Finding {
	t.Helper()
	fs, err := e.Evaluate(context.Background(), doc)
	if err != nil {
		t.Fatal(err)
	}
	var hits []finding.Finding
	for _, f := range fs {
		if f.RuleID == id {
			hits = append(hits, f)
		}
	}
	return hits
}

// readFacts decodes a whole facts document, rejecting unknown fields so the
// fixtures stay in step with the facts schema.
func readFacts(t *testing.T, path string) *facts.Document {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var doc facts.Document
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if doc.SchemaVersion != facts.SchemaVersion || doc.Mode != "probe" || len(doc.Kubelets) == 0 {
		t.Fatalf("%s: schemaVersion %q mode %q, %d kubelets", path, doc.SchemaVersion, doc.Mode, len(doc.Kubelets))
	}
	return &doc
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
				tgt.ReadOnlyPort = closedPort(t)
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
				if f.Location.URI != "k8s://node/worker-1:"+itoa(s.Port()) || f.Resource.Name != "worker-1" {
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
