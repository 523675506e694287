package reports

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/kubelet-audit/kubelet-audit/reports/sariftest"
	"github.com/kubelet-audit/kubelet-audit/scanner/finding"
)

// sarifLog is the subset of SARIF the tests inspect.
type sarifLog struct {
	Runs []struct {
		Tool struct {
			Driver struct {
				Name            string           `json:"name"`
				Version         string           `json:"version"`
				SemanticVersion string           `json:"semanticVersion"`
				InformationURI  string           `json:"informationUri"`
				Rules           []map[string]any `json:"rules"`
			} `json:"driver"`
		} `json:"tool"`
		Results     []sarifTestResult `json:"results"`
		Invocations []struct {
			ExecutionSuccessful bool `json:"executionSuccessful"`
			Notifications       []struct {
				Level     string                `json:"level"`
				Message   struct{ Text string } `json:"message"`
				Locations []sarifTestLoc        `json:"locations"`
			} `json:"toolExecutionNotifications"`
		} `json:"invocations"`
	} `json:"runs"`
}

type sarifTestResult struct {
	RuleID              string                `json:"ruleId"`
	RuleIndex           int                   `json:"ruleIndex"`
	Level               string                `json:"level"`
	Message             struct{ Text string } `json:"message"`
	Locations           []sarifTestLoc        `json:"locations"`
	PartialFingerprints map[string]string     `json:"partialFingerprints"`
	Suppressions        []struct {
		Kind          string `json:"kind"`
		Status        string `json:"status"`
		Justification string `json:"justification"`
	} `json:"suppressions"`
	Properties map[string]any `json:"properties"`
}

type sarifTestLoc struct {
	PhysicalLocation struct {
		ArtifactLocation struct {
			URI       string `json:"uri"`
			URIBaseID string `json:"uriBaseId"`
		} `json:"artifactLocation"`
		Region *struct {
			StartLine   int `json:"startLine"`
			StartColumn int `json:"startColumn"`
		} `json:"region"`
	} `json:"physicalLocation"`
	LogicalLocations []struct {
		Name               string `json:"name"`
		FullyQualifiedName string `json:"fullyQualifiedName"`
		Kind               string `json:"kind"`
	} `json:"logicalLocations"`
}

func decodeSARIF(t *testing.T, r *finding.Report, root string) sarifLog {
	t.Helper()
	out := render(t, FormatSARIF, Options{Root: root}, r)
	if err := sariftest.Validate(out); err != nil {
		t.Fatalf("SARIF invalid: %v", err)
	}
	var l sarifLog
	if err := json.Unmarshal(out, &l); err != nil {
		t.Fatal(err)
	}
	if len(l.Runs) != 1 {
		t.Fatalf("%d runs; want 1", len(l.Runs))
	}
	return l
}

// resultFor returns the result carrying fingerprint fp.
func resultFor(t *testing.T, l sarifLog, fp string) sarifTestResult {
	t.Helper()
	for _, r := range l.Runs[0].Results {
		if r.PartialFingerprints[FingerprintKey] == fp {
			return r
		}
	}
	t.Fatalf("no result with fingerprint %s", fp)
	return sarifTestResult{}
}

func TestSARIFRules(t *testing.T) {
	l := decodeSARIF(t, fixtureReport(), fixtureRoot)
	run := l.Runs[0]
	drv := run.Tool.Driver
	if drv.Name != "kubelet-audit" || drv.Version != "v1.2.3" || drv.SemanticVersion != "1.2.3" || drv.InformationURI == "" {
		t.Errorf("driver = %+v", drv)
	}
	ids := map[string]map[string]any{}
	for _, r := range drv.Rules {
		id := r["id"].(string)
		if ids[id] != nil {
			t.Errorf("rule %s listed twice", id)
		}
		ids[id] = r
	}
	for _, res := range run.Results {
		rule := ids[res.RuleID]
		if rule == nil {
			t.Fatalf("result rule %s has no rule entry", res.RuleID)
		}
		if drv.Rules[res.RuleIndex]["id"] != res.RuleID {
			t.Errorf("ruleIndex %d of %s points at %v", res.RuleIndex, res.RuleID, drv.Rules[res.RuleIndex]["id"])
		}
	}
	if len(ids) != 6 {
		t.Errorf("%d rules; want the 5 catalogue rules plus KA-CUSTOM-001", len(ids))
	}
	rule := ids["KA-RBAC-001"]
	props := rule["properties"].(map[string]any)
	if props["security-severity"] != "9.5" || props["precision"] != "high" {
		t.Errorf("KA-RBAC-001 properties = %v", props)
	}
	if tags := props["tags"].([]any); tags[0] != "security" || len(tags) != 3 {
		t.Errorf("tags = %v; want security first plus the rule tags", tags)
	}
	if rule["name"] != "NodesProxyGrantedToABroadGroupOrAWorkload" || rule["helpUri"] != "https://kubernetes.io/docs/reference/access-authn-authz/kubelet-authn-authz/" {
		t.Errorf("name/helpUri = %v / %v", rule["name"], rule["helpUri"])
	}
	help := rule["help"].(map[string]any)
	if !strings.Contains(help["markdown"].(string), "**Remediation:** Remove nodes/proxy") || !strings.Contains(help["text"].(string), "CIS 5.1.x") {
		t.Errorf("help = %v", help)
	}
	custom := ids["KA-CUSTOM-001"]
	if custom["shortDescription"].(map[string]any)["text"] != "Custom: look-alike resource" ||
		custom["properties"].(map[string]any)["security-severity"] != "3.0" {
		t.Errorf("rule synthesized from the finding = %v", custom)
	}
	if _, ok := ids["KA-KUBELET-001"]["helpUri"]; !ok {
		t.Error("helpUri missing")
	}
	if _, ok := ids["KA-RBAC-002"]["helpUri"]; ok {
		t.Error("helpUri set for a rule without references")
	}
}

func TestSARIFLevels(t *testing.T) {
	tests := map[finding.Severity]string{
		finding.SeverityCritical: "error", finding.SeverityHigh: "error", finding.SeverityMedium: "warning",
		finding.SeverityLow: "note", finding.SeverityInfo: "note", finding.SeverityNone: "note",
	}
	for sev, want := range tests {
		if got := sarifLevel(sev); got != want {
			t.Errorf("sarifLevel(%s) = %s; want %s", sev, got, want)
		}
	}
	l := decodeSARIF(t, fixtureReport(), fixtureRoot)
	if got := resultFor(t, l, "d4e5f60718293a4b").Level; got != "warning" {
		t.Errorf("medium finding level = %s", got)
	}
}

func TestSARIFLocations(t *testing.T) {
	l := decodeSARIF(t, fixtureReport(), fixtureRoot)
	file := resultFor(t, l, "a1b2c3d4e5f60718").Locations[0]
	if al := file.PhysicalLocation.ArtifactLocation; al.URI != "manifests/debug.yaml" || al.URIBaseID != SrcRoot {
		t.Errorf("file artifact = %+v", al)
	}
	if r := file.PhysicalLocation.Region; r == nil || r.StartLine != 12 || r.StartColumn != 3 {
		t.Errorf("region = %+v", r)
	}
	spaced := resultFor(t, l, "a1b2c3d4e5f60719").Locations[0].PhysicalLocation.ArtifactLocation
	if spaced.URI != "manifests/anon%20proxy.yaml" {
		t.Errorf("path with a space = %q; want percent-encoded", spaced.URI)
	}
	outside := resultFor(t, l, "e5f60718293a4b5c").Locations[0].PhysicalLocation.ArtifactLocation
	if outside.URI != "file:///tmp/extra/role.yaml" || outside.URIBaseID != "" {
		t.Errorf("file outside root = %+v", outside)
	}
	live := resultFor(t, l, "c0ffee0000000001").Locations[0]
	if live.PhysicalLocation.ArtifactLocation.URI != "k8s://node/worker-1:10250" || live.PhysicalLocation.Region != nil {
		t.Errorf("live artifact = %+v", live.PhysicalLocation)
	}
	if len(live.LogicalLocations) != 1 || live.LogicalLocations[0].Name != "worker-1" ||
		live.LogicalLocations[0].FullyQualifiedName != "k8s://node/worker-1:10250" || live.LogicalLocations[0].Kind != "Node" {
		t.Errorf("live logical location = %+v", live.LogicalLocations)
	}
}

func TestSARIFFallbackLocation(t *testing.T) {
	r := &finding.Report{Findings: []finding.Finding{
		{RuleID: "R1", Severity: finding.SeverityHigh, Resource: finding.Resource{Kind: "RoleBinding", Namespace: "ns", Name: "rb"}, Fingerprint: "x"},
		{RuleID: "R1", Severity: finding.SeverityHigh, Location: finding.Location{File: "-", Line: 3}, Resource: finding.Resource{Kind: "Role", Name: "r"}, Fingerprint: "y"},
		{RuleID: "R1", Severity: finding.SeverityHigh, Fingerprint: "z"},
	}}
	l := decodeSARIF(t, r, "")
	if got := resultFor(t, l, "x").Locations[0].PhysicalLocation.ArtifactLocation.URI; got != "k8s://rolebinding/ns/rb" {
		t.Errorf("fallback uri = %q", got)
	}
	if got := resultFor(t, l, "y").Locations[0].PhysicalLocation.ArtifactLocation.URI; got != "k8s://role/r" {
		t.Errorf("stdin finding uri = %q; want the resource URI, not a file", got)
	}
	if got := resultFor(t, l, "z").Locations; len(got) != 0 {
		t.Errorf("finding without any location got %+v", got)
	}
}

func TestSARIFSuppressionsAndProperties(t *testing.T) {
	l := decodeSARIF(t, fixtureReport(), fixtureRoot)
	tests := []struct {
		fp, kind, justification string
	}{
		{"b2c3d4e5f6071829", "inSource", "break-glass account, reviewed 2024-05 by SRE"},
		{"3b1f0c9e8d7a6b5c", "external", "in baseline .kubelet-audit-baseline.json"},
		{"a1b2c3d4e5f60718", "", ""},
	}
	for _, tt := range tests {
		res := resultFor(t, l, tt.fp)
		if tt.kind == "" {
			if len(res.Suppressions) != 0 {
				t.Errorf("%s: open finding suppressed: %+v", tt.fp, res.Suppressions)
			}
			continue
		}
		if len(res.Suppressions) != 1 || res.Suppressions[0].Kind != tt.kind ||
			res.Suppressions[0].Justification != tt.justification || res.Suppressions[0].Status != "accepted" {
			t.Errorf("%s: suppressions = %+v", tt.fp, res.Suppressions)
		}
	}
	props := resultFor(t, l, "a1b2c3d4e5f60718").Properties
	if props["subject"] != "ServiceAccount:tools/debug" || !strings.HasPrefix(props["path"].(string), "ClusterRoleBinding debug-proxy -> ") ||
		props["evidence"].(map[string]any)["verbs"] != "get,create" {
		t.Errorf("properties = %v", props)
	}
}

func TestSARIFInvocation(t *testing.T) {
	l := decodeSARIF(t, fixtureReport(), fixtureRoot)
	inv := l.Runs[0].Invocations[0]
	if inv.ExecutionSuccessful {
		t.Error("executionSuccessful with scan errors")
	}
	if len(inv.Notifications) != 3 {
		t.Fatalf("%d notifications; want one per scan error", len(inv.Notifications))
	}
	levels := map[string]string{}
	for _, n := range inv.Notifications {
		levels[strings.SplitN(n.Message.Text, ":", 2)[0]] = n.Level
	}
	if levels["load"] != "error" || levels["probe"] != "error" || levels["resolve"] != "warning" {
		t.Errorf("notification levels = %v", levels)
	}
	broken := inv.Notifications[1]
	if len(broken.Locations) != 1 || broken.Locations[0].PhysicalLocation.ArtifactLocation.URI != "manifests/broken.yaml" ||
		broken.Locations[0].PhysicalLocation.Region.StartLine != 7 {
		t.Errorf("load error location = %+v", broken.Locations)
	}
	if probe := inv.Notifications[2]; len(probe.Locations) != 0 {
		t.Errorf("probe error without a line got a location: %+v", probe.Locations)
	}
	clean := decodeSARIF(t, &finding.Report{}, "")
	if inv := clean.Runs[0].Invocations[0]; !inv.ExecutionSuccessful || len(inv.Notifications) != 0 {
		t.Errorf("clean scan invocation = %+v", inv)
	}
}

func TestSARIFToolDefaults(t *testing.T) {
	l := decodeSARIF(t, &finding.Report{Tool: finding.Tool{Version: "dev"}}, "")
	drv := l.Runs[0].Tool.Driver
	if drv.Name != ToolName || drv.Version != "dev" || drv.SemanticVersion != "" || drv.InformationURI != ToolURI {
		t.Errorf("driver defaults = %+v", drv)
	}
}

func TestSemanticVersion(t *testing.T) {
	tests := map[string]string{"1.2.3": "1.2.3", "v0.4.0-rc.1+g1a2b": "0.4.0-rc.1+g1a2b", "dev": "", "v1.2": "", "1a2b3c4-dirty": ""}
	for in, want := range tests {
		got, ok := semanticVersion(in)
		if got != want || ok != (want != "") {
			t.Errorf("semanticVersion(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}

func TestArtifactURI(t *testing.T) {
	tests := []struct {
		file, root, uri string
		relative        bool
	}{
		{"/src/repo/a/b.yaml", "/src/repo", "a/b.yaml", true},
		{"/src/repo/a/b.yaml", "/src/repo/", "a/b.yaml", true},
		{"/src/other/b.yaml", "/src/repo", "file:///src/other/b.yaml", false},
		{"/src/repo2/b.yaml", "/src/repo", "file:///src/repo2/b.yaml", false},
		{"a/b c.yaml", "", "a/b%20c.yaml", true},
		{"./a/../b.yaml", "", "b.yaml", true},
		{"x:y.yaml", "", "./x:y.yaml", true},
		{"/abs/b.yaml", "", "file:///abs/b.yaml", false},
		{"a/b.yaml", "a", "b.yaml", true},
	}
	for _, tt := range tests {
		uri, rel := artifactURI(tt.file, tt.root)
		if uri != tt.uri || rel != tt.relative {
			t.Errorf("artifactURI(%q, %q) = %q, %v; want %q, %v", tt.file, tt.root, uri, rel, tt.uri, tt.relative)
		}
	}
}

func TestCamelCase(t *testing.T) {
	tests := map[string]string{
		"nodes/proxy granted to anyone": "NodesProxyGrantedToAnyone",
		"KA-RBAC-001":                   "KARBAC001",
		"":                              "",
		"über access":                   "ÜberAccess",
	}
	for in, want := range tests {
		if got := camelCase(in); got != want {
			t.Errorf("camelCase(%q) = %q; want %q", in, got, want)
		}
	}
}
