package reports

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"

	"github.com/kubelet-audit/kubelet-audit/scanner/finding"
)

// htmlTemplate is a single self-contained page: inline CSS, inline SVG and
// a small inline script; it loads nothing from the network.
//
//go:embed html.tmpl
var htmlTemplate string

var htmlPage = template.Must(template.New("report").Funcs(template.FuncMap{
	"isURL": func(s string) bool { return firstAbsoluteURI([]string{s}) != "" },
}).Parse(htmlTemplate))

// htmlWriter renders the self-contained HTML report.
type htmlWriter struct{}

// Write implements Writer.
func (htmlWriter) Write(w io.Writer, r *finding.Report) error {
	n := normalize(r)
	if err := htmlPage.Execute(w, newHTMLView(n)); err != nil {
		return fmt.Errorf("write html report: %w", err)
	}
	return nil
}

// htmlView is what the template reads; every string in it is escaped by
// html/template.
type htmlView struct {
	Title    string
	Tool     string
	Mode     string
	Sources  []string
	Summary  finding.Summary
	Cards    []htmlCard
	Graph    *pathGraph
	Findings []htmlFinding
	Errors   []finding.ScanError
	Stale    []string
	Rules    []htmlRule
	// Severities feeds the "at least" filter, worst first.
	Severities []htmlCard
}

// htmlCard is one summary box.
type htmlCard struct {
	Label string
	Count int
	Class string
	Rank  int
}

// htmlFinding is one row of the findings table.
type htmlFinding struct {
	Severity string
	Rank     int
	RuleID   string
	Subject  string
	Location string
	Message  string
	Path     string
	Status   string
	Reason   string
}

// htmlRule is the remediation block of one rule that has findings.
type htmlRule struct {
	ID, Title, Remediation string
	References             []string
}

func newHTMLView(r *finding.Report) htmlView {
	v := htmlView{
		Title:   "kubelet-audit report",
		Tool:    nonEmpty(r.Tool.Name, ToolName) + " " + nonEmpty(r.Tool.Version, "dev"),
		Mode:    nonEmpty(r.Mode, "offline"),
		Sources: r.Sources,
		Summary: r.Summary,
		Graph:   layoutGraph(r.Access, r.Findings),
		Errors:  r.Errors,
		Stale:   r.Summary.Stale,
	}
	for _, s := range severitiesDesc[:len(severitiesDesc)-1] {
		card := htmlCard{Label: s.String(), Count: r.Summary.BySeverity[s.String()], Class: "sev-" + s.String(), Rank: int(s)}
		v.Cards = append(v.Cards, card)
		v.Severities = append(v.Severities, card)
	}
	v.Cards = append(v.Cards,
		htmlCard{Label: "suppressed", Count: r.Summary.Suppressed, Class: "closed"},
		htmlCard{Label: "baselined", Count: r.Summary.Baselined, Class: "closed"},
		htmlCard{Label: "could not check", Count: r.Summary.Errors, Class: "errors"},
	)
	v.Findings = htmlFindings(r.Findings)
	v.Rules = htmlRules(r)
	return v
}

// htmlFindings lists findings worst first (open before closed within a
// severity), the order the table shows before any sorting.
func htmlFindings(fs []finding.Finding) []htmlFinding {
	groups, closed := groupOpen(fs)
	var ordered []finding.Finding
	for _, g := range groups {
		ordered = append(ordered, g.Findings...)
	}
	ordered = append(ordered, closed...)
	out := make([]htmlFinding, 0, len(ordered))
	for _, f := range ordered {
		out = append(out, htmlFinding{
			Severity: f.Severity.String(),
			Rank:     int(f.Severity),
			RuleID:   f.RuleID,
			Subject:  subjectOrResource(f),
			Location: f.Location.String(),
			Message:  findingMessage(f),
			Path:     f.Path,
			Status:   nonEmpty(f.Status, finding.StatusOpen),
			Reason:   f.StatusReason,
		})
	}
	return out
}

// htmlRules returns one remediation block per rule with findings, by rule id.
func htmlRules(r *finding.Report) []htmlRule {
	rules := ruleIndex(r.Rules)
	seen := map[string]bool{}
	var out []htmlRule
	for _, f := range r.Findings {
		if seen[f.RuleID] {
			continue
		}
		seen[f.RuleID] = true
		hr := htmlRule{ID: f.RuleID, Title: f.Title, Remediation: remediation(rules, f), References: f.References}
		if rule, ok := rules[f.RuleID]; ok {
			hr.Title, hr.References = nonEmpty(rule.Title, hr.Title), rule.References
		}
		out = append(out, hr)
	}
	return out
}
