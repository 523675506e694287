package baseline

import (
	"path/filepath"
	"testing"

	"github.com/kubelet-audit/kubelet-audit/scanner/finding"
)

func fd(rule, name, subject string) finding.Finding {
	res := finding.Resource{Kind: "ClusterRoleBinding", Name: name}
	return finding.Finding{
		RuleID: rule, Severity: finding.SeverityHigh, Resource: res, Subject: subject,
		Status: finding.StatusOpen, Fingerprint: finding.Fingerprint(rule, res, subject, ""),
	}
}

func TestRoundTrip(t *testing.T) {
	old := &finding.Report{Findings: []finding.Finding{fd("KA-RBAC-003", "a", "User:alice"), fd("KA-RBAC-004", "b", "User:bob")}}
	path := filepath.Join(t.TempDir(), "baseline.json")
	if err := FromReport(old).WriteFile(path); err != nil {
		t.Fatal(err)
	}
	b, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	// Next run: alice's finding remains, bob's was fixed, carol's is new.
	now := &finding.Report{Findings: []finding.Finding{fd("KA-RBAC-003", "a", "User:alice"), fd("KA-RBAC-003", "c", "User:carol")}}
	b.Apply(now)
	if now.Findings[0].Status != finding.StatusBaselined {
		t.Errorf("known finding status = %s, want baselined", now.Findings[0].Status)
	}
	if now.Findings[1].Status != finding.StatusOpen {
		t.Errorf("new finding status = %s, want open", now.Findings[1].Status)
	}
	if len(now.Summary.Stale) != 1 {
		t.Fatalf("stale = %v, want bob's entry", now.Summary.Stale)
	}
	if got := len(now.Failing(finding.SeverityHigh)); got != 1 {
		t.Errorf("failing = %d, want only the new finding", got)
	}
}

func TestReadRejectsOtherSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "b.json")
	f := &File{SchemaVersion: "other/v9"}
	if err := f.WriteFile(path); err != nil {
		t.Fatal(err)
	}
	if _, err := Read(path); err == nil {
		t.Fatal("expected schemaVersion error")
	}
}

func TestFromReportSkipsNonOpen(t *testing.T) {
	s := fd("KA-RBAC-003", "a", "User:alice")
	s.Status = finding.StatusSuppressed
	r := &finding.Report{Findings: []finding.Finding{s, fd("KA-RBAC-004", "b", "")}}
	if got := len(FromReport(r).Findings); got != 1 {
		t.Fatalf("baseline entries = %d, want 1 (suppressed findings are not baselined)", got)
	}
}
