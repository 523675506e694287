package reports

import (
	"fmt"
	"io"
	"strings"

	"github.com/kubelet-audit/kubelet-audit/scanner/finding"
)

// MarkdownMaxPerSeverity caps the findings listed per severity so that a PR
// comment stays well under GitHub's 65,536-character limit; the rest are
// counted in a note pointing at the full report.
const MarkdownMaxPerSeverity = 50

// markdownWriter renders a GitHub-flavoured PR comment.
type markdownWriter struct{}

// Write implements Writer.
func (markdownWriter) Write(w io.Writer, r *finding.Report) error {
	n := normalize(r)
	var b strings.Builder
	mdHeader(&b, n)
	mdErrors(&b, n.Errors)
	groups, closed := groupOpen(n.Findings)
	for _, g := range groups {
		mdGroup(&b, g)
	}
	mdClosed(&b, closed)
	mdStale(&b, n.Summary.Stale)
	mdRemediation(&b, n)
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write markdown report: %w", err)
	}
	return nil
}

// mdHeader writes the title, verdict and summary table.
func mdHeader(b *strings.Builder, r *finding.Report) {
	s := r.Summary
	fmt.Fprintf(b, "## kubelet-audit: %s\n\n", mdVerdict(s))
	b.WriteString("| Severity | Open |\n|---|---:|\n")
	for _, sev := range severitiesDesc[:len(severitiesDesc)-1] { // "none" only when used
		fmt.Fprintf(b, "| %s | %d |\n", sev, s.BySeverity[sev.String()])
	}
	if n := s.BySeverity[finding.SeverityNone.String()]; n > 0 {
		fmt.Fprintf(b, "| none | %d |\n", n)
	}
	fmt.Fprintf(b, "| *suppressed* | %d |\n| *baselined* | %d |\n| *could not check* | %d |\n\n", s.Suppressed, s.Baselined, s.Errors)
	fmt.Fprintf(b, "<sub>%s %s, %s scan</sub>\n", mdEscape(nonEmpty(r.Tool.Name, ToolName)), mdEscape(nonEmpty(r.Tool.Version, "dev")), mdEscape(nonEmpty(r.Mode, "offline")))
}

// mdVerdict is the one-line outcome in the title.
func mdVerdict(s finding.Summary) string {
	v := plural(s.Open, "open finding")
	if s.Open == 0 {
		v = "no open findings"
	}
	if s.Errors > 0 {
		v += fmt.Sprintf(", %d could not be checked (partial scan)", s.Errors)
	}
	return v
}

// mdErrors lists sources that could not be checked, before any finding:
// they are the part of the result a reviewer must not mistake for a pass.
func mdErrors(b *strings.Builder, es []finding.ScanError) {
	if len(es) == 0 {
		return
	}
	fmt.Fprintf(b, "\n### Could not check (%d)\n\n", len(es))
	for _, e := range es {
		where := e.Source
		if e.Line > 0 {
			where = fmt.Sprintf("%s:%d", e.Source, e.Line)
		}
		stage := ""
		if e.Stage != "" {
			stage = " (" + mdEscape(e.Stage) + ")"
		}
		if where == "" {
			fmt.Fprintf(b, "- %s%s\n", mdEscape(e.Message), stage)
			continue
		}
		fmt.Fprintf(b, "- %s: %s%s\n", mdCode(where), mdEscape(e.Message), stage)
	}
}

// mdGroup writes one severity section as a table.
func mdGroup(b *strings.Builder, g severityGroup) {
	fmt.Fprintf(b, "\n### %s (%d)\n\n", strings.ToUpper(g.Severity.String()[:1])+g.Severity.String()[1:], len(g.Findings))
	b.WriteString("| Rule | Subject | Location | Message |\n|---|---|---|---|\n")
	for i, f := range g.Findings {
		if i == MarkdownMaxPerSeverity {
			fmt.Fprintf(b, "\n… and %d more; see the full report (`--format json` or `sarif`).\n", len(g.Findings)-i)
			break
		}
		mdRow(b, f, findingMessage(f))
	}
}

// mdClosed lists suppressed and baselined findings in a collapsed block.
func mdClosed(b *strings.Builder, fs []finding.Finding) {
	if len(fs) == 0 {
		return
	}
	fmt.Fprintf(b, "\n<details><summary>%s suppressed or baselined (not failing)</summary>\n\n", plural(len(fs), "finding"))
	b.WriteString("| Rule | Subject | Location | Status |\n|---|---|---|---|\n")
	for i, f := range fs {
		if i == MarkdownMaxPerSeverity {
			fmt.Fprintf(b, "\n… and %d more.\n", len(fs)-i)
			break
		}
		mdRow(b, f, f.Severity.String()+", "+statusText(f))
	}
	b.WriteString("\n</details>\n")
}

// mdRow writes one table row; last is the message or status cell.
func mdRow(b *strings.Builder, f finding.Finding, last string) {
	fmt.Fprintf(b, "| %s | %s | %s | %s |\n",
		mdCode(f.RuleID), mdCell(subjectOrResource(f)), mdCell(f.Location.String()), mdCell(last))
}

func mdStale(b *strings.Builder, stale []string) {
	if len(stale) == 0 {
		return
	}
	fmt.Fprintf(b, "\n<details><summary>%s (no longer found)</summary>\n\n", staleCount(len(stale)))
	for _, fp := range stale {
		fmt.Fprintf(b, "- %s\n", mdCode(fp))
	}
	b.WriteString("\n</details>\n")
}

// mdRemediation writes one collapsible block per rule with findings.
func mdRemediation(b *strings.Builder, r *finding.Report) {
	rules := ruleIndex(r.Rules)
	seen := map[string]bool{}
	var blocks []string
	for _, f := range r.Findings {
		if seen[f.RuleID] {
			continue
		}
		seen[f.RuleID] = true
		blocks = append(blocks, mdRuleBlock(rules, f))
	}
	if len(blocks) == 0 {
		return
	}
	b.WriteString("\n### Remediation\n")
	for _, blk := range blocks {
		b.WriteString("\n" + blk)
	}
}

// mdRuleBlock renders <details> with the remediation and references of f's rule.
func mdRuleBlock(rules map[string]finding.Rule, f finding.Finding) string {
	rule, ok := rules[f.RuleID]
	title, refs := f.Title, f.References
	if ok {
		title, refs = nonEmpty(rule.Title, title), rule.References
	}
	var b strings.Builder
	fmt.Fprintf(&b, "<details><summary><code>%s</code> %s</summary>\n\n", htmlText(f.RuleID), htmlText(oneLine(title)))
	b.WriteString(mdEscape(oneLine(nonEmpty(remediation(rules, f), "No remediation recorded for this rule."))) + "\n")
	for i, ref := range refs {
		if i == 0 {
			b.WriteString("\n")
		}
		if firstAbsoluteURI([]string{ref}) != "" {
			fmt.Fprintf(&b, "- <%s>\n", ref)
		} else {
			fmt.Fprintf(&b, "- %s\n", mdEscape(ref))
		}
	}
	b.WriteString("\n</details>\n")
	return b.String()
}

// mdEscaper neutralises Markdown and inline HTML in untrusted text (names
// and messages come from scanned manifests).
var mdEscaper = strings.NewReplacer(
	`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`,
	"<", "&lt;", ">", "&gt;", "&", "&amp;", "|", `\|`, "#", `\#`, "~", `\~`,
)

// mdEscape escapes text for Markdown on one line.
func mdEscape(s string) string { return mdEscaper.Replace(oneLine(s)) }

// mdCell escapes a table cell, showing "—" for empty values.
func mdCell(s string) string {
	if s == "" {
		return "—"
	}
	return mdEscape(s)
}

// mdCode renders s in an HTML code element: unlike a backtick span it needs
// no fence counting. Its content is still parsed as Markdown, so it is
// escaped like any other text.
func mdCode(s string) string {
	if s == "" {
		return "—"
	}
	return "<code>" + mdEscape(s) + "</code>"
}

// htmlText escapes text for an HTML context inside Markdown.
var htmlText = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace
