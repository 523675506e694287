package reports

import (
	"regexp"
	"strings"
	"testing"

	"github.com/kubelet-audit/kubelet-audit/scanner/finding"
)

var ansiRE = regexp.MustCompile("\x1b\\[[0-9;]*m")

// longReport stresses the width budget with very long values everywhere.
func longReport() *finding.Report {
	long := strings.Repeat("very-long-name-", 12)
	return &finding.Report{
		Findings: []finding.Finding{{
			RuleID: "KA-CUSTOM-RULE-WITH-A-LONG-ID", Severity: finding.SeverityHigh, Status: finding.StatusOpen,
			Subject:  "ServiceAccount:" + long + "/" + long,
			Location: finding.Location{File: "/" + strings.Repeat("deep/", 30) + "file.yaml", Line: 123456},
			Message:  strings.Repeat("word ", 60) + strings.Repeat("x", 200),
		}, {
			RuleID: "KA-RBAC-001", Severity: finding.SeverityCritical, Status: finding.StatusBaselined,
			StatusReason: strings.Repeat("reason ", 30), Resource: finding.Resource{Kind: "ClusterRole", Name: long},
			Location: finding.Location{URI: "k8s://clusterrole/" + long}, Remediation: strings.Repeat("fix ", 50) + strings.Repeat("y", 120),
		}},
		Errors:  []finding.ScanError{{Stage: "load", Source: "/" + strings.Repeat("dir/", 40) + "x.yaml", Line: 3, Message: strings.Repeat("bad ", 40)}},
		Summary: finding.Summary{Stale: []string{strings.Repeat("f", 120)}},
	}
}

func TestTableWidth(t *testing.T) {
	for name, r := range map[string]*finding.Report{"fixture": fixtureReport(), "long": longReport(), "empty": {}} {
		for _, color := range []bool{false, true} {
			out := string(render(t, FormatTable, Options{Color: color}, r))
			for i, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
				if n := runeLen(ansiRE.ReplaceAllString(line, "")); n > TableWidth {
					t.Errorf("%s (color=%v) line %d has %d columns: %q", name, color, i+1, n, line)
				}
			}
		}
	}
}

func TestTableLongValues(t *testing.T) {
	out := string(render(t, FormatTable, Options{}, longReport()))
	for _, want := range []string{
		"…deep/deep/file.yaml:123456",   // locations keep their end
		"sa:very-long-name-very",        // subject kinds are abbreviated
		"KA-CUSTOM-RULE-…",              // rule ids are cut at ruleCap
		strings.Repeat("x", 74),         // over-long words are split, not lost
		"could not check: /dir/dir/",    // errors wrap
		"[baselined: reason reason",     // closed findings show the reason
		"stale baseline entry (no long", // stale entries wrap
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "ServiceAccount:very") {
		t.Error("subject kind not abbreviated")
	}
	if got := strings.Count(out, "x"); got < 200 {
		t.Errorf("message has %d of 200 x: it was truncated; it must wrap in full", got)
	}
}

func TestTableColor(t *testing.T) {
	plain := string(render(t, FormatTable, Options{}, fixtureReport()))
	if strings.Contains(plain, "\x1b[") {
		t.Error("ANSI codes without Options.Color")
	}
	colored := string(render(t, FormatTable, Options{Color: true}, fixtureReport()))
	if !strings.Contains(colored, severityStyle[finding.SeverityCritical]+"CRITICAL (3)"+ansiReset) {
		t.Errorf("critical header not coloured:\n%q", colored)
	}
	if got := ansiRE.ReplaceAllString(colored, ""); got != plain {
		t.Error("colour changes the text, not only its style")
	}
}

func TestTableContent(t *testing.T) {
	out := string(render(t, FormatTable, Options{}, fixtureReport()))
	order := []string{"CRITICAL (3)", "MEDIUM (1)", "LOW (1)", "INFO (1)", "SUPPRESSED OR BASELINED (2)", "COULD NOT CHECK (3)", "Summary:"}
	last := -1
	for _, h := range order {
		i := strings.Index(out, h)
		if i < 0 || i < last {
			t.Fatalf("section %q missing or out of order:\n%s", h, out)
		}
		last = i
	}
	for _, want := range []string{
		"CRIT  KA-RBAC-001     sa:tools/debug",
		"…epo/manifests/debug.yaml:12",
		"  fix KA-RBAC-001: Remove nodes/proxy",
		"[suppressed: break-glass account, reviewed 2024-05 by SRE]",
		"[baselined: in baseline .kubelet-audit-baseline.json]",
		"could not check: node/worker-2:10250: connection refused [probe]",
		"stale baseline entry (no longer found): 9c1d4e7a2b3f4051",
		"6 open (3 critical, 1 medium, 1 low, 1 info), 1 suppressed, 1",
		"3 could not be checked (partial scan).",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	// Closed findings are listed once, in their own section only.
	if strings.Count(out, "KA-RBAC-002") != 1 {
		t.Errorf("suppressed finding shown %d times", strings.Count(out, "KA-RBAC-002"))
	}
	if strings.Contains(out, "HIGH (") {
		t.Error("a group for high, whose only finding is suppressed")
	}
}

func TestTableErrorsOnly(t *testing.T) {
	out := string(render(t, FormatTable, Options{}, &finding.Report{Errors: []finding.ScanError{{Stage: "load", Source: "a.yaml", Message: "broken"}}}))
	if strings.Contains(out, "No findings.\n") || !strings.Contains(out, "No findings in what could be checked") {
		t.Errorf("a scan with errors must not read as clean:\n%s", out)
	}
}
