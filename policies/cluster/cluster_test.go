// Package cluster_test runs the KA-CLUSTER-* Rego unit tests with OPA's
// tester (through the engine, so the METADATA contract is checked too) and
// evaluates each rule's testdata/rules/<id>/ fixtures.
package cluster_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubelet-audit/kubelet-audit/scanner/engine"
	"github.com/kubelet-audit/kubelet-audit/scanner/facts"
	"github.com/kubelet-audit/kubelet-audit/scanner/finding"
)

const pkgPrefix = "data.kubelet_audit.cluster."

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
	if ran == 0 {
		t.Fatal("no KA-CLUSTER Rego tests ran")
	}
}

// clusterRules are the KA-CLUSTER-* rules of the built-in catalogue.
func clusterRules(t *testing.T, e *engine.Engine) []finding.Rule {
	t.Helper()
	var out []finding.Rule
	for _, r := range e.AllRules() {
		if strings.HasPrefix(r.ID, "KA-CLUSTER-") {
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		t.Fatal("no KA-CLUSTER rules in the catalogue")
	}
	return out
}

func TestRuleMetadata(t *testing.T) {
	e, err := engine.Load(context.Background(), engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range clusterRules(t, e) {
		if r.Title == "" || r.Description == "" || len(r.References) == 0 || len(r.Tags) == 0 {
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
	e, err := engine.Load(context.Background(), engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range clusterRules(t, e) {
		dir := filepath.Join("..", "..", "testdata", "rules", r.ID)
		for _, tc := range []struct {
			file     string
			positive bool
		}{{"positive.facts.json", true}, {"negative.facts.json", false}} {
			t.Run(r.ID+"/"+tc.file, func(t *testing.T) {
				doc := readFacts(t, filepath.Join(dir, tc.file))
				fs, err := e.Evaluate(context.Background(), doc)
				if err != nil {
					t.Fatal(err)
				}
				var hits []finding.Finding
				for _, f := range fs {
					if f.RuleID == r.ID {
						hits = append(hits, f)
					}
				}
				if tc.positive && len(hits) == 0 {
					t.Errorf("%s raised nothing on its positive fixture", r.ID)
				}
				if !tc.positive && len(hits) != 0 {
					t.Errorf("%s raised %d findings on its negative fixture: %+v", r.ID, len(hits), hits)
				}
				for _, f := range hits {
					if f.Severity != r.Severity || f.Message == "" || f.Location.URI == "" {
						t.Errorf("finding %+v", f)
					}
				}
			})
		}
	}
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
	if doc.SchemaVersion != facts.SchemaVersion || doc.Mode != "cluster" {
		t.Fatalf("%s: schemaVersion %q mode %q", path, doc.SchemaVersion, doc.Mode)
	}
	return &doc
}
