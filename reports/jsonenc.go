package reports

import (
	"slices"
	"strconv"

	"github.com/kubelet-audit/kubelet-audit/internal/jsonquote"
	"github.com/kubelet-audit/kubelet-audit/scanner/finding"
)

// jsonEnc writes the JSON of the large report arrays (findings, access
// edges, SARIF results) by hand, byte for byte what encoding/json's
// Encoder writes with SetIndent(prefix, "  "): reflection, and the
// Encoder's compact-then-reindent double pass, cost more than the rest of
// the report writing. TestJSONEncMatchesEncoding pins every writer to
// encoding/json; a field added to a finding type fails it.
type jsonEnc struct {
	b      []byte
	html   bool   // escape <, > and & as SetEscapeHTML(true) does
	prefix string // indentation of the value's first line
	counts []int  // members written in each open object or array
}

// reset starts a new value in the reused buffer.
func (e *jsonEnc) reset() {
	e.b = e.b[:0]
	e.counts = e.counts[:0]
}

// newline starts a line indented for depth open containers.
func (e *jsonEnc) newline(depth int) {
	e.b = append(e.b, '\n')
	e.b = append(e.b, e.prefix...)
	for range depth {
		e.b = append(e.b, "  "...)
	}
}

// open starts an object ('{') or array ('[').
func (e *jsonEnc) open(c byte) {
	e.b = append(e.b, c)
	e.counts = append(e.counts, 0)
}

// close ends the innermost container; empty ones stay "{}" and "[]".
func (e *jsonEnc) close(c byte) {
	k := len(e.counts) - 1
	if e.counts[k] > 0 {
		e.newline(k)
	}
	e.b = append(e.b, c)
	e.counts = e.counts[:k]
}

// elem starts the next element of the innermost array.
func (e *jsonEnc) elem() {
	k := len(e.counts) - 1
	if e.counts[k] > 0 {
		e.b = append(e.b, ',')
	}
	e.counts[k]++
	e.newline(k + 1)
}

// key starts member key (plain ASCII) of the innermost object.
func (e *jsonEnc) key(key string) {
	e.elem()
	e.b = append(e.b, '"')
	e.b = append(e.b, key...)
	e.b = append(e.b, `": `...)
}

func (e *jsonEnc) str(s string) { e.b = jsonquote.Append(e.b, s, e.html) }

func (e *jsonEnc) int(n int) { e.b = strconv.AppendInt(e.b, int64(n), 10) }

// member writes key and a string value.
func (e *jsonEnc) member(key, s string) {
	e.key(key)
	e.str(s)
}

// memberOmit writes key and s unless s is empty (omitempty).
func (e *jsonEnc) memberOmit(key, s string) {
	if s != "" {
		e.member(key, s)
	}
}

// strs writes a string array; nil is null, as in encoding/json.
func (e *jsonEnc) strs(xs []string) {
	if xs == nil {
		e.b = append(e.b, "null"...)
		return
	}
	e.open('[')
	for _, x := range xs {
		e.elem()
		e.str(x)
	}
	e.close(']')
}

// strsOmit writes key and xs unless xs is empty (omitempty).
func (e *jsonEnc) strsOmit(key string, xs []string) {
	if len(xs) > 0 {
		e.key(key)
		e.strs(xs)
	}
}

// strMapOmit writes key and m unless m is empty (omitempty).
func (e *jsonEnc) strMapOmit(key string, m map[string]string) {
	if len(m) > 0 {
		e.key(key)
		e.strMap(m)
	}
}

// strMap writes a map[string]string with sorted keys; nil is null.
func (e *jsonEnc) strMap(m map[string]string) {
	if m == nil {
		e.b = append(e.b, "null"...)
		return
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	e.open('{')
	for _, k := range keys {
		e.elem()
		e.str(k)
		e.b = append(e.b, ": "...)
		e.str(m[k])
	}
	e.close('}')
}

// location writes a finding.Location (every member omitempty).
func (e *jsonEnc) location(l finding.Location) {
	e.open('{')
	e.memberOmit("file", l.File)
	if l.Line != 0 {
		e.key("line")
		e.int(l.Line)
	}
	if l.Column != 0 {
		e.key("column")
		e.int(l.Column)
	}
	e.memberOmit("uri", l.URI)
	e.close('}')
}

// finding writes a finding.Finding.
func (e *jsonEnc) finding(f *finding.Finding) {
	e.open('{')
	e.member("ruleId", f.RuleID)
	e.member("severity", f.Severity.String())
	e.member("title", f.Title)
	e.member("message", f.Message)
	e.memberOmit("subject", f.Subject)
	e.key("resource")
	e.open('{')
	e.member("kind", f.Resource.Kind)
	e.memberOmit("namespace", f.Resource.Namespace)
	e.member("name", f.Resource.Name)
	e.close('}')
	e.key("location")
	e.location(f.Location)
	e.memberOmit("path", f.Path)
	e.strMapOmit("evidence", f.Evidence)
	e.memberOmit("remediation", f.Remediation)
	e.strsOmit("references", f.References)
	e.member("status", f.Status)
	e.memberOmit("statusReason", f.StatusReason)
	e.member("fingerprint", f.Fingerprint)
	e.close('}')
}

// access writes a finding.Access.
func (e *jsonEnc) access(a *finding.Access) {
	e.open('{')
	e.member("subject", a.Subject)
	e.member("subresource", a.Subresource)
	e.key("verbs")
	e.strs(a.Verbs)
	e.strsOmit("nodes", a.Nodes)
	e.member("binding", a.Binding)
	e.member("role", a.Role)
	e.key("location")
	e.location(a.Location)
	e.strsOmit("workloads", a.Workloads)
	e.close('}')
}
