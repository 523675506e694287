package reports

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/owenrumney/go-sarif/v3/pkg/report/v210/sarif"

	"github.com/kubelet-audit/kubelet-audit/scanner/finding"
)

// encodeWith encodes v as the writers did before jsonEnc: json.Encoder
// with SetIndent(prefix, "  "), without the trailing newline.
func encodeWith(t *testing.T, v any, prefix string, html bool) string {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent(prefix, "  ")
	enc.SetEscapeHTML(html)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return string(bytes.TrimSuffix(b.Bytes(), []byte("\n")))
}

// trickyStrings exercise every escaping rule of encoding/json.
var trickyStrings = []string{
	"", "plain", `quote " and \ backslash`, "a <b> & c -> d", "tab\tnl\ncr\rbs\bff\f", "\x00\x01\x1f\x7f",
	"unicode é ü 日本", "line sep \u2028 para sep \u2029", "bad utf8 \xff\xfe end", "cut rune \xe6\x97", "emoji 🙂",
}

// TestJSONEncTypesUnchanged fails when a type jsonEnc writes by hand
// gains or loses a field: the writers (finding, access, location, and the
// SARIF result properties) must then be updated with it.
func TestJSONEncTypesUnchanged(t *testing.T) {
	for _, tt := range []struct {
		v      any
		fields int
	}{
		{finding.Finding{}, 14}, {finding.Access{}, 8}, {finding.Location{}, 4}, {finding.Resource{}, 3},
	} {
		if n := reflect.TypeOf(tt.v).NumField(); n != tt.fields {
			t.Errorf("%T has %d fields, jsonEnc writes %d: update reports/jsonenc.go (and sarif.go)", tt.v, n, tt.fields)
		}
	}
}

// encFindings covers every member, omitted and present, and the escapes.
func encFindings() []finding.Finding {
	full := finding.Finding{
		RuleID: "KA-1", Severity: finding.SeverityCritical, Title: "t <1>", Message: "m & \"q\"", Subject: "User:a",
		Resource: finding.Resource{Kind: "ClusterRole", Namespace: "ns", Name: "r"},
		Location: finding.Location{File: "dir/a b.yaml", Line: 3, Column: 7, URI: "k8s://x"},
		Path:     "A -> B", Evidence: map[string]string{"z": "1", "a": "<2>", "m": "\u2028"},
		Remediation: "fix", References: []string{"https://x/y?a=1&b=2", "text"},
		Status: finding.StatusSuppressed, StatusReason: "owned & ok", Fingerprint: "abc",
	}
	out := []finding.Finding{full, {}, {Severity: finding.Severity(9), Evidence: map[string]string{}, References: []string{}}}
	for i, s := range trickyStrings {
		out = append(out, finding.Finding{
			RuleID: "KA-" + s, Title: s, Message: s, Subject: s, Resource: finding.Resource{Kind: s, Name: s},
			Location: finding.Location{URI: s}, Path: s, Evidence: map[string]string{s: s}, Severity: finding.Severity(i % 6),
			Status: []string{"", finding.StatusOpen, finding.StatusBaselined}[i%3], StatusReason: s, Fingerprint: s,
		})
	}
	return out
}

func TestJSONEncMatchesEncoding(t *testing.T) {
	accesses := []finding.Access{
		{}, {Subject: "s", Subresource: "proxy", Verbs: []string{"get"}, Nodes: []string{"n1"}, Binding: "b <x>", Role: "r",
			Location: finding.Location{File: "f", Line: 2}, Workloads: []string{"Deployment/a & b"}},
		{Verbs: []string{}, Nodes: []string{}, Workloads: []string{}},
	}
	for _, prefix := range []string{"", "    "} {
		for _, html := range []bool{false, true} {
			e := &jsonEnc{html: html, prefix: prefix}
			for i := range encFindings() {
				f := encFindings()[i]
				e.reset()
				e.finding(&f)
				if got, want := string(e.b), encodeWith(t, &f, prefix, html); got != want {
					t.Errorf("finding %d (html=%v):\n got %s\nwant %s", i, html, got, want)
				}
			}
			for i := range accesses {
				e.reset()
				e.access(&accesses[i])
				if got, want := string(e.b), encodeWith(t, &accesses[i], prefix, html); got != want {
					t.Errorf("access %d (html=%v):\n got %s\nwant %s", i, html, got, want)
				}
			}
		}
	}
}

// TestSARIFResultMatchesGoSARIF compares the hand-written results with
// the go-sarif objects they stand for (referenceResult), for every kind
// of location, status and property.
func TestSARIFResultMatchesGoSARIF(t *testing.T) {
	fs := encFindings()
	for _, loc := range []finding.Location{
		{File: "manifests/a.yaml", Line: 4, Column: 2}, {File: "manifests/a.yaml", Line: 4}, {File: "manifests/a.yaml"},
		{File: "/elsewhere/x y.yaml", Line: 1}, {File: "../up.yaml", Line: 9}, {File: "-", Line: 3}, {URI: "k8s://node/n1:10250"},
	} {
		for _, res := range []finding.Resource{{}, {Kind: "Node", Name: "n1"}, {Name: "only-name"}, {Kind: "Role", Namespace: "a b", Name: "r/x"}} {
			fs = append(fs, finding.Finding{RuleID: "KA-L", Severity: finding.SeverityMedium, Title: "title only", Location: loc, Resource: res,
				Status: finding.StatusBaselined, Fingerprint: "fp"})
		}
	}
	for _, root := range []string{"", "manifests"} {
		se := &sarifEnc{root: root, uris: map[string]artifact{}}
		e := &jsonEnc{html: true, prefix: "        "}
		for i := range fs {
			e.reset()
			se.result(e, &fs[i], i)
			want := encodeWith(t, referenceResult(fs[i], i, root), e.prefix, true)
			if got := string(e.b); got != want {
				t.Errorf("root %q, finding %d:\n got %s\nwant %s", root, i, got, want)
			}
		}
	}
}

// referenceResult builds the go-sarif Result of a finding, as the SARIF
// writer did before writing results by hand.
func referenceResult(f finding.Finding, ruleIndex int, root string) *sarif.Result {
	props := sarif.NewPropertyBag().Add("severity", f.Severity.String()).Add("status", nonEmpty(f.Status, finding.StatusOpen))
	for key, val := range map[string]string{"subject": f.Subject, "path": f.Path, "statusReason": f.StatusReason} {
		if val != "" {
			props.Add(key, val)
		}
	}
	if f.Resource.Kind != "" || f.Resource.Name != "" {
		props.Add("resource", f.Resource.String())
	}
	if len(f.Evidence) > 0 {
		props.Add("evidence", f.Evidence)
	}
	res := sarif.NewRuleResult(f.RuleID).WithRuleIndex(ruleIndex).WithLevel(sarifLevel(f.Severity)).
		WithMessage(sarif.NewTextMessage(findingMessage(f))).WithProperties(props)
	if loc := referenceLocation(f, root); loc != nil {
		res.AddLocation(loc)
	}
	if f.Fingerprint != "" {
		res.WithPartialFingerprints(map[string]string{FingerprintKey: f.Fingerprint})
	}
	kind := map[string]string{finding.StatusSuppressed: "inSource", finding.StatusBaselined: "external"}[f.Status]
	if kind != "" {
		s := sarif.NewSuppression().WithKind(kind).WithStatus("accepted")
		if f.StatusReason != "" {
			s.WithJustification(f.StatusReason)
		}
		res.AddSuppression(s)
	}
	return res
}

func referenceLocation(f finding.Finding, root string) *sarif.Location {
	loc := sarif.NewLocation()
	switch {
	case f.Location.File != "" && f.Location.File != "-":
		loc.WithPhysicalLocation(physicalLocation(f.Location.File, f.Location.Line, f.Location.Column, root))
	case f.Location.URI != "":
		loc.WithPhysicalLocation(sarif.NewPhysicalLocation().WithArtifactLocation(sarif.NewSimpleArtifactLocation(f.Location.URI)))
	case f.Resource.Name != "":
		loc.WithPhysicalLocation(sarif.NewPhysicalLocation().WithArtifactLocation(sarif.NewSimpleArtifactLocation(resourceURI(f.Resource))))
	default:
		return nil
	}
	if f.Resource.Name != "" {
		loc.AddLogicalLocation(sarif.NewLogicalLocation().WithName(f.Resource.Name).
			WithFullyQualifiedName(nonEmpty(f.Location.URI, f.Resource.String())).WithKind(nonEmpty(f.Resource.Kind, "resource")))
	}
	return loc
}
