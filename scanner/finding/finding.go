// Package finding is kubelet-audit's result model: rules, findings, scan errors
// and the report that every output format reads. It imports nothing of ours,
// so every stage of the pipeline can depend on it.
package finding

import (
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
)

// SchemaVersion is the version of the JSON report contract (README "JSON report").
const SchemaVersion = "kubelet-audit/report/v1"

// Severity ranks findings. The zero value is SeverityNone and sorts lowest.
type Severity int

// Severities in ascending order.
const (
	SeverityNone Severity = iota
	SeverityInfo
	SeverityLow
	SeverityMedium
	SeverityHigh
	SeverityCritical
)

var severityNames = []string{"none", "info", "low", "medium", "high", "critical"}

// String returns the lowercase name used in JSON, Rego metadata and flags.
func (s Severity) String() string {
	if s < 0 || int(s) >= len(severityNames) {
		return fmt.Sprintf("severity(%d)", int(s))
	}
	return severityNames[s]
}

// ParseSeverity accepts the lowercase names of String (case-insensitive).
func ParseSeverity(name string) (Severity, error) {
	for i, n := range severityNames {
		if strings.EqualFold(n, strings.TrimSpace(name)) {
			return Severity(i), nil
		}
	}
	return SeverityNone, fmt.Errorf("unknown severity %q (want one of %s)", name, strings.Join(severityNames, ", "))
}

// MarshalText encodes a severity as its name.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText decodes a severity name.
func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// SecurityScore is the CVSS-like number GitHub code scanning ranks by
// (SARIF properties.security-severity). Documented in README.
func (s Severity) SecurityScore() float64 {
	switch s {
	case SeverityCritical:
		return 9.5
	case SeverityHigh:
		return 8.0
	case SeverityMedium:
		return 5.5
	case SeverityLow:
		return 3.0
	default:
		return 0.0
	}
}

// Rule is one entry of the policy catalogue, read from a Rego METADATA block.
type Rule struct {
	ID          string   `json:"id"`
	Title       string   `json:"title"`
	Severity    Severity `json:"severity"`
	Description string   `json:"description"`
	Remediation string   `json:"remediation"`
	References  []string `json:"references,omitempty"`
	// Tags group rules (rbac, kubelet, config, cis, ...).
	Tags []string `json:"tags,omitempty"`
	// CIS lists CIS Kubernetes Benchmark control ids, e.g. "4.2.1".
	CIS []string `json:"cis,omitempty"`
	// Source is "builtin" or the path of the user policy file.
	Source string `json:"source"`
}

// Location says where a finding is: a manifest file and line, or a live
// object / endpoint URI such as k8s://clusterrole/name or k8s://node/n1:10250.
type Location struct {
	File   string `json:"file,omitempty"`
	Line   int    `json:"line,omitempty"`
	Column int    `json:"column,omitempty"`
	URI    string `json:"uri,omitempty"`
}

// String renders file:line, or the URI.
func (l Location) String() string {
	switch {
	case l.File != "" && l.Line > 0:
		return fmt.Sprintf("%s:%d", l.File, l.Line)
	case l.File != "":
		return l.File
	default:
		return l.URI
	}
}

// Resource names the Kubernetes object (or kubelet endpoint) a finding is about.
type Resource struct {
	Kind      string `json:"kind"`
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name"`
}

// String renders Kind/namespace/name.
func (r Resource) String() string {
	if r.Namespace != "" {
		return r.Kind + "/" + r.Namespace + "/" + r.Name
	}
	return r.Kind + "/" + r.Name
}

// Finding statuses. A suppressed or baselined finding is still reported.
const (
	StatusOpen       = "open"
	StatusSuppressed = "suppressed"
	StatusBaselined  = "baselined"
)

// Finding is one rule violation.
type Finding struct {
	RuleID   string   `json:"ruleId"`
	Severity Severity `json:"severity"`
	Title    string   `json:"title"`
	Message  string   `json:"message"`
	// Subject is who holds the access, e.g. "ServiceAccount:monitoring/agent",
	// "Group:system:authenticated"; empty for findings about a role or a node.
	Subject  string   `json:"subject,omitempty"`
	Resource Resource `json:"resource"`
	Location Location `json:"location"`
	// Path is the provenance chain, e.g.
	// "ClusterRoleBinding a -> ClusterRole b (rule #1 at roles.yaml:12) -> nodes/proxy get".
	Path string `json:"path,omitempty"`
	// Evidence holds rule-specific facts (status lines, body excerpts,
	// verbs). Findings with equal evidence may share one map: read only.
	Evidence    map[string]string `json:"evidence,omitempty"`
	Remediation string            `json:"remediation,omitempty"`
	References  []string          `json:"references,omitempty"`
	Status      string            `json:"status"`
	// StatusReason explains a suppression (annotation reason) or baseline entry.
	StatusReason string `json:"statusReason,omitempty"`
	// Fingerprint is stable across runs for the same finding (rule, object,
	// subject, evidence key) and ignores line numbers and messages.
	Fingerprint string `json:"fingerprint"`
}

// ScanError is a source that could not be (fully) checked. It never counts as a pass.
type ScanError struct {
	// Stage is load, resolve, probe, cluster, policy or config.
	Stage string `json:"stage"`
	// Source is a file path, "-" (stdin), a node/endpoint or an API resource.
	Source  string `json:"source"`
	Line    int    `json:"line,omitempty"`
	Message string `json:"message"`
}

// Error renders "source:line: message".
func (e ScanError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.Source, e.Line, e.Message)
	}
	if e.Source != "" {
		return fmt.Sprintf("%s: %s", e.Source, e.Message)
	}
	return e.Message
}

// Access is one "who reaches which node subresource" edge for reports and
// who-can: subject -> binding -> role -> nodes/<subresource> verbs.
type Access struct {
	Subject     string   `json:"subject"`
	Subresource string   `json:"subresource"`
	Verbs       []string `json:"verbs"`
	// Nodes narrows the grant to named nodes (resourceNames); empty = all nodes.
	Nodes     []string `json:"nodes,omitempty"`
	Binding   string   `json:"binding"`
	Role      string   `json:"role"`
	Location  Location `json:"location"`
	Workloads []string `json:"workloads,omitempty"`
}

// CompareAccess orders access edges as reports list them: by subject,
// subresource, binding, role, then location (its text is built only on a
// tie).
func CompareAccess(a, b *Access) int {
	for _, k := range [...][2]string{
		{a.Subject, b.Subject},
		{a.Subresource, b.Subresource},
		{a.Binding, b.Binding},
		{a.Role, b.Role},
	} {
		if c := strings.Compare(k[0], k[1]); c != 0 {
			return c
		}
	}
	return strings.Compare(a.Location.String(), b.Location.String())
}

// Tool describes this program in reports.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	// PolicyHash identifies the policy bundle (embedded plus --policy dirs).
	PolicyHash string `json:"policyHash,omitempty"`
	URI        string `json:"informationUri,omitempty"`
}

// Summary counts findings by severity and status.
type Summary struct {
	Total      int            `json:"total"`
	BySeverity map[string]int `json:"bySeverity"`
	Open       int            `json:"open"`
	Suppressed int            `json:"suppressed"`
	Baselined  int            `json:"baselined"`
	// Stale lists baseline fingerprints that no longer match any finding.
	Stale  []string `json:"stale,omitempty"`
	Errors int      `json:"errors"`
	// Partial is true when some source could not be checked.
	Partial bool `json:"partial"`
}

// Report is the result of one scan and the public JSON contract.
type Report struct {
	SchemaVersion string      `json:"schemaVersion"`
	Tool          Tool        `json:"tool"`
	Mode          string      `json:"mode"`
	Sources       []string    `json:"sources,omitempty"`
	Rules         []Rule      `json:"rules"`
	Findings      []Finding   `json:"findings"`
	Errors        []ScanError `json:"errors"`
	Access        []Access    `json:"access"`
	Summary       Summary     `json:"summary"`
}

// Sentinel errors; cli.Run maps them to exit codes with errors.Is.
var (
	// ErrFindings: findings at or above --fail-on (exit 1).
	ErrFindings = errors.New("findings at or above the failure threshold")
	// ErrNothingScanned: no source could be scanned (exit 2).
	ErrNothingScanned = errors.New("nothing could be scanned")
	// ErrUsage: bad flags, arguments, config or policies (exit 2).
	ErrUsage = errors.New("usage error")
	// ErrPartial: some sources could not be checked and nothing failed (exit 3).
	ErrPartial = errors.New("partial scan: some sources could not be checked")
)

// Sort orders findings deterministically (stable): rule id, namespace,
// kind, name, subject, location, message. Findings are large and the
// location text is built, so it sorts indices with the texts built once.
// Findings that come grouped by rule id in ascending order (as the engine
// returns them) are sorted rule by rule, on all CPUs.
func Sort(fs []Finding) {
	if IsSorted(fs) {
		return
	}
	runs := ruleRuns(fs)
	if runs == nil {
		sortRange(fs)
		return
	}
	next := make(chan []Finding)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(runs)) {
		wg.Go(func() {
			for r := range next {
				sortRange(r)
			}
		})
	}
	// Largest first: one rule often holds most findings.
	slices.SortFunc(runs, func(a, b []Finding) int { return len(b) - len(a) })
	for _, r := range runs {
		next <- r
	}
	close(next)
	wg.Wait()
}

// ruleRuns splits fs into runs of one rule id, or returns nil when the
// ids are not grouped in ascending order.
func ruleRuns(fs []Finding) [][]Finding {
	var runs [][]Finding
	start := 0
	for i := 1; i <= len(fs); i++ {
		if i < len(fs) && fs[i].RuleID == fs[start].RuleID {
			continue
		}
		if i < len(fs) && fs[i].RuleID < fs[start].RuleID {
			return nil
		}
		runs = append(runs, fs[start:i])
		start = i
	}
	return runs
}

// sortRange is Sort on one slice, on the calling goroutine.
func sortRange(fs []Finding) {
	locs := make([]string, len(fs))
	idx := make([]int, len(fs))
	for i := range fs {
		locs[i], idx[i] = fs[i].Location.String(), i
	}
	slices.SortStableFunc(idx, func(i, j int) int {
		if c := compareKeys(&fs[i], &fs[j]); c != 0 {
			return c
		}
		return compareTail(locs[i], locs[j], fs[i].Message, fs[j].Message)
	})
	sorted := make([]Finding, len(fs))
	for k, i := range idx {
		sorted[k] = fs[i]
	}
	copy(fs, sorted)
}

// IsSorted reports whether fs is in Sort's order.
func IsSorted(fs []Finding) bool {
	for i := 1; i < len(fs); i++ {
		if Compare(&fs[i], &fs[i-1]) < 0 {
			return false
		}
	}
	return true
}

// Compare orders two findings as Sort does. The location texts are built
// only when the leading keys tie.
func Compare(a, b *Finding) int {
	if c := compareKeys(a, b); c != 0 {
		return c
	}
	return compareTail(a.Location.String(), b.Location.String(), a.Message, b.Message)
}

// compareKeys compares the leading sort keys: rule id, namespace, kind,
// name, subject.
func compareKeys(a, b *Finding) int {
	if a.RuleID != b.RuleID {
		return strings.Compare(a.RuleID, b.RuleID)
	}
	if a.Resource.Namespace != b.Resource.Namespace {
		return strings.Compare(a.Resource.Namespace, b.Resource.Namespace)
	}
	if a.Resource.Kind != b.Resource.Kind {
		return strings.Compare(a.Resource.Kind, b.Resource.Kind)
	}
	if a.Resource.Name != b.Resource.Name {
		return strings.Compare(a.Resource.Name, b.Resource.Name)
	}
	return strings.Compare(a.Subject, b.Subject)
}

// compareTail compares the last sort keys: location text, message.
func compareTail(la, lb, ma, mb string) int {
	if la != lb {
		return strings.Compare(la, lb)
	}
	return strings.Compare(ma, mb)
}

// SortErrors orders scan errors by source, line and message.
func SortErrors(es []ScanError) {
	sort.SliceStable(es, func(i, j int) bool {
		a, b := es[i], es[j]
		if a.Source != b.Source {
			return a.Source < b.Source
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Message < b.Message
	})
}

// Summarize recomputes r.Summary from findings and errors (Stale is kept).
func (r *Report) Summarize() {
	s := Summary{BySeverity: map[string]int{}, Stale: r.Summary.Stale}
	for _, f := range r.Findings {
		s.Total++
		switch f.Status {
		case StatusSuppressed:
			s.Suppressed++
		case StatusBaselined:
			s.Baselined++
		default:
			s.Open++
			s.BySeverity[f.Severity.String()]++
		}
	}
	s.Errors = len(r.Errors)
	s.Partial = len(r.Errors) > 0
	r.Summary = s
}

// Failing returns the open findings at or above threshold. A threshold of
// SeverityNone means "never fail".
func (r *Report) Failing(threshold Severity) []Finding {
	if threshold == SeverityNone {
		return nil
	}
	var out []Finding
	for _, f := range r.Findings {
		if f.Status == StatusOpen && f.Severity >= threshold {
			out = append(out, f)
		}
	}
	return out
}
