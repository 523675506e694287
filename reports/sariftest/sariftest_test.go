package sariftest

import (
	"strings"
	"testing"
)

// valid is a minimal SARIF log that meets the schema and the contract.
const valid = `{
  "version": "2.1.0",
  "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
  "runs": [{
    "tool": {"driver": {"name": "kubelet-audit", "version": "1.0.0",
      "rules": [{"id": "R1", "properties": {"security-severity": "9.5"}}]}},
    "results": [{"ruleId": "R1", "ruleIndex": 0, "level": "error", "message": {"text": "m"},
      "locations": [{"physicalLocation": {"artifactLocation": {"uri": "a.yaml"}, "region": {"startLine": 1}}}]}]
  }]
}`

func TestValidate(t *testing.T) {
	tests := []struct {
		name, old, new, wantErr string
	}{
		{"valid", "", "", ""},
		{"wrong version", `"version": "2.1.0"`, `"version": "2.0.0"`, "schema"},
		{"unknown property", `"level": "error"`, `"level": "error", "bogus": 1`, "schema"},
		{"bad level", `"level": "error"`, `"level": "fatal"`, "schema"},
		{"line zero", `"startLine": 1`, `"startLine": 0`, "schema"},
		{"bad uri", `"uri": "a.yaml"`, `"uri": "a b\\u0000"`, "schema"},
		{"empty tool name", `"name": "kubelet-audit"`, `"name": ""`, "empty tool.driver name"},
		{"no version", `, "version": "1.0.0"`, ``, "empty tool.driver name"},
		{"missing rule", `"ruleId": "R1"`, `"ruleId": "R2"`, `ruleId "R2" has no rule entry`},
		{"wrong rule index", `"ruleIndex": 0`, `"ruleIndex": 3`, "ruleIndex does not point"},
		{"no security-severity", `"properties": {"security-severity": "9.5"}`, `"properties": {}`, "security-severity missing"},
		{"numeric security-severity", `"security-severity": "9.5"`, `"security-severity": 9.5`, "security-severity missing or not a string"},
		{"out of range", `"security-severity": "9.5"`, `"security-severity": "11"`, "not a score"},
		{"duplicate rule", `"rules": [{"id": "R1", "properties": {"security-severity": "9.5"}}]`,
			`"rules": [{"id": "R1", "properties": {"security-severity": "9.5"}}, {"id": "R1", "properties": {"security-severity": "1.0"}}]`, "duplicate rule id"},
		{"no runs", `"runs": [{`, `"runs": [], "x": [{`, "schema"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := valid
			if tt.old != "" {
				if !strings.Contains(doc, tt.old) {
					t.Fatalf("test bug: %q not in the document", tt.old)
				}
				doc = strings.Replace(doc, tt.old, tt.new, 1)
			}
			err := Validate([]byte(doc))
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("Validate: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("Validate error = %v; want it to mention %q", err, tt.wantErr)
			}
		})
	}
}

func TestValidateContractNoRuns(t *testing.T) {
	if err := ValidateContract([]byte(`{"version":"2.1.0","runs":[]}`)); err == nil || !strings.Contains(err.Error(), "no runs") {
		t.Errorf("ValidateContract = %v; want no runs", err)
	}
	if err := ValidateSchema([]byte(`{"version":"2.1.0","runs":[]}`)); err != nil {
		t.Errorf("an empty run list is schema-valid: %v", err)
	}
}

func TestValidateRejectsGarbage(t *testing.T) {
	if err := Validate([]byte("not json")); err == nil {
		t.Error("Validate accepted non-JSON")
	}
}

// TestSchemaIsOfficial guards the vendored file: the OASIS 2.1.0 errata01
// schema with all 50-odd definitions, not a trimmed copy.
func TestSchemaIsOfficial(t *testing.T) {
	s := string(schemaJSON)
	for _, want := range []string{`"id": "` + SchemaID + `"`, `"reportingDescriptor"`, `"toolComponent"`, `"suppression"`, `"partialFingerprints"`} {
		if !strings.Contains(s, want) {
			t.Errorf("vendored schema lacks %s", want)
		}
	}
	if _, err := schema(); err != nil {
		t.Fatal(err)
	}
}
