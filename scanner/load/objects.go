package load

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	yaml "go.yaml.in/yaml/v3"
	rbacv1 "k8s.io/api/rbac/v1"
	kjson "sigs.k8s.io/json"

	"github.com/kubelet-audit/kubelet-audit/scanner/inventory"
)

// maxListDepth bounds Lists nested in Lists (kubectl never nests them).
const maxListDepth = 4

// templateHint is the advice given for unrendered templates.
const templateHint = "looks like an unrendered Helm/Jinja template; render it first (helm template …)"

// batchSize is the text size at which a batch of chunks is parsed. One
// yaml.v3 parser per ~300-byte document would spend about 40% of the
// allocations on parser set-up; batching amortises it.
const batchSize = 64 << 10

// batch holds consecutive chunks, parsed together with one decoder.
type batch struct {
	text   []byte
	chunks []chunk // text fields are nil; see size
}

// keep reports whether c goes into the batch: chunks without content only
// when the batch has started, so that its text stays contiguous (line
// numbers) and never starts with a bare "..." that yaml.v3 rejects.
func (b *batch) keep(c chunk) bool {
	return len(c.text) > 0 && (c.content || len(b.chunks) > 0)
}

// add copies c into the batch and reports whether the batch is full.
func (b *batch) add(c chunk) bool {
	b.text = append(b.text, c.text...)
	c.text = nil
	b.chunks = append(b.chunks, c)
	return len(b.text) >= batchSize
}

// flush parses the batch. All documents are parsed before any is used, so
// that on a YAML error the batch can be replayed chunk by chunk: the error
// is attributed to its document and the others still load.
func (l *loader) flush(name string, b *batch) {
	defer func() { b.text, b.chunks = b.text[:0], b.chunks[:0] }()
	docs, ok := l.buf.fast.parse(b.text)
	l.buf.fast.dec.ascii = ok
	var err error
	if !ok {
		docs, err = parseAll(b.text)
	}
	if err != nil {
		off := 0
		for _, c := range b.chunks {
			c.text, c.base = b.text[off:off+c.size], c.line
			off += c.size
			if c.content {
				l.chunk(name, c)
			}
		}
		return
	}
	i := 0
	for _, d := range docs {
		if l.ctx.Err() != nil {
			return
		}
		line := b.chunks[0].line + d.Line - 1
		if len(d.Content) > 0 {
			line = b.chunks[0].line + d.Content[0].Line - 1
		}
		for i+1 < len(b.chunks) && b.chunks[i].end < line {
			i++
		}
		c := b.chunks[i]
		c.base = b.chunks[0].line
		l.document(name, c, d)
	}
}

// parseAll parses every document of text.
func parseAll(text []byte) ([]*yaml.Node, error) {
	var docs []*yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(text))
	for {
		d := new(yaml.Node)
		err := dec.Decode(d)
		if err == io.EOF {
			return docs, nil
		}
		if err != nil {
			return nil, err
		}
		docs = append(docs, d)
	}
}

// chunk parses one chunk; normally it holds one document, but decoding loops
// so that anything the splitter did not cut (e.g. UTF-16 input) still loads.
func (l *loader) chunk(name string, c chunk) {
	l.buf.fast.dec.ascii = false
	dec := yaml.NewDecoder(bytes.NewReader(c.text))
	for l.ctx.Err() == nil {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if err == io.EOF {
			return
		}
		if err != nil {
			line, msg := yamlErrorLine(err)
			// yaml.v3 may point one past the last line at the end of input
			line = min(c.fileLine(line), c.end)
			l.fail(name, c, line, c.line, c.end, "invalid YAML: %s", msg)
			return
		}
		l.document(name, c, &doc)
	}
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// parserProblems are the yaml.v3 parser (not scanner) errors. yaml.v3 reports
// their line 0-based (it adds 1 only for scanner errors), and points at the
// start of the enclosing collection.
var parserProblems = []string{
	"did not find expected <", "did not find expected node content", "did not find expected '-' indicator",
	"did not find expected key", "did not find expected ',' or", "found undefined tag handle",
	"found duplicate %", "found incompatible YAML document",
}

// yamlErrorLine extracts the chunk-relative 1-based line from a yaml.v3 error.
func yamlErrorLine(err error) (int, string) {
	msg := err.Error()
	m := yamlLineRE.FindStringSubmatch(msg)
	if m == nil {
		return 0, strings.TrimPrefix(msg, "yaml: ")
	}
	n, _ := strconv.Atoi(m[1])
	for _, p := range parserProblems {
		if strings.HasPrefix(m[2], p) {
			n++
			break
		}
	}
	return n, m[2]
}

// fail records a problem at line; when the object's lines [from, to] hold a
// template marker, the template is the likely cause and is named instead.
func (l *loader) fail(name string, c chunk, line, from, to int, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if t := c.templateIn(from, to); t > 0 {
		l.errorf(name, t, "%s (%s at line %d)", templateHint, msg, line)
		return
	}
	l.errorf(name, line, "%s", msg)
}

// document loads one parsed document; empty and null documents are skipped.
func (l *loader) document(name string, c chunk, doc *yaml.Node) {
	if len(doc.Content) == 0 {
		return
	}
	root := doc.Content[0]
	if root.Kind == yaml.ScalarNode && root.ShortTag() == "!!null" {
		return
	}
	l.enc.docLine = root.Line
	o := object{name: name, c: c, node: root, line: c.fileLine(root.Line), end: c.end}
	if root.Kind != yaml.MappingNode {
		l.fail(name, c, o.line, c.line, c.end, "document is not a Kubernetes object (it is a %s)", kindName(root))
		return
	}
	if l.object(o, 0) {
		l.res.Documents++
	}
}

// object is one Kubernetes object node (a document or a List item).
type object struct {
	name       string
	c          chunk
	node       *yaml.Node
	line, end  int // file lines the object spans (end is approximate)
	apiVersion string
	kind       string
	objName    string
}

func (o object) String() string {
	if o.objName != "" {
		return o.kind + " " + strconv.Quote(o.objName)
	}
	return o.kind
}

// object dispatches on kind; it returns false when the node is not an object
// (no kind), so the document does not count as scannable.
func (l *loader) object(o object, depth int) bool {
	o.apiVersion, o.kind = scalarField(o.node, "apiVersion"), scalarField(o.node, "kind")
	if meta := field(o.node, "metadata"); meta != nil {
		o.objName = scalarField(meta, "name")
	}
	if o.kind == "" {
		l.fail(o.name, o.c, o.line, o.line, o.end, "not a Kubernetes object: missing kind")
		return false
	}
	l.res.Objects++
	if strings.HasSuffix(o.kind, "List") && field(o.node, "items") != nil {
		l.list(o, depth)
		return true
	}
	load, ok := kinds[o.kind]
	if !ok {
		l.res.Ignored++
		return true
	}
	if o.apiVersion == "" {
		l.fail(o.name, o.c, o.line, o.line, o.end, "%s: missing apiVersion", o)
		return true
	}
	load(l, o)
	return true
}

// list loads the items of a List (kind List, ClusterRoleList, ...) one by
// one; each keeps the line of its own `- ` item.
func (l *loader) list(o object, depth int) {
	l.res.Objects-- // the List itself is a container, not an object
	items := resolve(field(o.node, "items"))
	if items.Kind == yaml.ScalarNode && items.ShortTag() == "!!null" {
		return
	}
	if items.Kind != yaml.SequenceNode || depth >= maxListDepth {
		l.fail(o.name, o.c, o.c.fileLine(items.Line), o.line, o.end, "%s: items is not a list of objects", o.kind)
		return
	}
	for i, it := range items.Content {
		if l.ctx.Err() != nil {
			return
		}
		end := o.end
		if i+1 < len(items.Content) {
			end = o.c.fileLine(items.Content[i+1].Line) - 1
		}
		item := object{name: o.name, c: o.c, node: resolve(it), line: o.c.fileLine(it.Line), end: end}
		if item.node.Kind != yaml.MappingNode {
			l.fail(o.name, o.c, item.line, item.line, end, "%s item %d is not a Kubernetes object (it is a %s)", o.kind, i, kindName(item.node))
			continue
		}
		l.object(item, depth+1)
	}
}

// field returns the value of key in mapping n (aliases resolved), or nil.
// Merge keys are not followed: kind, apiVersion, items and rules come from
// the object itself. A duplicated key yields its last value, like the decoder.
func field(n *yaml.Node, key string) *yaml.Node {
	n = resolve(n)
	if n.Kind != yaml.MappingNode {
		return nil
	}
	var v *yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := n.Content[i]; k.Kind == yaml.ScalarNode && k.Value == key {
			v = resolve(n.Content[i+1])
		}
	}
	return v
}

// scalarField returns a string-valued field, or "" when absent or not a scalar.
func scalarField(n *yaml.Node, key string) string {
	v := field(n, key)
	if v == nil || v.Kind != yaml.ScalarNode || v.ShortTag() == "!!null" {
		return ""
	}
	return v.Value
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "list"
	case yaml.ScalarNode:
		return "scalar " + strconv.Quote(truncate(n.Value, 40))
	case yaml.AliasNode:
		return "alias"
	}
	return "mapping"
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// decode converts o's node to JSON and unmarshals it into v with the
// case-sensitive decoder the API server uses. It returns the JSON (valid
// until the next decode; nil when the node decoder took the common case
// without it) and false after recording an error.
func (l *loader) decode(o object, v any) ([]byte, bool) {
	if l.buf.fast.dec.decode(o.node, v) {
		return nil, true
	}
	js, err := l.enc.encode(o.node)
	if err != nil {
		line := o.line
		var ne *nodeError
		if errors.As(err, &ne) {
			line = o.c.fileLine(ne.line)
		}
		l.fail(o.name, o.c, line, o.line, o.end, "%s: %v", o, err)
		return nil, false
	}
	if err := kjson.UnmarshalCaseSensitivePreserveInts(js, v); err != nil {
		line, msg := l.typeErrorLine(o, err)
		l.fail(o.name, o.c, line, o.line, o.end, "%s: %s", o, msg)
		return nil, false
	}
	return js, true
}

var typeErrRE = regexp.MustCompile(`^json: cannot unmarshal (.+) into Go struct field [^.\s]+\.(\S+) of type (.+)$`)

// typeErrorLine turns a decode error into a message and the line of the
// offending field (found by its dotted path), or the object's line.
func (l *loader) typeErrorLine(o object, err error) (int, string) {
	m := typeErrRE.FindStringSubmatch(err.Error())
	if m == nil {
		return o.line, strings.TrimPrefix(err.Error(), "json: ")
	}
	// Go names embedded structs in the path (TypeMeta.apiVersion); JSON
	// field names of Kubernetes types start lowercase, so drop the others.
	var path []string
	for _, p := range strings.Split(m[2], ".") {
		if p != "" && !unicode.IsUpper(rune(p[0])) {
			path = append(path, p)
		}
	}
	line := o.line
	budget := 10000
	if n := findPath(o.node, path, &budget); n != nil {
		line = o.c.fileLine(n.Line)
	}
	return line, fmt.Sprintf("field %s: got %s, want %s", strings.Join(path, "."), m[1], m[3])
}

// findPath finds the node at a dotted field path; lists are searched element
// by element (the decoder's path has no indexes). budget bounds the nodes
// visited: with aliases the search could otherwise be exponential.
func findPath(n *yaml.Node, path []string, budget *int) *yaml.Node {
	n = resolve(n)
	if *budget--; *budget <= 0 {
		return nil
	}
	if len(path) == 0 {
		return n
	}
	switch n.Kind {
	case yaml.MappingNode:
		if v := field(n, path[0]); v != nil {
			return findPath(v, path[1:], budget)
		}
	case yaml.SequenceNode:
		for _, c := range n.Content {
			if r := findPath(c, path, budget); r != nil {
				return r
			}
		}
	}
	return nil
}

// ruleLines returns the file line of each item of the object's rules list.
func (l *loader) ruleLines(o object, n int) []int {
	lines := l.buf.ints.take(n)
	rules := field(o.node, "rules")
	if rules == nil || rules.Kind != yaml.SequenceNode {
		return lines
	}
	for i := 0; i < n && i < len(rules.Content); i++ {
		lines[i] = o.c.fileLine(rules.Content[i].Line)
	}
	return lines
}

func (o object) source() inventory.Source {
	return inventory.Source{File: o.name, Line: o.line}
}

// group returns the API group of an apiVersion ("" for the core group).
func group(apiVersion string) string {
	if i := strings.LastIndexByte(apiVersion, '/'); i >= 0 {
		return apiVersion[:i]
	}
	return ""
}

// rbacVersions are the RBAC API versions decoded as v1 (v1beta1 and v1alpha1
// have the same schema and were removed in Kubernetes 1.22).
var rbacVersions = map[string]bool{
	rbacv1.SchemeGroupVersion.String():   true,
	"rbac.authorization.k8s.io/v1beta1":  true,
	"rbac.authorization.k8s.io/v1alpha1": true,
}
