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

// Write implements Writer. Results are written by hand (sarifEnc), the
// bytes go-sarif's objects would encode to, and streamed one by one (see
// splice): the one run's "results" key sits at depth 3 (report > runs > run).
func (s sarifWriter) Write(w io.Writer, r *finding.Report) error {
	c := normalize(r)
	rep, index := buildSARIF(c, s.root)
	err := writeSpliced(w, rep, true,
		splice{key: "results", indent: "      ", n: len(c.Findings), newWrite: func() func(e *jsonEnc, i int) {
			se := &sarifEnc{root: s.root, uris: map[string]artifact{}}
			return func(e *jsonEnc, i int) {
				f := &c.Findings[i]
				se.result(e, f, index[f.RuleID])
			}
		}})
	if err != nil {
		return fmt.Errorf("write sarif report: %w", err)
	}
	return nil
}

// buildSARIF converts a normalized report into one SARIF run without its
// results (Results nil, for splicing), and returns the rule index of
// every rule id.
func buildSARIF(r *finding.Report, root string) (*sarif.Report, map[string]int) {
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
	run.Results = nil
	run.AddInvocation(sarifInvocation(r.Errors, root))
	return sarif.NewReport().AddRun(run), index
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

// sarifEnc writes SARIF results, caching artifact URIs by file (a large
// scan has many findings per manifest file).
type sarifEnc struct {
	root string
	uris map[string]artifact
}

// artifact is a file's artifact URI and whether it is relative to the root.
type artifact struct {
	uri      string
	relative bool
}

// result writes one finding as the go-sarif Result that
// sarif.NewRuleResult(f.RuleID).WithRuleIndex(ruleIndex).WithLevel(...)
// .WithMessage(...).WithProperties(...) plus the location, partial
// fingerprint and suppression encodes to: members in go-sarif's field
// order, its empty arrays and -1 defaults included.
func (s *sarifEnc) result(e *jsonEnc, f *finding.Finding, ruleIndex int) {
	e.open('{')
	if f.Fingerprint != "" {
		e.key("partialFingerprints")
		e.open('{')
		e.member(FingerprintKey, f.Fingerprint)
		e.close('}')
	}
	for _, k := range []string{"attachments", "codeFlows", "fixes", "graphTraversals", "graphs"} {
		e.key(k)
		e.b = append(e.b, "[]"...)
	}
	e.member("kind", "fail")
	e.member("level", sarifLevel(f.Severity))
	e.key("locations")
	e.open('[')
	s.location(e, f)
	e.close(']')
	e.key("message")
	e.open('{')
	e.key("arguments")
	e.b = append(e.b, "[]"...)
	e.member("text", findingMessage(*f))
	e.close('}')
	e.key("properties")
	resultProperties(e, f)
	e.key("rank")
	e.b = append(e.b, "-1"...)
	e.key("relatedLocations")
	e.b = append(e.b, "[]"...)
	e.member("ruleId", f.RuleID)
	e.key("ruleIndex")
	e.int(ruleIndex)
	e.key("stacks")
	e.b = append(e.b, "[]"...)
	suppression(e, f)
	e.key("taxa")
	e.b = append(e.b, "[]"...)
	e.close('}')
}

// suppression records why a finding does not count: an annotation
// (inSource) or the baseline file (external).
func suppression(e *jsonEnc, f *finding.Finding) {
	var kind string
	switch f.Status {
	case finding.StatusSuppressed:
		kind = "inSource"
	case finding.StatusBaselined:
		kind = "external"
	default:
		return
	}
	e.key("suppressions")
	e.open('[')
	e.elem()
	e.open('{')
	e.memberOmit("justification", f.StatusReason)
	e.member("kind", kind)
	e.member("status", "accepted")
	e.close('}')
	e.close(']')
}

// resultProperties carries subject, resource, path, evidence and status,
// keys sorted as go-sarif's property bag encodes them.
func resultProperties(e *jsonEnc, f *finding.Finding) {
	e.open('{')
	e.strMapOmit("evidence", f.Evidence)
	e.memberOmit("path", f.Path)
	if f.Resource.Kind != "" || f.Resource.Name != "" {
		e.member("resource", f.Resource.String())
	}
	e.member("severity", f.Severity.String())
	e.member("status", nonEmpty(f.Status, finding.StatusOpen))
	e.memberOmit("statusReason", f.StatusReason)
	e.memberOmit("subject", f.Subject)
	e.close('}')
}

// location writes a physical location for manifest files, or the k8s://
// URI plus a logical location for live objects. Findings with neither a
// file nor a URI fall back to a k8s:// URI of their resource, so that
// code-scanning uploads (which require a location) still accept them.
// A finding with no resource either gets no location.
func (s *sarifEnc) location(e *jsonEnc, f *finding.Finding) {
	var uri string
	relative, line, column := false, 0, 0
	switch {
	case f.Location.File != "" && f.Location.File != "-":
		a, ok := s.uris[f.Location.File]
		if !ok {
			a.uri, a.relative = artifactURI(f.Location.File, s.root)
			s.uris[f.Location.File] = a
		}
		uri, relative, line, column = a.uri, a.relative, f.Location.Line, f.Location.Column
	case f.Location.URI != "":
		uri = f.Location.URI
	case f.Resource.Name != "":
		uri = resourceURI(f.Resource)
	default:
		return
	}
	e.elem()
	e.open('{')
	e.key("annotations")
	e.b = append(e.b, "[]"...)
	e.key("id")
	e.b = append(e.b, "-1"...)
	e.key("logicalLocations")
	e.open('[')
	if f.Resource.Name != "" {
		e.elem()
		e.open('{')
		e.member("fullyQualifiedName", nonEmpty(f.Location.URI, f.Resource.String()))
		e.key("index")
		e.b = append(e.b, "-1"...)
		e.member("kind", nonEmpty(f.Resource.Kind, "resource"))
		e.member("name", f.Resource.Name)
		e.key("parentIndex")
		e.b = append(e.b, "-1"...)
		e.close('}')
	}
	e.close(']')
	e.key("physicalLocation")
	physical(e, uri, relative, line, column)
	e.key("relationships")
	e.b = append(e.b, "[]"...)
	e.close('}')
}

// physical writes a PhysicalLocation as physicalLocation builds it.
func physical(e *jsonEnc, uri string, relative bool, line, column int) {
	e.open('{')
	e.key("artifactLocation")
	e.open('{')
	e.key("index")
	e.b = append(e.b, "-1"...)
	e.member("uri", uri)
	if relative {
		e.member("uriBaseId", SrcRoot)
	}
	e.close('}')
	if line > 0 {
		e.key("region")
		e.open('{')
		e.key("byteOffset")
		e.b = append(e.b, "-1"...)
		e.key("charOffset")
		e.b = append(e.b, "-1"...)
		if column > 0 {
			e.key("startColumn")
			e.int(column)
		}
		e.key("startLine")
		e.int(line)
		e.close('}')
	}
	e.close('}')
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
