package reports

import (
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"unicode"

	"github.com/owenrumney/go-sarif/v3/pkg/report/v210/sarif"

	"github.com/kubelet-audit/kubelet-audit/scanner/finding"
)

// SARIF constants that consumers (GitHub code scanning) key on.
const (
	// ToolName is the SARIF tool.driver.name when the report names no tool.
	ToolName = "kubelet-audit"
	// ToolURI is the SARIF tool.driver.informationUri when the report has none.
	ToolURI = "https://github.com/kubelet-audit/kubelet-audit"
	// FingerprintKey is the partialFingerprints key holding finding.Fingerprint.
	FingerprintKey = "kubeletAudit/v1"
	// SrcRoot is the uriBaseId of artifact URIs relative to Options.Root.
	SrcRoot = "%SRCROOT%"
)

// sarifWriter renders SARIF 2.1.0 with github.com/owenrumney/go-sarif/v3.
//
// Choices worth knowing:
//   - run.invocations[0].executionSuccessful is false whenever Report.Errors
//     is non-empty: a partial scan must not look like a clean one to a
//     consumer that only reads the SARIF. Each ScanError becomes a
//     toolExecutionNotification (level "warning" for the resolve stage,
//     whose errors leave the rest of the scan intact, "error" otherwise).
//   - A finding whose rule is missing from Report.Rules still gets a rule
//     entry built from the finding, so every ruleId resolves.
//   - Suppressed findings carry suppressions[kind=inSource] (annotation),
//     baselined ones suppressions[kind=external] (baseline file); GitHub
//     shows both as dismissed, never as open alerts.
//   - Manifest findings get a physical location relative to Options.Root
//     (uriBaseId %SRCROOT%); files outside the root get an absolute file://
//     URI. Live objects get their k8s:// URI as the artifact and a logical
//     location naming the object.
type sarifWriter struct{ root string }

// Write implements Writer.
func (s sarifWriter) Write(w io.Writer, r *finding.Report) error {
	rep := buildSARIF(normalize(r), s.root)
	// Results are streamed one by one (see splice): the one run's
	// "results" key sits at depth 3 (report > runs > run).
	run := rep.Runs[0]
	results := run.Results
	run.Results = nil
	err := writeSpliced(w, rep, true,
		splice{key: "results", indent: "      ", n: len(results), elem: func(i int) any { return results[i] }})
	run.Results = results
	if err != nil {
		return fmt.Errorf("write sarif report: %w", err)
	}
	return nil
}

// buildSARIF converts a normalized report into one SARIF run.
func buildSARIF(r *finding.Report, root string) *sarif.Report {
	rules := sarifRules(r.Rules, r.Findings)
	index := make(map[string]int, len(rules))
	driver := sarifDriver(r.Tool)
	for i, rule := range rules {
		index[rule.ID] = i
		driver.AddRule(sarifRule(rule))
	}
	run := sarif.NewRun()
	run.Tool = sarif.NewTool().WithDriver(driver)
	run.WithColumnKind("unicodeCodePoints")
	for _, f := range r.Findings {
		run.AddResult(sarifResult(f, index[f.RuleID], root))
	}
	run.AddInvocation(sarifInvocation(r.Errors, root))
	return sarif.NewReport().AddRun(run)
}

// sarifDriver describes kubelet-audit; name and version are never empty.
func sarifDriver(t finding.Tool) *sarif.ToolComponent {
	version := nonEmpty(t.Version, "dev")
	d := sarif.NewToolComponent().
		WithName(nonEmpty(t.Name, ToolName)).
		WithVersion(version).
		WithInformationURI(nonEmpty(t.URI, ToolURI))
	if sv, ok := semanticVersion(version); ok {
		d.WithSemanticVersion(sv)
	}
	if t.PolicyHash != "" {
		d.WithProperties(sarif.NewPropertyBag().Add("policyHash", t.PolicyHash))
	}
	return d
}

var semverRE = regexp.MustCompile(`^v?(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?)$`)

// semanticVersion returns version without a leading "v" when it is SemVer
// ("dev" builds and bare commit ids have none).
func semanticVersion(version string) (string, bool) {
	m := semverRE.FindStringSubmatch(version)
	if m == nil {
		return "", false
	}
	return m[1], true
}

// sarifRules returns the catalogue rules (sorted, first of each id) plus a
// rule built from the findings for every rule id the catalogue lacks.
func sarifRules(catalogue []finding.Rule, fs []finding.Finding) []finding.Rule {
	seen := map[string]int{}
	var out []finding.Rule
	for _, r := range catalogue {
		if _, dup := seen[r.ID]; !dup {
			seen[r.ID] = len(out)
			out = append(out, r)
		}
	}
	for _, f := range fs {
		i, ok := seen[f.RuleID]
		if !ok {
			seen[f.RuleID] = len(out)
			out = append(out, ruleFromFinding(f))
			continue
		}
		if out[i].Source == sourceFromFinding && f.Severity > out[i].Severity {
			out[i].Severity = f.Severity // worst severity seen for a synthesized rule
		}
	}
	return out
}

// sourceFromFinding marks rules synthesized from findings.
const sourceFromFinding = "finding"

// ruleFromFinding builds a rule entry for a rule id missing from the catalogue.
func ruleFromFinding(f finding.Finding) finding.Rule {
	return finding.Rule{
		ID:          f.RuleID,
		Title:       f.Title,
		Severity:    f.Severity,
		Remediation: f.Remediation,
		References:  f.References,
		Source:      sourceFromFinding,
	}
}

// sarifRule converts one catalogue rule.
func sarifRule(r finding.Rule) *sarif.ReportingDescriptor {
	title := nonEmpty(oneLine(r.Title), r.ID)
	d := sarif.NewRule(r.ID).
		WithName(camelCase(nonEmpty(r.Title, r.ID))).
		WithShortDescription(sarif.NewMultiformatMessageString().WithText(title)).
		WithFullDescription(sarif.NewMultiformatMessageString().WithText(nonEmpty(r.Description, title))).
		WithHelp(sarifHelp(r)).
		WithDefaultConfiguration(sarif.NewReportingConfiguration().WithLevel(sarifLevel(r.Severity))).
		WithProperties(sarifRuleProperties(r))
	if uri := firstAbsoluteURI(r.References); uri != "" {
		d.WithHelpURI(uri)
	}
	return d
}

// sarifHelp renders remediation and references as text and markdown.
func sarifHelp(r finding.Rule) *sarif.MultiformatMessageString {
	fix := nonEmpty(r.Remediation, nonEmpty(r.Description, nonEmpty(r.Title, r.ID)))
	text, md := fix, "**Remediation:** "+fix
	if len(r.References) > 0 {
		text += "\n\nReferences:"
		md += "\n\n**References:**\n"
		for _, ref := range r.References {
			text += "\n- " + ref
			md += "\n- " + markdownLink(ref)
		}
	}
	return sarif.NewMultiformatMessageString().WithText(text).WithMarkdown(md)
}

// sarifRuleProperties holds the tags and the security-severity GitHub ranks by.
func sarifRuleProperties(r finding.Rule) *sarif.PropertyBag {
	tags := []string{"security"}
	seen := map[string]bool{"security": true}
	for _, t := range r.Tags {
		if t != "" && !seen[t] {
			seen[t] = true
			tags = append(tags, t)
		}
	}
	p := sarif.NewPropertyBag().WithTags(tags).
		Add("security-severity", fmt.Sprintf("%.1f", r.Severity.SecurityScore())).
		Add("precision", "high").
		Add("severity", r.Severity.String())
	if len(r.CIS) > 0 {
		p.Add("cis", r.CIS)
	}
	return p
}

// sarifLevel maps severities: critical/high → error, medium → warning,
// everything lower → note.
func sarifLevel(s finding.Severity) string {
	switch {
	case s >= finding.SeverityHigh:
		return sarif.LevelError
	case s == finding.SeverityMedium:
		return sarif.LevelWarning
	default:
		return sarif.LevelNote
	}
}

// sarifResult converts one finding.
func sarifResult(f finding.Finding, ruleIndex int, root string) *sarif.Result {
	res := sarif.NewRuleResult(f.RuleID).
		WithRuleIndex(ruleIndex).
		WithLevel(sarifLevel(f.Severity)).
		WithMessage(sarif.NewTextMessage(findingMessage(f))).
		WithProperties(sarifResultProperties(f))
	if loc := sarifLocation(f, root); loc != nil {
		res.AddLocation(loc)
	}
	if f.Fingerprint != "" {
		res.WithPartialFingerprints(map[string]string{FingerprintKey: f.Fingerprint})
	}
	if s := sarifSuppression(f); s != nil {
		res.AddSuppression(s)
	}
	return res
}

// sarifSuppression records why a finding does not count: an annotation
// (inSource) or the baseline file (external).
func sarifSuppression(f finding.Finding) *sarif.Suppression {
	var kind string
	switch f.Status {
	case finding.StatusSuppressed:
		kind = "inSource"
	case finding.StatusBaselined:
		kind = "external"
	default:
		return nil
	}
	s := sarif.NewSuppression().WithKind(kind).WithStatus("accepted")
	if f.StatusReason != "" {
		s.WithJustification(f.StatusReason)
	}
	return s
}

// sarifResultProperties carries subject, resource, path, evidence and status.
func sarifResultProperties(f finding.Finding) *sarif.PropertyBag {
	p := sarif.NewPropertyBag().Add("severity", f.Severity.String()).Add("status", nonEmpty(f.Status, finding.StatusOpen))
	for key, val := range map[string]string{"subject": f.Subject, "path": f.Path, "statusReason": f.StatusReason} {
		if val != "" {
			p.Add(key, val)
		}
	}
	if f.Resource.Kind != "" || f.Resource.Name != "" {
		p.Add("resource", f.Resource.String())
	}
	if len(f.Evidence) > 0 {
		p.Add("evidence", f.Evidence)
	}
	return p
}

// sarifLocation returns a physical location for manifest files, or the
// k8s:// URI plus a logical location for live objects. Findings with
// neither a file nor a URI fall back to a k8s:// URI of their resource, so
// that code-scanning uploads (which require a location) still accept them.
func sarifLocation(f finding.Finding, root string) *sarif.Location {
	loc := sarif.NewLocation()
	switch {
	case f.Location.File != "" && f.Location.File != "-":
		loc.WithPhysicalLocation(physicalLocation(f.Location.File, f.Location.Line, f.Location.Column, root))
	case f.Location.URI != "":
		loc.WithPhysicalLocation(sarif.NewPhysicalLocation().WithArtifactLocation(sarif.NewSimpleArtifactLocation(f.Location.URI)))
	case f.Resource.Name != "":
		loc.WithPhysicalLocation(sarif.NewPhysicalLocation().WithArtifactLocation(sarif.NewSimpleArtifactLocation(resourceURI(f.Resource))))
	default:
		return nil
	}
	if f.Resource.Name != "" {
		fqn := nonEmpty(f.Location.URI, f.Resource.String())
		loc.AddLogicalLocation(sarif.NewLogicalLocation().
			WithName(f.Resource.Name).
			WithFullyQualifiedName(fqn).
			WithKind(nonEmpty(f.Resource.Kind, "resource")))
	}
	return loc
}

// resourceURI renders k8s://<kind>/[<namespace>/]<name>.
func resourceURI(r finding.Resource) string {
	parts := []string{strings.ToLower(nonEmpty(r.Kind, "object"))}
	if r.Namespace != "" {
		parts = append(parts, url.PathEscape(r.Namespace))
	}
	parts = append(parts, url.PathEscape(r.Name))
	return "k8s://" + strings.Join(parts, "/")
}

// physicalLocation points at file (and line/column when known).
func physicalLocation(file string, line, column int, root string) *sarif.PhysicalLocation {
	uri, relative := artifactURI(file, root)
	al := sarif.NewSimpleArtifactLocation(uri)
	if relative {
		al.WithURIBaseID(SrcRoot)
	}
	pl := sarif.NewPhysicalLocation().WithArtifactLocation(al)
	if line > 0 {
		region := sarif.NewRegion().WithStartLine(line)
		if column > 0 {
			region.WithStartColumn(column)
		}
		pl.WithRegion(region)
	}
	return pl
}

// artifactURI returns file as a URI relative to root (relative=true), or as
// an absolute file:// URI when it lies outside root. Without a root,
// relative paths stay relative (to the working directory, the usual
// checkout root in CI).
func artifactURI(file, root string) (uri string, relative bool) {
	file = filepath.Clean(file)
	if root != "" {
		root = filepath.Clean(root)
		if filepath.IsAbs(file) != filepath.IsAbs(root) {
			file, root = absPath(file), absPath(root)
		}
		if rel, err := filepath.Rel(root, file); err == nil && !escapesRoot(rel) {
			return relativeURI(rel), true
		}
		file = absPath(file)
	}
	if !filepath.IsAbs(file) && !escapesRoot(file) {
		return relativeURI(file), true
	}
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(absPath(file))}
	return u.String(), false
}

// escapesRoot reports whether a relative path climbs out of its base.
func escapesRoot(rel string) bool {
	return rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// relativeURI percent-encodes a relative path as a URI reference.
func relativeURI(p string) string {
	u := url.URL{Path: filepath.ToSlash(p)}
	return u.String()
}

// absPath makes p absolute, keeping it unchanged if the working directory
// is unknown.
func absPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

// sarifInvocation reports whether the scan checked everything and one
// notification per source that could not be checked.
func sarifInvocation(errs []finding.ScanError, root string) *sarif.Invocation {
	inv := sarif.NewInvocation().WithExecutionSuccessful(len(errs) == 0)
	for _, e := range errs {
		inv.AddToolExecutionNotification(sarifNotification(e, root))
	}
	return inv
}

// sarifNotification converts one ScanError.
func sarifNotification(e finding.ScanError, root string) *sarif.Notification {
	level := sarif.LevelError
	if e.Stage == "resolve" {
		level = sarif.LevelWarning
	}
	text := e.Error()
	if e.Stage != "" {
		text = e.Stage + ": " + text
	}
	n := sarif.NewNotification().WithLevel(level).WithMessage(sarif.NewTextMessage(text))
	if e.Stage != "" {
		n.WithProperties(sarif.NewPropertyBag().Add("stage", e.Stage))
	}
	if e.Line > 0 && e.Source != "" && e.Source != "-" {
		n.AddLocation(sarif.NewLocationWithPhysicalLocation(physicalLocation(e.Source, e.Line, 0, root)))
	}
	return n
}

// firstAbsoluteURI returns the first reference that is an absolute URI
// (helpUri must be one).
func firstAbsoluteURI(refs []string) string {
	for _, ref := range refs {
		if u, err := url.Parse(ref); err == nil && u.Scheme != "" && u.Host != "" {
			return ref
		}
	}
	return ""
}

// markdownLink renders URLs as links and anything else as plain text.
func markdownLink(ref string) string {
	if firstAbsoluteURI([]string{ref}) != "" {
		return "<" + ref + ">"
	}
	return ref
}

// camelCase turns "nodes/proxy granted to anyone" into "NodesProxyGrantedToAnyone".
func camelCase(s string) string {
	var b strings.Builder
	for _, word := range strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		r := []rune(word)
		b.WriteRune(unicode.ToUpper(r[0]))
		b.WriteString(string(r[1:]))
	}
	return b.String()
}
