package reports

import (
	"fmt"
	"strings"
	"testing"

	"github.com/kubelet-audit/kubelet-audit/scanner/finding"
)

func TestMarkdownContent(t *testing.T) {
	out := string(render(t, FormatMarkdown, Options{}, fixtureReport()))
	order := []string{"## kubelet-audit: 6 open findings, 3 could not be checked", "| critical | 3 |", "### Could not check (3)",
		"### Critical (3)", "### Medium (1)", "### Low (1)", "### Info (1)", "<details><summary>2 findings suppressed or baselined",
		"1 stale baseline entry", "### Remediation"}
	last := -1
	for _, h := range order {
		i := strings.Index(out, h)
		if i < 0 || i < last {
			t.Fatalf("%q missing or out of order:\n%s", h, out)
		}
		last = i
	}
	for _, want := range []string{
		"| <code>KA-RBAC-001</code> | ServiceAccount:tools/debug | /src/repo/manifests/debug.yaml:12 |",
		"- <code>/src/repo/manifests/broken.yaml:7</code>: yaml: line 7: mapping values are not allowed in this context (load)",
		"| high, suppressed: break-glass account, reviewed 2024-05 by SRE |",
		"<details><summary><code>KA-RBAC-001</code> nodes/proxy granted to a broad group or a workload</summary>",
		"- <https://kubernetes.io/docs/reference/access-authn-authz/kubelet-authn-authz/>",
		"<details><summary><code>KA-CUSTOM-001</code> Custom: look-alike resource</summary>\n\nUse nodes/proxy or nodes/metrics explicitly; nodes/\\* is a literal.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("markdown lacks %q:\n%s", want, out)
		}
	}
	if n := strings.Count(out, "<details>"); n != strings.Count(out, "</details>") || n != 8 {
		t.Errorf("%d <details> blocks (want 6 rules + closed + stale, all closed)", n)
	}
}

// TestMarkdownEscaping: names and messages come from scanned manifests and
// must not inject HTML or break the table.
func TestMarkdownEscaping(t *testing.T) {
	out := string(render(t, FormatMarkdown, Options{}, fixtureReport()))
	if strings.Contains(out, "<script>") {
		t.Error("raw <script> from a finding reached the markdown")
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "| <code>KA-CUSTOM-001") {
			unescaped := strings.Count(line, "|") - strings.Count(line, `\|`)
			if unescaped != 5 {
				t.Errorf("row has %d cell separators; want 5: %s", unescaped, line)
			}
			if !strings.Contains(line, `\*nothing\* \[see docs\]`) {
				t.Errorf("markdown emphasis/links not escaped: %s", line)
			}
		}
	}
}

func TestMarkdownCap(t *testing.T) {
	r := &finding.Report{}
	for i := range MarkdownMaxPerSeverity + 7 {
		r.Findings = append(r.Findings, finding.Finding{RuleID: "R1", Severity: finding.SeverityHigh, Status: finding.StatusOpen,
			Subject: fmt.Sprintf("User:u%03d", i), Message: "m"})
	}
	out := string(render(t, FormatMarkdown, Options{}, r))
	if got := strings.Count(out, "| <code>R1</code> |"); got != MarkdownMaxPerSeverity {
		t.Errorf("%d rows; want the cap %d", got, MarkdownMaxPerSeverity)
	}
	if !strings.Contains(out, "… and 7 more") {
		t.Error("no note counting the findings left out")
	}
	if !strings.Contains(out, "## kubelet-audit: 57 open findings") {
		t.Error("title must count every finding, not only the listed ones")
	}
}

func TestMarkdownClean(t *testing.T) {
	out := string(render(t, FormatMarkdown, Options{}, &finding.Report{}))
	for _, absent := range []string{"### Could not check", "### Remediation", "<details>", "partial"} {
		if strings.Contains(out, absent) {
			t.Errorf("clean report shows %q:\n%s", absent, out)
		}
	}
}
