package finding

import (
	"errors"
	"testing"
)

func TestParseSeverity(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    Severity
		wantErr bool
	}{
		{"critical", SeverityCritical, false},
		{"HIGH", SeverityHigh, false},
		{" medium ", SeverityMedium, false},
		{"none", SeverityNone, false},
		{"severe", SeverityNone, true},
	} {
		got, err := ParseSeverity(tc.in)
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("ParseSeverity(%q) = %v, %v; want %v, err=%v", tc.in, got, err, tc.want, tc.wantErr)
		}
	}
}

func TestGate(t *testing.T) {
	high := Finding{RuleID: "KA-X-001", Severity: SeverityHigh, Status: StatusOpen}
	low := Finding{RuleID: "KA-X-002", Severity: SeverityLow, Status: StatusOpen}
	suppressed := Finding{RuleID: "KA-X-003", Severity: SeverityCritical, Status: StatusSuppressed}
	loadErr := ScanError{Stage: "load", Source: "a.yaml", Line: 3, Message: "broken"}
	for _, tc := range []struct {
		name      string
		findings  []Finding
		errs      []ScanError
		threshold Severity
		want      error
	}{
		{"clean", nil, nil, SeverityHigh, nil},
		{"high fails at high", []Finding{high}, nil, SeverityHigh, ErrFindings},
		{"low passes at high", []Finding{low}, nil, SeverityHigh, nil},
		{"low fails at low", []Finding{low}, nil, SeverityLow, ErrFindings},
		{"suppressed never fails", []Finding{suppressed}, nil, SeverityLow, nil},
		{"none never fails", []Finding{high}, nil, SeverityNone, nil},
		{"partial without failures", []Finding{low}, []ScanError{loadErr}, SeverityHigh, ErrPartial},
		{"failures win over partial", []Finding{high}, []ScanError{loadErr}, SeverityHigh, ErrFindings},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &Report{Findings: tc.findings, Errors: tc.errs}
			err := Gate(r, tc.threshold)
			if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("Gate = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestFingerprintIgnoresMessageAndLine(t *testing.T) {
	res := Resource{Kind: "ClusterRoleBinding", Name: "debug"}
	a := Fingerprint("KA-RBAC-002", res, "ServiceAccount:ns/sa", "proxy")
	if b := Fingerprint("KA-RBAC-002", res, "ServiceAccount:ns/sa", "proxy"); a != b {
		t.Fatalf("fingerprint not stable: %s vs %s", a, b)
	}
	if c := Fingerprint("KA-RBAC-002", res, "ServiceAccount:ns/sa", "log"); a == c {
		t.Fatal("different key must change the fingerprint")
	}
	// Separator prevents ambiguity between adjacent fields.
	if Fingerprint("a", Resource{Kind: "bc"}, "", "") == Fingerprint("ab", Resource{Kind: "c"}, "", "") {
		t.Fatal("field boundaries must matter")
	}
}

func TestSummarize(t *testing.T) {
	r := &Report{
		Findings: []Finding{
			{Severity: SeverityCritical, Status: StatusOpen},
			{Severity: SeverityCritical, Status: StatusBaselined},
			{Severity: SeverityLow, Status: StatusSuppressed},
		},
		Errors:  []ScanError{{Message: "x"}},
		Summary: Summary{Stale: []string{"abc"}},
	}
	r.Summarize()
	s := r.Summary
	if s.Total != 3 || s.Open != 1 || s.Baselined != 1 || s.Suppressed != 1 || s.BySeverity["critical"] != 1 || !s.Partial || s.Errors != 1 || len(s.Stale) != 1 {
		t.Fatalf("unexpected summary %+v", s)
	}
}
