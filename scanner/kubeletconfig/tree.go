package kubeletconfig

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// maxNodes bounds the YAML nodes one document may expand to (aliases
// included), so an alias bomb costs a bounded amount of work.
const maxNodes = 200000

// lineError is a parse problem at a line of the input (0 = unknown).
type lineError struct {
	line int
	msg  string
}

func (e *lineError) Error() string {
	if e.line > 0 {
		return fmt.Sprintf("line %d: %s", e.line, e.msg)
	}
	return e.msg
}

func errAt(line int, format string, args ...any) error {
	return &lineError{line: line, msg: fmt.Sprintf(format, args...)}
}

// errLine returns the line a parse error names, 0 when none.
func errLine(err error) int {
	var le *lineError
	if errors.As(err, &le) {
		return le.line
	}
	return 0
}

// doc is one YAML/JSON document as JSON-compatible values, with the line of
// every mapping key by dotted path ("authentication.anonymous.enabled").
type doc struct {
	value map[string]any
	// lines holds every written path; the line is 0 when positions are unknown.
	lines map[string]int
	// start is the line of the document's first node (0 when unknown).
	start int
	// err is set when the document could not be converted; value is nil then.
	err error
}

var yamlErrLine = regexp.MustCompile(`line (\d+)`)

// splitDocs decodes every document of data; empty documents are skipped. A
// document that cannot be converted carries its error and the others go on;
// a syntax error ends the stream (YAML cannot resynchronise) as a last
// document carrying the error and its line.
func splitDocs(data []byte) []doc {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var docs []doc
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			return docs
		}
		if err != nil {
			if d, ok := jsonFallback(data, len(docs)); ok {
				return []doc{d}
			}
			return append(docs, doc{err: yamlError(err, data)})
		}
		d, empty, err := fromNode(&n)
		switch {
		case err != nil:
			docs = append(docs, doc{err: err, start: n.Line})
		case !empty:
			docs = append(docs, d)
		}
	}
}

// yamlError turns a YAML library error into a lineError naming its line.
// Reader-level errors (control characters, bad UTF-8) carry no line, so the
// first offending byte's line is used.
func yamlError(err error, data []byte) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 0
	if m := yamlErrLine.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = strings.TrimPrefix(strings.TrimPrefix(msg, m[0]), ": ")
	} else {
		line = badByteLine(data)
	}
	return &lineError{line: line, msg: "invalid YAML: " + msg}
}

// badByteLine is the 1-based line of the first control character or invalid
// UTF-8 sequence in data, 0 when there is none.
func badByteLine(data []byte) int {
	line := 1
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			return line
		case r == '\n':
			line++
		case r < 0x20 && r != '\t' && r != '\r':
			return line
		}
		i += size
	}
	return 0
}

// jsonFallback decodes data as one JSON object when YAML rejected it (JSON
// with tab indentation is valid JSON but not valid YAML). Lines are unknown.
func jsonFallback(data []byte, seen int) (doc, bool) {
	trimmed := bytes.TrimSpace(data)
	if seen > 0 || len(trimmed) == 0 || trimmed[0] != '{' {
		return doc{}, false
	}
	var m map[string]any
	if err := json.Unmarshal(trimmed, &m); err != nil {
		return doc{}, false
	}
	return fromValue(m), true
}

// fromValue wraps an already decoded object; every path gets line 0.
func fromValue(m map[string]any) doc {
	lines := map[string]int{}
	collectPaths(m, "", lines)
	return doc{value: m, lines: lines}
}

func collectPaths(m map[string]any, prefix string, out map[string]int) {
	for k, v := range m {
		p := join(prefix, k)
		out[p] = 0
		if sub, ok := v.(map[string]any); ok {
			collectPaths(sub, p, out)
		}
	}
}

// fromNode converts one decoded document node. empty is true for documents
// holding nothing (only comments, or an explicit null).
func fromNode(n *yaml.Node) (d doc, empty bool, err error) {
	root := n
	if root.Kind == yaml.DocumentNode {
		if len(root.Content) == 0 {
			return doc{}, true, nil
		}
		root = root.Content[0]
	}
	if root.Kind == yaml.ScalarNode && root.ShortTag() == "!!null" {
		return doc{}, true, nil
	}
	if root.Kind != yaml.MappingNode {
		return doc{}, false, errAt(root.Line, "document is a %s, not a mapping: not a KubeletConfiguration", kindName(root))
	}
	w := walker{lines: map[string]int{}}
	v, err := w.convert(root, "")
	if err != nil {
		return doc{}, false, err
	}
	return doc{value: v.(map[string]any), lines: w.lines, start: root.Line}, false, nil
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "list"
	case yaml.ScalarNode:
		return "scalar"
	case yaml.AliasNode:
		return "alias"
	default:
		return "node"
	}
}

// walker converts YAML nodes to the values sigs.k8s.io/yaml (which the
// kubelet uses) would produce, recording key lines on the way.
type walker struct {
	lines map[string]int
	nodes int
}

func (w *walker) convert(n *yaml.Node, path string) (any, error) {
	w.nodes++
	if w.nodes > maxNodes {
		return nil, errAt(n.Line, "document expands to more than %d YAML nodes (alias bomb?)", maxNodes)
	}
	switch n.Kind {
	case yaml.MappingNode:
		m := map[string]any{}
		return m, w.mapping(n, path, m, false)
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for i, c := range n.Content {
			v, err := w.convert(c, fmt.Sprintf("%s[%d]", path, i))
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case yaml.AliasNode:
		return w.convert(n.Alias, path)
	case yaml.ScalarNode:
		return scalar(n)
	default:
		return nil, errAt(n.Line, "unsupported YAML node")
	}
}

// mapping fills m from a mapping node. Duplicate keys are an error: the
// kubelet's decoders disagree on which one wins, so no verdict is safe.
// merged is true for "<<" merges, whose keys never override explicit ones.
func (w *walker) mapping(n *yaml.Node, path string, m map[string]any, merged bool) error {
	keyLines := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			return errAt(k.Line, "mapping key is a %s, not a string", kindName(k))
		}
		if k.ShortTag() == "!!merge" {
			if err := w.merge(v, path, m); err != nil {
				return err
			}
			continue
		}
		if prev, dup := keyLines[k.Value]; dup {
			return errAt(k.Line, "duplicate key %q (first at line %d)", k.Value, prev)
		}
		keyLines[k.Value] = k.Line
		if _, exists := m[k.Value]; exists && merged {
			continue
		}
		p := join(path, k.Value)
		val, err := w.convert(v, p)
		if err != nil {
			return err
		}
		m[k.Value] = val
		w.lines[p] = k.Line
	}
	return nil
}

// merge applies a YAML merge key ("<<: *anchor" or a list of anchors).
func (w *walker) merge(v *yaml.Node, path string, m map[string]any) error {
	for v.Kind == yaml.AliasNode {
		v = v.Alias
	}
	switch v.Kind {
	case yaml.MappingNode:
		return w.mapping(v, path, m, true)
	case yaml.SequenceNode:
		for _, c := range v.Content {
			if err := w.merge(c, path, m); err != nil {
				return err
			}
		}
		return nil
	default:
		return errAt(v.Line, "merge key value is a %s, not a mapping", kindName(v))
	}
}

// yaml11Bools are plain scalars that YAML 1.1 (sigs.k8s.io/yaml, hence the
// kubelet) reads as booleans while YAML 1.2 reads them as strings.
var yaml11Bools = map[string]bool{
	"y": true, "Y": true, "yes": true, "Yes": true, "YES": true, "on": true, "On": true, "ON": true,
	"n": false, "N": false, "no": false, "No": false, "NO": false, "off": false, "Off": false, "OFF": false,
}

func scalar(n *yaml.Node) (any, error) {
	if n.Style == 0 {
		if b, ok := yaml11Bools[n.Value]; ok {
			return b, nil
		}
	}
	switch n.ShortTag() {
	case "!!null":
		return nil, nil
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err != nil {
			return nil, errAt(n.Line, "invalid boolean %q", n.Value)
		}
		return b, nil
	case "!!int":
		var i int64
		if err := n.Decode(&i); err == nil {
			return i, nil
		}
		return number(n)
	case "!!float":
		return number(n)
	default:
		return n.Value, nil
	}
}

func number(n *yaml.Node) (any, error) {
	var f float64
	if err := n.Decode(&f); err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, errAt(n.Line, "invalid number %q", n.Value)
	}
	return f, nil
}

func join(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return prefix + "." + key
}
