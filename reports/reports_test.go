package reports

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/kubelet-audit/kubelet-audit/reports/sariftest"
	"github.com/kubelet-audit/kubelet-audit/scanner/finding"
)

func TestNew(t *testing.T) {
	for _, f := range append(Formats(), "JSON", " Sarif ") {
		if w, err := New(f, Options{}); err != nil || w == nil {
			t.Errorf("New(%q) = %v, %v; want a writer", f, w, err)
		}
	}
	_, err := New("xml", Options{})
	if err == nil {
		t.Fatal("New(xml) succeeded; want an error")
	}
	for _, f := range Formats() {
		if !strings.Contains(err.Error(), f) {
			t.Errorf("error %q does not list format %q", err, f)
		}
	}
}

func TestFormatsAreDistinctWriters(t *testing.T) {
	outputs := map[string]string{}
	for _, f := range Formats() {
		out := string(render(t, f, Options{}, fixtureReport()))
		for other, prev := range outputs {
			if prev == out {
				t.Errorf("formats %s and %s render identical output", f, other)
			}
		}
		outputs[f] = out
	}
}

// TestEmptyReport renders nil and empty reports in every format.
func TestEmptyReport(t *testing.T) {
	for _, r := range []*finding.Report{nil, {}} {
		for _, f := range Formats() {
			out := render(t, f, Options{}, r)
			if len(out) == 0 {
				t.Errorf("%s: empty output for an empty report", f)
			}
			if f == FormatSARIF {
				if err := sariftest.Validate(out); err != nil {
					t.Errorf("empty SARIF invalid: %v", err)
				}
			}
		}
	}
	checks := map[string]string{
		FormatTable:    "No findings.",
		FormatMarkdown: "no open findings",
		FormatHTML:     "No subject reaches a node subresource",
	}
	for f, want := range checks {
		if out := string(render(t, f, Options{}, &finding.Report{})); !strings.Contains(out, want) {
			t.Errorf("%s: empty report lacks %q:\n%s", f, want, out)
		}
	}
}

// TestWritersDoNotMutate guards the contract that writers only read the report.
func TestWritersDoNotMutate(t *testing.T) {
	for _, f := range Formats() {
		r := fixtureReport()
		before := fixtureReport()
		render(t, f, Options{Root: fixtureRoot}, r)
		if !reflect.DeepEqual(r, before) {
			t.Errorf("%s writer mutated the report", f)
		}
	}
}

// TestDeterministic shuffles every slice of the report: output must not change.
func TestDeterministic(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, f := range Formats() {
		want := render(t, f, Options{Root: fixtureRoot}, fixtureReport())
		for range 5 {
			r := fixtureReport()
			rng.Shuffle(len(r.Findings), func(i, j int) { r.Findings[i], r.Findings[j] = r.Findings[j], r.Findings[i] })
			rng.Shuffle(len(r.Rules), func(i, j int) { r.Rules[i], r.Rules[j] = r.Rules[j], r.Rules[i] })
			rng.Shuffle(len(r.Errors), func(i, j int) { r.Errors[i], r.Errors[j] = r.Errors[j], r.Errors[i] })
			rng.Shuffle(len(r.Access), func(i, j int) { r.Access[i], r.Access[j] = r.Access[j], r.Access[i] })
			if got := render(t, f, Options{Root: fixtureRoot}, r); !bytes.Equal(got, want) {
				t.Fatalf("%s output depends on input order", f)
			}
		}
	}
}

func TestJSONNilSlicesAreEmptyArrays(t *testing.T) {
	out := render(t, FormatJSON, Options{}, &finding.Report{Access: []finding.Access{{Subject: "User:a"}}})
	var m map[string]json.RawMessage
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"rules", "findings", "errors"} {
		if string(m[key]) != "[]" {
			t.Errorf("%s = %s; want []", key, m[key])
		}
	}
	var access []map[string]json.RawMessage
	if err := json.Unmarshal(m["access"], &access); err != nil || len(access) != 1 {
		t.Fatalf("access = %s (%v)", m["access"], err)
	}
	if string(access[0]["verbs"]) != "[]" {
		t.Errorf("access[0].verbs = %s; want []", access[0]["verbs"])
	}
	if !bytes.HasPrefix(out, []byte("{\n  \"schemaVersion\": \""+finding.SchemaVersion+"\"")) {
		t.Errorf("json is not two-space indented or lacks schemaVersion:\n%s", out)
	}
}

// TestJSONRoundTrip decodes the output back into the model: the json tags
// are the contract, so nothing may be lost or renamed.
func TestJSONRoundTrip(t *testing.T) {
	out := render(t, FormatJSON, Options{}, fixtureReport())
	var got finding.Report
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	want := normalize(fixtureReport())
	if !reflect.DeepEqual(&got, want) {
		t.Errorf("round trip differs:\n got %+v\nwant %+v", got, *want)
	}
	if got.Summary.Open != 6 || got.Summary.Suppressed != 1 || got.Summary.Baselined != 1 || got.Summary.Errors != 3 || !got.Summary.Partial {
		t.Errorf("summary = %+v", got.Summary)
	}
	if !bytes.Contains(out, []byte("debug (rule #1 at manifests/debug.yaml:8) -> nodes/proxy")) {
		t.Error("json escapes > in paths; want it readable")
	}
}

// TestNormalizeSharesSortedSlices: findings and access edges that are
// already in report order (as scans hand them over) are used as they are,
// not copied once per format; shuffled ones are sorted in a copy.
func TestNormalizeSharesSortedSlices(t *testing.T) {
	sorted := normalize(fixtureReport())
	if len(sorted.Findings) < 2 || len(sorted.Access) < 2 {
		t.Fatal("fixture needs two findings and two access edges")
	}
	again := normalize(sorted)
	if &again.Findings[0] != &sorted.Findings[0] || &again.Access[0] != &sorted.Access[0] {
		t.Error("normalize copied findings or access edges that were already sorted")
	}
	r := fixtureReport()
	r.Findings = slices.Clone(sorted.Findings)
	r.Access = slices.Clone(sorted.Access)
	slices.Reverse(r.Findings)
	slices.Reverse(r.Access)
	n := normalize(r)
	if &n.Findings[0] == &r.Findings[0] || &n.Access[0] == &r.Access[0] {
		t.Fatal("normalize sorted the caller's slices in place")
	}
	if !reflect.DeepEqual(n.Findings, sorted.Findings) || !reflect.DeepEqual(n.Access, sorted.Access) {
		t.Error("reversed findings or access edges normalize to a different order")
	}
}
