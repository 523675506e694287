package reports

import (
	"fmt"
	"io"
	"strings"

	"github.com/kubelet-audit/kubelet-audit/scanner/finding"
)

// TableWidth is the column budget of the table format; every line fits
// it. Each finding is one head line (severity, rule id, subject or resource,
// location; long subjects are cut at the end, long locations at the start so
// the file name and line stay visible) followed by its message word-wrapped
// on indented lines below, since no useful message fits the space the other
// four columns leave. Remediation hints, errors and the summary wrap too.
const TableWidth = 80

// Column layout of finding head lines.
const (
	tagWidth      = 4
	ruleCap       = 16
	columnGap     = "  "
	messageIndent = "      "
)

// ANSI styles, used only when Options.Color is set.
const (
	ansiReset = "\x1b[0m"
	ansiBold  = "\x1b[1m"
	ansiDim   = "\x1b[2m"
)

var severityStyle = map[finding.Severity]string{
	finding.SeverityCritical: "\x1b[1;31m",
	finding.SeverityHigh:     "\x1b[31m",
	finding.SeverityMedium:   "\x1b[33m",
	finding.SeverityLow:      "\x1b[36m",
	finding.SeverityInfo:     "\x1b[34m",
	finding.SeverityNone:     ansiDim,
}

var severityTag = map[finding.Severity]string{
	finding.SeverityCritical: "CRIT",
	finding.SeverityHigh:     "HIGH",
	finding.SeverityMedium:   "MED",
	finding.SeverityLow:      "LOW",
	finding.SeverityInfo:     "INFO",
	finding.SeverityNone:     "NONE",
}

// tableWriter renders one line per finding, grouped by severity.
type tableWriter struct{ color bool }

// Write implements Writer.
func (t tableWriter) Write(w io.Writer, r *finding.Report) error {
	n := normalize(r)
	p := &tablePrinter{color: t.color, rules: ruleIndex(n.Rules), cols: tableColumns(n.Findings)}
	p.render(n)
	if _, err := io.WriteString(w, p.b.String()); err != nil {
		return fmt.Errorf("write table report: %w", err)
	}
	return nil
}

// columns holds the widths of the rule, subject and location columns.
type columns struct{ rule, subject, location int }

// tableColumns sizes the columns to the longest value: the rule id up to
// ruleCap, then subject and location share what is left, each getting at
// least half of it when both are long.
func tableColumns(fs []finding.Finding) columns {
	var c columns
	var subj, loc int
	for _, f := range fs {
		c.rule = max(c.rule, min(runeLen(f.RuleID), ruleCap))
		subj = max(subj, runeLen(shortSubject(f)))
		loc = max(loc, runeLen(f.Location.String()))
	}
	budget := TableWidth - tagWidth - c.rule - 3*len(columnGap)
	c.subject = min(subj, max(budget-loc, budget/2))
	c.location = min(loc, budget-c.subject)
	return c
}

// tablePrinter accumulates the rendered table.
type tablePrinter struct {
	b     strings.Builder
	color bool
	rules map[string]finding.Rule
	cols  columns
}

func (p *tablePrinter) render(r *finding.Report) {
	p.line(p.style(ansiBold, fmt.Sprintf("kubelet-audit %s: %s scan", nonEmpty(r.Tool.Version, "dev"), nonEmpty(r.Mode, "offline"))))
	groups, closed := groupOpen(r.Findings)
	if len(r.Findings) == 0 {
		p.line("")
		if len(r.Errors) > 0 {
			p.line("No findings in what could be checked; see \"could not check\" below.")
		} else {
			p.line("No findings.")
		}
	}
	for _, g := range groups {
		p.group(g)
	}
	p.closed(closed)
	p.errors(r.Errors)
	p.stale(r.Summary.Stale)
	p.line("")
	p.wrapped(summaryLine(r.Summary), "", "  ")
}

// group prints a severity header, the finding lines and one remediation
// hint per rule of the group.
func (p *tablePrinter) group(g severityGroup) {
	p.line("")
	p.line(p.style(severityStyle[g.Severity], fmt.Sprintf("%s (%d)", strings.ToUpper(g.Severity.String()), len(g.Findings))))
	seen := map[string]bool{}
	var order []finding.Finding
	for _, f := range g.Findings {
		p.finding(f, false)
		if !seen[f.RuleID] {
			seen[f.RuleID] = true
			order = append(order, f)
		}
	}
	for _, f := range order {
		if fix := remediation(p.rules, f); fix != "" {
			p.wrapped(oneLine(fix), "  fix "+f.RuleID+": ", "      ")
		}
	}
}

// closed prints suppressed and baselined findings apart, since they never
// fail the scan.
func (p *tablePrinter) closed(fs []finding.Finding) {
	if len(fs) == 0 {
		return
	}
	p.line("")
	p.line(p.style(ansiBold, fmt.Sprintf("SUPPRESSED OR BASELINED (%d), not failing", len(fs))))
	for _, f := range fs {
		p.finding(f, true)
	}
}

// finding prints the head line of a finding and its wrapped message;
// closed findings show their status and reason before the message.
func (p *tablePrinter) finding(f finding.Finding, closed bool) {
	c := p.cols
	cells := []string{p.style(severityStyle[f.Severity], pad(severityTag[f.Severity], tagWidth))}
	for _, cell := range []struct {
		text  string
		width int
		cut   func(string, int) string
	}{
		{f.RuleID, c.rule, truncRight},
		{shortSubject(f), c.subject, truncRight},
		{f.Location.String(), c.location, truncLeft}, // keep file name and line
	} {
		if cell.width > 0 { // a column no finding uses takes no space
			cells = append(cells, pad(cell.cut(cell.text, cell.width), cell.width))
		}
	}
	head := strings.TrimRight(strings.Join(cells, columnGap), " ")
	msg := oneLine(findingMessage(f))
	if closed {
		msg = "[" + oneLine(statusText(f)) + "] " + msg
	}
	lines := append([]string{head}, wrap(msg, messageIndent, messageIndent, TableWidth)...)
	for _, l := range lines {
		if closed {
			l = p.style(ansiDim, l)
		}
		p.line(l)
	}
}

func (p *tablePrinter) errors(es []finding.ScanError) {
	if len(es) == 0 {
		return
	}
	p.line("")
	p.line(p.style(ansiBold, fmt.Sprintf("COULD NOT CHECK (%d)", len(es))))
	for _, e := range es {
		text := oneLine(e.Error())
		if e.Stage != "" {
			text += " [" + e.Stage + "]"
		}
		p.wrapped(text, "could not check: ", "  ")
	}
}

func (p *tablePrinter) stale(fps []string) {
	for i, fp := range fps {
		if i == 0 {
			p.line("")
		}
		p.wrapped(fp, "stale baseline entry (no longer found): ", "  ")
	}
}

// wrapped prints text word-wrapped to TableWidth.
func (p *tablePrinter) wrapped(text, first, indent string) {
	for _, l := range wrap(text, first, indent, TableWidth) {
		p.line(l)
	}
}

func (p *tablePrinter) line(s string) {
	p.b.WriteString(s)
	p.b.WriteByte('\n')
}

// style wraps s in an ANSI style when colour is on.
func (p *tablePrinter) style(code, s string) string {
	if !p.color || code == "" {
		return s
	}
	return code + s + ansiReset
}

// summaryLine renders the counts line that ends the table.
func summaryLine(s finding.Summary) string {
	parts := []string{
		fmt.Sprintf("Summary: %d open (%s)", s.Open, severityCounts(s)),
		fmt.Sprintf("%d suppressed", s.Suppressed),
		fmt.Sprintf("%d baselined", s.Baselined),
	}
	if len(s.Stale) > 0 {
		parts = append(parts, staleCount(len(s.Stale)))
	}
	if s.Errors > 0 {
		parts = append(parts, fmt.Sprintf("%d could not be checked (partial scan)", s.Errors))
	} else {
		parts = append(parts, "0 errors")
	}
	return strings.Join(parts, ", ") + "."
}

// shortSubject abbreviates the subject kind so that more of the name fits.
func shortSubject(f finding.Finding) string {
	s := subjectOrResource(f)
	for long, short := range map[string]string{"ServiceAccount:": "sa:", "Group:": "group:", "User:": "user:"} {
		if strings.HasPrefix(s, long) {
			return short + strings.TrimPrefix(s, long)
		}
	}
	return s
}

// nonEmpty returns s, or def when s is empty.
func nonEmpty(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
