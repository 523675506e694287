package load

import (
	"strings"
	"unsafe"

	yaml "go.yaml.in/yaml/v3"
)

// fastParser builds the yaml.Node trees of the plain block YAML that
// generators, `kubectl -o yaml` and hand-written RBAC use (block mappings and
// sequences, single-line plain or quoted scalars, single-line flow lists and
// maps of scalars) about ten times faster than yaml.v3, with far fewer
// allocations: nodes come from slabs and values are substrings of the
// batch text itself, not of a copy (25 MB of copies at L). The batch buffer
// is overwritten by the next batch, so the nodes' strings must never be
// kept: everything that outlives a flush is copied (nodeDecoder.intern,
// strings.Clone, fmt, the JSON path). TestLoadKeepsNoBatchText catches a
// string that is kept anyway.
//
// It accepts only a conservative subset: anything else (comments, anchors,
// tags, block or multi-line scalars, escapes, tabs, CR, non-ASCII bytes,
// empty values or documents, ...) makes parse report false and the caller
// falls back to yaml.v3. On the subset the trees are identical to yaml.v3's
// (kind, style, tag, value, line, column), which TestParseFastMatchesYAMLv3
// and FuzzParseFast check, so errors and positions cannot change.
type fastParser struct {
	src   string
	pos   int // start of the current line
	cs    int // start of the current content (after the indent or a "- ")
	end   int // end of the current line (index of its '\n' or len(src))
	line  int // 1-based line of pos
	stack []*yaml.Node
	depth int
	// dec decodes the common kinds from the nodes (it shares this
	// per-worker state for its string cache).
	dec nodeDecoder
	// Node and content slabs, reused from one parse call to the next.
	blocks  [][]yaml.Node
	cur     []yaml.Node // blocks[nb-1]
	ni, nb  int         // next free node in cur, blocks in use
	pblocks [][]*yaml.Node
	pcur    []*yaml.Node // pblocks[pb-1][:used]
	pb      int
}

const (
	fastMaxDepth   = 100 // block nesting depth
	fastMaxKeyLen  = 128 // well below libyaml's 1024-character simple key limit
	fastBlock      = 1024
	fastKeepBlocks = 64
	strTag         = "!!str"
)

// fastBad marks the bytes that send a whole batch to yaml.v3: control
// characters (tab, CR), non-ASCII (other line breaks, BOMs, column counting
// in runes), '#' (comments) and '\\' (escapes).
var fastBad = func() (t [256]bool) {
	for c := range 256 {
		t[c] = (c < 0x20 && c != '\n') || c >= 0x7F || c == '#' || c == '\\'
	}
	return t
}()

// Classes of a scalar's first byte.
const (
	classOther     = iota
	classIndicator // cannot start a plain scalar in the subset
	classWord      // may start true, null, ~, << ...
	classNumber    // may start a number (yaml.v3 parses it to resolve it)
)

var fastClass = func() (t [256]byte) {
	for _, c := range []byte("-?:,[]{}#&*!|>'\"%@`") {
		t[c] = classIndicator
	}
	for _, c := range []byte("yYnNtTfFoO~<") {
		t[c] = classWord
	}
	for _, c := range []byte("+0123456789.") {
		t[c] = classNumber
	}
	return t
}()

// parse returns the documents of text, or false when text is not entirely
// in the subset. The trees share slabs that the next call reuses, and their
// strings share text: they are only valid until text or the parser is
// reused (flush uses them and keeps only copies).
func (p *fastParser) parse(text []byte) ([]*yaml.Node, bool) {
	for _, c := range text {
		if fastBad[c] {
			return nil, false
		}
	}
	p.reset()
	// No copy: see the type's comment.
	p.src, p.line, p.depth = unsafe.String(unsafe.SliceData(text), len(text)), 1, 0
	p.setLine(0)
	var docs []*yaml.Node
	for {
		p.skipBlank()
		if p.eof() {
			return docs, true
		}
		doc, ok := p.document(len(docs) == 0)
		if !ok {
			return nil, false
		}
		docs = append(docs, doc)
	}
}

// document parses one document starting at the current (non-blank) line;
// only the first one of the text may lack a "---" line.
func (p *fastParser) document(first bool) (*yaml.Node, bool) {
	line, col := p.line, 1
	explicit := p.isMarker()
	if explicit {
		if strings.TrimRight(p.src[p.pos+3:p.end], " ") != "" {
			return nil, false // content or a tag after "---"
		}
		p.nextLine()
		p.skipBlank()
	} else if !first || p.isEndMarker() {
		return nil, false
	}
	if p.eof() || p.isMarker() || !p.isKey(p.cs) {
		return nil, false // empty document, or a root that is not a mapping
	}
	if !explicit {
		line, col = p.line, p.cs-p.pos+1
	}
	root, ok := p.mapping(p.cs - p.pos)
	if !ok || !(p.eof() || p.isMarker()) {
		return nil, false
	}
	doc := p.node(yaml.DocumentNode, 0, "", "", line, col)
	doc.Content = p.content1(root)
	return doc, true
}

// setLine makes the line starting at pos current.
func (p *fastParser) setLine(pos int) {
	p.pos = pos
	if e := strings.IndexByte(p.src[pos:], '\n'); e >= 0 {
		p.end = pos + e
	} else {
		p.end = len(p.src)
	}
	p.cs = pos
	for p.cs < p.end && p.src[p.cs] == ' ' {
		p.cs++
	}
}

func (p *fastParser) nextLine() {
	if p.end >= len(p.src) {
		p.setLine(len(p.src))
		return
	}
	p.line++
	p.setLine(p.end + 1)
}

// skipBlank moves past lines holding only spaces.
func (p *fastParser) skipBlank() {
	for !p.eof() && p.cs == p.end {
		p.nextLine()
	}
}

func (p *fastParser) eof() bool { return p.pos >= len(p.src) }

// isMarker reports a "---" line (the splitter cut the text there).
func (p *fastParser) isMarker() bool {
	return strings.HasPrefix(p.src[p.pos:p.end], "---") && (p.pos+3 == p.end || p.src[p.pos+3] == ' ')
}

func (p *fastParser) isEndMarker() bool {
	return strings.HasPrefix(p.src[p.pos:p.end], "...")
}

// indent is the column (0-based) of the current content.
func (p *fastParser) indent() int { return p.cs - p.pos }

// dash reports a "- " sequence entry at the current content.
func (p *fastParser) dash() bool {
	return p.src[p.cs] == '-' && p.cs+1 < p.end && p.src[p.cs+1] == ' '
}

func isKeyStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

func isKeyChar(c byte) bool {
	return isKeyStart(c) || c == '-' || c == '.' || c == '/'
}

// keyEnd returns the index of the ':' ending the key (plain or quoted)
// that starts at i, when a space or the end of the line follows it, or -1.
func (p *fastParser) keyEnd(i, end int) int {
	if i >= end {
		return -1
	}
	j := i + 1
	switch c := p.src[i]; {
	case c == '"' || c == '\'':
		j = p.quoteEnd(i, end)
		if j < 0 {
			return -1
		}
	case isKeyStart(c):
		for j < end && isKeyChar(p.src[j]) {
			j++
		}
	default:
		return -1
	}
	if j-i > fastMaxKeyLen || j >= end || p.src[j] != ':' || (j+1 < end && p.src[j+1] != ' ') {
		return -1
	}
	return j
}

func (p *fastParser) isKey(i int) bool { return p.keyEnd(i, p.end) >= 0 }

// key makes the key node of src[i:j] (j from keyEnd).
func (p *fastParser) key(i, j int) *yaml.Node {
	if c := p.src[i]; c == '"' || c == '\'' {
		n, _ := p.quoted(i, j)
		return n
	}
	return p.plain(i, j)
}

// mapping parses a block mapping whose keys are at column ind, the first
// one at the current content.
func (p *fastParser) mapping(ind int) (*yaml.Node, bool) {
	if p.depth++; p.depth > fastMaxDepth {
		return nil, false
	}
	defer func() { p.depth-- }()
	m := p.node(yaml.MappingNode, 0, "!!map", "", p.line, ind+1)
	start := len(p.stack)
	for {
		ke := p.keyEnd(p.cs, p.end)
		if ke < 0 {
			return nil, false
		}
		p.stack = append(p.stack, p.key(p.cs, ke))
		v := ke + 1
		for v < p.end && p.src[v] == ' ' {
			v++
		}
		var val *yaml.Node
		ok := true
		if v == p.end {
			p.nextLine()
			p.skipBlank()
			val, ok = p.blockValue(ind)
		} else {
			val, ok = p.inline(v)
			p.nextLine()
			p.skipBlank()
			ok = ok && (p.eof() || p.indent() <= ind)
		}
		if !ok {
			return nil, false
		}
		p.stack = append(p.stack, val)
		if p.eof() || p.isMarker() || p.indent() < ind {
			break
		}
		if p.indent() > ind {
			return nil, false
		}
	}
	m.Content = p.content(start)
	return m, true
}

// blockValue parses the value of a key that ends its line (at column
// ind): a sequence at least as indented, or a more indented mapping.
func (p *fastParser) blockValue(ind int) (*yaml.Node, bool) {
	if p.eof() || p.isMarker() {
		return nil, false
	}
	switch in := p.indent(); {
	case p.dash() && in >= ind:
		return p.sequence(in)
	case in > ind && p.isKey(p.cs):
		return p.mapping(in)
	}
	return nil, false // empty (null) value or a scalar on the next line
}

// sequence parses a block sequence whose "- " entries are at column ind.
func (p *fastParser) sequence(ind int) (*yaml.Node, bool) {
	if p.depth++; p.depth > fastMaxDepth {
		return nil, false
	}
	defer func() { p.depth-- }()
	s := p.node(yaml.SequenceNode, 0, "!!seq", "", p.line, ind+1)
	start := len(p.stack)
	for {
		p.cs++
		for p.cs < p.end && p.src[p.cs] == ' ' {
			p.cs++
		}
		if p.cs == p.end || p.dash() {
			return nil, false // empty entry or nested sequence
		}
		var item *yaml.Node
		ok := true
		if p.isKey(p.cs) {
			item, ok = p.mapping(p.indent())
		} else {
			item, ok = p.inline(p.cs)
			p.nextLine()
			p.skipBlank()
			ok = ok && (p.eof() || p.indent() <= ind)
		}
		if !ok {
			return nil, false
		}
		p.stack = append(p.stack, item)
		if p.eof() || p.isMarker() || p.indent() < ind {
			break
		}
		if p.indent() > ind {
			return nil, false
		}
		if !p.dash() {
			break // a key of the mapping this sequence is the value of
		}
	}
	s.Content = p.content(start)
	return s, true
}

// inline parses the scalar or flow collection from i to the end of the line.
func (p *fastParser) inline(i int) (*yaml.Node, bool) {
	end := p.end
	for end > i && p.src[end-1] == ' ' {
		end--
	}
	var n *yaml.Node
	j := -1
	switch p.src[i] {
	case '"', '\'':
		n, j = p.quoted(i, end)
	case '[', '{':
		n, j = p.flow(i, end)
	default:
		return p.blockPlain(i, end)
	}
	return n, n != nil && j == end
}

// blockPlain parses a single-line plain scalar in block context.
func (p *fastParser) blockPlain(i, end int) (*yaml.Node, bool) {
	if fastClass[p.src[i]] == classIndicator {
		return nil, false
	}
	for j := i; j < end; j++ {
		switch c := p.src[j]; c {
		case '[', ']', '{', '}':
			return nil, false
		case ':':
			if j+1 == end || p.src[j+1] == ' ' {
				return nil, false
			}
		}
	}
	return p.plain(i, end), true
}

// quoteEnd returns the index after the single-line quoted scalar at i, or -1.
func (p *fastParser) quoteEnd(i, end int) int {
	q := p.src[i]
	for j := i + 1; j < end; j++ {
		if p.src[j] == q {
			if q == '\'' && j+1 < end && p.src[j+1] == '\'' {
				j++ // '' is an escaped quote
				continue
			}
			return j + 1
		}
	}
	return -1
}

// quoted parses a single-line quoted scalar at i; it returns the index after
// the closing quote, or a nil node.
func (p *fastParser) quoted(i, end int) (*yaml.Node, int) {
	j := p.quoteEnd(i, end)
	if j < 0 {
		return nil, -1
	}
	v, style := p.src[i+1:j-1], yaml.DoubleQuotedStyle
	if p.src[i] == '\'' {
		style = yaml.SingleQuotedStyle
		if strings.Contains(v, "''") {
			v = strings.ReplaceAll(v, "''", "'")
		}
	}
	return p.node(yaml.ScalarNode, style, strTag, v, p.line, i-p.pos+1), j
}

// flow parses a single-line flow sequence or mapping of scalars at i; it
// returns the index after its closing bracket, or a nil node.
func (p *fastParser) flow(i, end int) (*yaml.Node, int) {
	isMap := p.src[i] == '{'
	closer := byte(']')
	kind, tag := yaml.SequenceNode, "!!seq"
	if isMap {
		closer, kind, tag = '}', yaml.MappingNode, "!!map"
	}
	n := p.node(kind, yaml.FlowStyle, tag, "", p.line, i-p.pos+1)
	start := len(p.stack)
	j := skipSpaces(p.src, i+1, end)
	if j < end && p.src[j] == closer {
		return n, j + 1
	}
	for {
		if isMap {
			ke := p.keyEnd(j, end)
			if ke < 0 || ke+1 >= end {
				return nil, -1 // "key:" at the end of the line
			}
			p.stack = append(p.stack, p.key(j, ke))
			j = skipSpaces(p.src, ke+1, end)
		}
		var v *yaml.Node
		if v, j = p.flowScalar(j, end); v == nil {
			return nil, -1
		}
		p.stack = append(p.stack, v)
		j = skipSpaces(p.src, j, end)
		if j >= end {
			return nil, -1
		}
		if p.src[j] == closer {
			n.Content = p.content(start)
			return n, j + 1
		}
		if p.src[j] != ',' {
			return nil, -1
		}
		j = skipSpaces(p.src, j+1, end)
		if j >= end || p.src[j] == closer {
			return nil, -1 // trailing comma
		}
	}
}

// flowScalar parses a quoted or simple plain scalar inside a flow collection.
func (p *fastParser) flowScalar(i, end int) (*yaml.Node, int) {
	if i >= end {
		return nil, -1
	}
	if c := p.src[i]; c == '"' || c == '\'' {
		return p.quoted(i, end)
	}
	if !isKeyStart(p.src[i]) {
		return nil, -1
	}
	j := i + 1
	for j < end && (isKeyChar(p.src[j]) || p.src[j] == '@') {
		j++
	}
	return p.plain(i, j), j
}

func skipSpaces(s string, i, end int) int {
	for i < end && s[i] == ' ' {
		i++
	}
	return i
}

// plain makes the plain scalar src[i:j] with yaml.v3's resolved tag.
func (p *fastParser) plain(i, j int) *yaml.Node {
	v := p.src[i:j]
	tag := strTag
	switch fastClass[v[0]] {
	case classWord:
		// yaml.v3 resolves these only by an exact table lookup
		tag = wordTags[v]
		if tag == "" {
			tag = strTag
		}
	case classNumber:
		probe := yaml.Node{Kind: yaml.ScalarNode, Value: v}
		tag = probe.ShortTag()
	}
	return p.node(yaml.ScalarNode, 0, tag, v, p.line, i-p.pos+1)
}

// wordTags are the tags yaml.v3 resolves plain scalars starting with a
// letter (or ~ and <) to; any other such scalar is a string.
var wordTags = map[string]string{
	"true": "!!bool", "True": "!!bool", "TRUE": "!!bool",
	"false": "!!bool", "False": "!!bool", "FALSE": "!!bool",
	"~": "!!null", "null": "!!null", "Null": "!!null", "NULL": "!!null",
	"<<": "!!merge",
}

// node takes a node from the slabs.
func (p *fastParser) node(kind yaml.Kind, style yaml.Style, tag, value string, line, col int) *yaml.Node {
	if p.ni == len(p.cur) {
		if p.nb == len(p.blocks) {
			p.blocks = append(p.blocks, make([]yaml.Node, fastBlock))
		}
		p.cur, p.ni = p.blocks[p.nb], 0
		p.nb++
	}
	n := &p.cur[p.ni]
	p.ni++
	// Field by field rather than a whole-struct copy: cheaper write
	// barriers. The other fields are never set, by this parser or anyone.
	n.Kind, n.Style, n.Tag, n.Value, n.Line, n.Column = kind, style, tag, value, line, col
	if n.Content != nil {
		n.Content = nil
	}
	return n
}

// content moves the stacked nodes from start on into a slice from the slabs.
func (p *fastParser) content(start int) []*yaml.Node {
	n := len(p.stack) - start
	if n == 0 {
		return nil
	}
	var out []*yaml.Node
	if n > fastBlock {
		out = make([]*yaml.Node, n)
	} else {
		if len(p.pcur)+n > cap(p.pcur) {
			if p.pb == len(p.pblocks) {
				p.pblocks = append(p.pblocks, make([]*yaml.Node, 0, fastBlock))
			}
			p.pcur = p.pblocks[p.pb][:0]
			p.pb++
		}
		k := len(p.pcur)
		p.pcur = p.pcur[:k+n]
		out = p.pcur[k : k+n : k+n]
	}
	copy(out, p.stack[start:])
	// Not cleared (write barriers while the GC runs): stale entries point
	// into the slabs, which the parser keeps; reset clears them when it
	// drops blocks.
	p.stack = p.stack[:start]
	return out
}

// reset makes the slabs reusable (the previous trees become invalid) and
// drops the blocks beyond fastKeepBlocks that a huge document needed.
func (p *fastParser) reset() {
	if len(p.blocks) > fastKeepBlocks {
		clear(p.stack[:cap(p.stack)])
		clear(p.blocks[fastKeepBlocks:]) // truncating alone would keep them
		p.blocks = p.blocks[:fastKeepBlocks]
	}
	if len(p.pblocks) > fastKeepBlocks {
		clear(p.pblocks[fastKeepBlocks:])
		p.pblocks = p.pblocks[:fastKeepBlocks]
	}
	p.cur, p.ni, p.nb = nil, 0, 0
	p.pb = 0
	p.pcur = nil
	p.stack = p.stack[:0]
}

func (p *fastParser) content1(n *yaml.Node) []*yaml.Node {
	p.stack = append(p.stack, n)
	return p.content(len(p.stack) - 1)
}
