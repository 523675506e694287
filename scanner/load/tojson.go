package load

import (
	"fmt"
	"math"
	"strconv"

	yaml "go.yaml.in/yaml/v3"

	"github.com/kubelet-audit/kubelet-audit/internal/jsonquote"
)

// maxAliasNodes bounds the nodes reached through aliases (and merge keys) in
// one input stream, so an alias bomb ("billion laughs"), or many small ones,
// costs an error rather than the machine's memory and time. Real manifests
// stay far below it.
const maxAliasNodes = 2_000_000

// nodeError is a conversion problem at a node's (chunk-relative) line.
type nodeError struct {
	line int
	msg  string
}

func (e *nodeError) Error() string { return e.msg }

// jsonEncoder converts a yaml.Node tree to JSON with the semantics of
// sigs.k8s.io/yaml (YAML 1.2 core schema as resolved by yaml.v3, merge keys,
// aliases). Its buffer is reused between objects; its alias budget spans
// the whole stream.
type jsonEncoder struct {
	buf        []byte
	aliasNodes int
	active     map[*yaml.Node]bool // alias targets being expanded (cycle guard)
	// docLine is the parser line of the current document's root. yaml.v3
	// keeps anchors across the documents of one stream; YAML (and kubectl)
	// scope them to one document, so an alias to an earlier line is refused.
	docLine int
}

// encode returns the JSON for n; the slice is only valid until the next call.
func (e *jsonEncoder) encode(n *yaml.Node) ([]byte, error) {
	e.buf = e.buf[:0]
	err := e.node(n, false)
	return e.buf, err
}

func (e *jsonEncoder) node(n *yaml.Node, viaAlias bool) error {
	if viaAlias {
		e.aliasNodes++
		if e.aliasNodes > maxAliasNodes {
			return &nodeError{n.Line, "aliases expand to too many nodes (alias bomb?)"}
		}
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			e.buf = append(e.buf, "null"...)
			return nil
		}
		return e.node(n.Content[0], viaAlias)
	case yaml.SequenceNode:
		return e.sequence(n, viaAlias)
	case yaml.MappingNode:
		return e.mapping(n, viaAlias)
	case yaml.ScalarNode:
		return e.scalar(n)
	case yaml.AliasNode:
		return e.alias(n)
	}
	return &nodeError{n.Line, fmt.Sprintf("unsupported YAML node kind %d", n.Kind)}
}

func (e *jsonEncoder) alias(n *yaml.Node) error {
	t := n.Alias
	if t == nil {
		return &nodeError{n.Line, "alias without an anchor"}
	}
	if t.Line < e.docLine {
		return &nodeError{n.Line, fmt.Sprintf("alias *%s refers to an anchor of another document", n.Value)}
	}
	if e.active[t] {
		return &nodeError{n.Line, fmt.Sprintf("alias *%s refers to itself", n.Value)}
	}
	if e.active == nil {
		e.active = map[*yaml.Node]bool{}
	}
	e.active[t] = true
	err := e.node(t, true)
	delete(e.active, t)
	return err
}

func (e *jsonEncoder) sequence(n *yaml.Node, viaAlias bool) error {
	e.buf = append(e.buf, '[')
	for i, c := range n.Content {
		if i > 0 {
			e.buf = append(e.buf, ',')
		}
		if err := e.node(c, viaAlias); err != nil {
			return err
		}
	}
	e.buf = append(e.buf, ']')
	return nil
}

func (e *jsonEncoder) mapping(n *yaml.Node, viaAlias bool) error {
	pairs, err := e.mappingPairs(n, 0)
	if err != nil {
		return err
	}
	e.buf = append(e.buf, '{')
	for i, p := range pairs {
		if i > 0 {
			e.buf = append(e.buf, ',')
		}
		e.buf = jsonquote.Append(e.buf, p.key, false)
		e.buf = append(e.buf, ':')
		if err := e.node(p.value, viaAlias); err != nil {
			return err
		}
	}
	e.buf = append(e.buf, '}')
	return nil
}

// pair is one mapping entry with a string key.
type pair struct {
	key   string
	value *yaml.Node
}

// mappingPairs returns n's entries with merge keys (<<) applied: explicit keys
// win over merged ones, earlier merge sources over later ones. Duplicate
// explicit keys are all kept; the JSON decoder keeps the last, as Kubernetes does.
func (e *jsonEncoder) mappingPairs(n *yaml.Node, depth int) ([]pair, error) {
	pairs := make([]pair, 0, len(n.Content)/2)
	var merges []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := resolve(n.Content[i]), n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			return nil, &nodeError{n.Content[i].Line, "a mapping key is not a string (a nested mapping or list used as a key)"}
		}
		if k.Tag == "!!merge" || (k.Value == "<<" && k.ShortTag() == "!!merge") {
			merges = append(merges, v)
			continue
		}
		pairs = append(pairs, pair{k.Value, v})
	}
	if len(merges) == 0 {
		return pairs, nil
	}
	return e.applyMerges(pairs, merges, depth)
}

// applyMerges appends the entries of the merge sources not already present.
// Every merged entry counts against the alias budget: nested merges of
// aliases could otherwise take exponential time.
func (e *jsonEncoder) applyMerges(pairs []pair, merges []*yaml.Node, depth int) ([]pair, error) {
	if depth > 64 {
		return nil, &nodeError{merges[0].Line, "merge keys (<<) nested too deeply"}
	}
	seen := make(map[string]bool, len(pairs))
	for _, p := range pairs {
		seen[p.key] = true
	}
	for _, m := range merges {
		m = resolve(m)
		sources := []*yaml.Node{m}
		if m.Kind == yaml.SequenceNode {
			sources = m.Content
		}
		for _, src := range sources {
			src = resolve(src)
			if src.Kind != yaml.MappingNode {
				return nil, &nodeError{src.Line, "merge key (<<) value is not a mapping"}
			}
			e.aliasNodes += len(src.Content)/2 + 1
			if e.aliasNodes > maxAliasNodes {
				return nil, &nodeError{src.Line, "merge keys expand to too many entries"}
			}
			sub, err := e.mappingPairs(src, depth+1)
			if err != nil {
				return nil, err
			}
			for _, p := range sub {
				if !seen[p.key] {
					seen[p.key] = true
					pairs = append(pairs, p)
				}
			}
		}
	}
	return pairs, nil
}

// resolve follows aliases to the anchored node (bounded: an alias of an alias is not
// valid YAML, the bound is only a guard).
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n.Kind == yaml.AliasNode && n.Alias != nil && i < 64; i++ {
		n = n.Alias
	}
	return n
}

func (e *jsonEncoder) scalar(n *yaml.Node) error {
	switch n.ShortTag() {
	case "!!null":
		e.buf = append(e.buf, "null"...)
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err != nil {
			return &nodeError{n.Line, fmt.Sprintf("invalid boolean %q", n.Value)}
		}
		e.buf = strconv.AppendBool(e.buf, b)
	case "!!int", "!!float":
		return e.number(n)
	default: // !!str, !!timestamp, !!binary and custom tags stay strings
		e.buf = jsonquote.Append(e.buf, n.Value, false)
	}
	return nil
}

func (e *jsonEncoder) number(n *yaml.Node) error {
	var v any
	if err := n.Decode(&v); err != nil {
		return &nodeError{n.Line, fmt.Sprintf("invalid number %q", n.Value)}
	}
	switch x := v.(type) {
	case int:
		e.buf = strconv.AppendInt(e.buf, int64(x), 10)
	case int64:
		e.buf = strconv.AppendInt(e.buf, x, 10)
	case uint64:
		e.buf = strconv.AppendUint(e.buf, x, 10)
	case float64:
		if math.IsInf(x, 0) || math.IsNaN(x) {
			return &nodeError{n.Line, fmt.Sprintf("number %q cannot be represented in JSON", n.Value)}
		}
		e.buf = strconv.AppendFloat(e.buf, x, 'g', -1, 64)
	default: // yaml.v3 fell back to a string (e.g. an integer too large)
		e.buf = jsonquote.Append(e.buf, n.Value, false)
	}
	return nil
}
