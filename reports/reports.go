// Package reports renders a *finding.Report in the output formats of the
// kubelet-audit CLI: json, table, sarif, markdown and html. Writers read only
// the result model (scanner/finding); they never recompute findings or
// fingerprints, and they never mutate the report they are given.
package reports

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"github.com/kubelet-audit/kubelet-audit/scanner/finding"
)

// Writer renders a report in one format.
type Writer interface {
	Write(w io.Writer, r *finding.Report) error
}

// Options tune the writers. The zero value is valid.
type Options struct {
	// Color enables ANSI colours in the table format (the CLI sets it on a
	// TTY without --no-color). Other formats ignore it.
	Color bool
	// Root is the scan root: SARIF artifact URIs are made relative to it so
	// GitHub code scanning can map them to repository files.
	Root string
}

// Format names accepted by New.
const (
	FormatJSON     = "json"
	FormatTable    = "table"
	FormatSARIF    = "sarif"
	FormatMarkdown = "markdown"
	FormatHTML     = "html"
)

// Formats lists the format names New accepts, in the order the CLI documents them.
func Formats() []string {
	return []string{FormatJSON, FormatTable, FormatSARIF, FormatMarkdown, FormatHTML}
}

// New returns the writer for format (case-insensitive).
func New(format string, opts Options) (Writer, error) {
	switch strings.ToLower(strings.TrimSpace(format)) {
	case FormatJSON:
		return jsonWriter{}, nil
	case FormatTable:
		return tableWriter{color: opts.Color}, nil
	case FormatSARIF:
		return sarifWriter{root: opts.Root}, nil
	case FormatMarkdown:
		return markdownWriter{}, nil
	case FormatHTML:
		return htmlWriter{}, nil
	default:
		return nil, fmt.Errorf("unknown report format %q (want one of %s)", format, strings.Join(Formats(), ", "))
	}
}

// normalize returns a copy of r that every writer can render deterministically:
// nil slices become empty, rules, findings, errors and access edges are sorted,
// and the summary is recomputed from the findings (Stale is kept). A nil
// report renders as an empty one.
func normalize(r *finding.Report) *finding.Report {
	var c finding.Report
	if r != nil {
		c = *r
	}
	if c.SchemaVersion == "" {
		c.SchemaVersion = finding.SchemaVersion
	}
	c.Rules = slices.Clone(c.Rules)
	if c.Rules == nil {
		c.Rules = []finding.Rule{}
	}
	sort.SliceStable(c.Rules, func(i, j int) bool { return c.Rules[i].ID < c.Rules[j].ID })
	// Scans hand over sorted findings (tens of MB at 100,000 roles, once per
	// format): only an unsorted slice is copied to be sorted.
	if !finding.IsSorted(c.Findings) {
		c.Findings = slices.Clone(c.Findings)
		finding.Sort(c.Findings)
	}
	if c.Findings == nil {
		c.Findings = []finding.Finding{}
	}
	c.Errors = slices.Clone(c.Errors)
	if c.Errors == nil {
		c.Errors = []finding.ScanError{}
	}
	finding.SortErrors(c.Errors)
	c.Access = normalizeAccess(c.Access)
	c.Summary.Stale = slices.Clone(c.Summary.Stale)
	sort.Strings(c.Summary.Stale)
	c.Summarize()
	return &c
}

// normalizeAccess returns in sorted by finding.CompareAccess with empty
// instead of nil verbs; in itself when it already is (as scans hand it over).
func normalizeAccess(in []finding.Access) []finding.Access {
	if accessNormal(in) {
		return in
	}
	out := make([]finding.Access, len(in))
	for i, a := range in {
		a.Verbs = slices.Clone(a.Verbs)
		if a.Verbs == nil {
			a.Verbs = []string{}
		}
		out[i] = a
	}
	sort.SliceStable(out, func(i, j int) bool { return finding.CompareAccess(&out[i], &out[j]) < 0 })
	return out
}

// accessNormal reports whether in is non-nil, sorted and without nil verbs.
func accessNormal(in []finding.Access) bool {
	if in == nil {
		return false
	}
	for i := range in {
		if in[i].Verbs == nil || i > 0 && finding.CompareAccess(&in[i], &in[i-1]) < 0 {
			return false
		}
	}
	return true
}

// severitiesDesc lists severities from critical down to none, the order in
// which human formats group findings.
var severitiesDesc = []finding.Severity{
	finding.SeverityCritical, finding.SeverityHigh, finding.SeverityMedium,
	finding.SeverityLow, finding.SeverityInfo, finding.SeverityNone,
}

// severityGroup is the open findings of one severity, in report order.
type severityGroup struct {
	Severity finding.Severity
	Findings []finding.Finding
}

// groupOpen splits findings into open ones grouped by severity (critical
// first, empty groups dropped) and the suppressed or baselined rest.
func groupOpen(fs []finding.Finding) (groups []severityGroup, closed []finding.Finding) {
	bySev := map[finding.Severity][]finding.Finding{}
	for _, f := range fs {
		if isClosed(f) {
			closed = append(closed, f)
			continue
		}
		bySev[f.Severity] = append(bySev[f.Severity], f)
	}
	for _, s := range severitiesDesc {
		if len(bySev[s]) > 0 {
			groups = append(groups, severityGroup{Severity: s, Findings: bySev[s]})
		}
	}
	return groups, closed
}

// isClosed reports whether a finding is suppressed or baselined: still shown,
// never failing.
func isClosed(f finding.Finding) bool {
	return f.Status == finding.StatusSuppressed || f.Status == finding.StatusBaselined
}

// ruleIndex maps rule ids to rules for remediation lookups.
func ruleIndex(rules []finding.Rule) map[string]finding.Rule {
	m := make(map[string]finding.Rule, len(rules))
	for _, r := range rules {
		m[r.ID] = r
	}
	return m
}

// remediation returns the rule's remediation, or the finding's own when the
// rule is not in the catalogue.
func remediation(rules map[string]finding.Rule, f finding.Finding) string {
	if r, ok := rules[f.RuleID]; ok && r.Remediation != "" {
		return r.Remediation
	}
	return f.Remediation
}

// subjectOrResource names who or what a finding is about.
func subjectOrResource(f finding.Finding) string {
	if f.Subject != "" {
		return f.Subject
	}
	if f.Resource.Kind == "" && f.Resource.Name == "" {
		return ""
	}
	return f.Resource.String()
}

// findingMessage is the message, falling back to the title and the rule id
// so that no format shows an empty cell.
func findingMessage(f finding.Finding) string {
	switch {
	case f.Message != "":
		return f.Message
	case f.Title != "":
		return f.Title
	default:
		return f.RuleID
	}
}

// statusText describes a closed finding, e.g. "suppressed: owned by SRE".
func statusText(f finding.Finding) string {
	if f.StatusReason == "" {
		return f.Status
	}
	return f.Status + ": " + f.StatusReason
}

// oneLine collapses whitespace runs (including newlines) into single spaces.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// plural returns "n word" with an "s" when n != 1.
func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// staleCount renders "1 stale baseline entry" or "n stale baseline entries".
func staleCount(n int) string {
	if n == 1 {
		return "1 stale baseline entry"
	}
	return fmt.Sprintf("%d stale baseline entries", n)
}

// severityCounts renders "1 critical, 2 high" for the open findings, or
// "none" when there are none.
func severityCounts(s finding.Summary) string {
	var parts []string
	for _, sev := range severitiesDesc {
		if n := s.BySeverity[sev.String()]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, sev))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}
