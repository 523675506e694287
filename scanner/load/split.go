package load

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
)

// maxTemplateLines bounds how many template-marker lines one chunk remembers.
const maxTemplateLines = 4096

// chunk is the text of one YAML document (rarely more, see splitter) and the
// file line its first byte is on.
type chunk struct {
	text []byte
	line int // 1-based file line of text[0]
	end  int // file line of the last line in text
	// base is the file line of line 1 as the YAML parser counts it: line for
	// a chunk parsed alone, the batch's first line when parsed in a batch.
	base int
	size int // len(text) when the text was cut
	// content is false for chunks of only comments, blank lines, markers
	// and directives: yaml.v3 rejects a lone "..." although it is valid.
	content bool
	// templates are the file lines holding "{{" or "{%", ascending.
	templates []int
}

// fileLine maps a 1-based line inside the chunk to a file line.
func (c chunk) fileLine(rel int) int {
	if rel <= 0 {
		return c.line
	}
	return c.base + rel - 1
}

// templateIn returns the first template-marker line within [from, to], or 0.
func (c chunk) templateIn(from, to int) int {
	for _, t := range c.templates {
		if t > to {
			break
		}
		if t >= from {
			return t
		}
	}
	return 0
}

// splitter cuts a stream into documents at `---` lines (and after `...`).
// YAML forbids document markers at column 0 inside any content, so a line
// starting with `---` plus whitespace always starts a new document; cutting
// there lets a broken document be skipped without losing the next one.
type splitter struct {
	r    *bufio.Reader
	max  int64 // byte cap, <0 = none
	read int64
	line int // lines consumed so far
	buf  []byte
}

func newSplitter(r *bufio.Reader, max int64) *splitter {
	return &splitter{r: r, max: max}
}

// errTooLarge stops a stream at the size cap.
var errTooLarge = errors.New("input is over the MaxFileSize limit")

// next returns the next chunk; err is io.EOF at the end of the stream (the
// chunk may still hold text). The chunk's text is only valid until the next call.
func (s *splitter) next() (chunk, error) {
	c := chunk{line: s.line + 1, base: s.line + 1}
	s.buf = s.buf[:0]
	content := false
	var err error
	for {
		if content && s.atDocStart() {
			break
		}
		start := len(s.buf)
		s.buf, err = s.readLine(s.buf)
		if len(s.buf) > start {
			ln := s.buf[start:]
			s.line++
			content = content || isContent(ln)
			if isMarker(ln, "...") {
				break
			}
		}
		if err != nil {
			break
		}
	}
	s.scan(&c, s.buf)
	c.text, c.end, c.size, c.content = s.buf, s.line, len(s.buf), content
	return c, err
}

// scan adds the chunk's extra line breaks to the line count and records its
// template lines. It looks at the whole text first: most chunks have
// neither, and per-line searches were a tenth of the loading time.
func (s *splitter) scan(c *chunk, text []byte) {
	if bytes.IndexByte(text, '{') < 0 && !hasBreakBytes(text) {
		return
	}
	line := c.line - 1
	for len(text) > 0 {
		ln := text
		if i := bytes.IndexByte(text, '\n'); i >= 0 {
			ln = text[:i+1]
		}
		text = text[len(ln):]
		line += 1 + extraBreaks(ln)
		if len(c.templates) < maxTemplateLines && hasTemplate(ln) {
			c.templates = append(c.templates, line)
		}
	}
	s.line = line
}

// readLine appends one line (with its newline) to dst.
func (s *splitter) readLine(dst []byte) ([]byte, error) {
	for {
		frag, err := s.r.ReadSlice('\n')
		s.read += int64(len(frag))
		if s.max >= 0 && s.read > s.max {
			return dst, fmt.Errorf("%w (%s)", errTooLarge, size(s.max))
		}
		dst = append(dst, frag...)
		if err != bufio.ErrBufferFull {
			return dst, err
		}
	}
}

// atDocStart reports whether the next line is a `---` document marker.
func (s *splitter) atDocStart() bool {
	p, _ := s.r.Peek(4)
	return isMarker(p, "---")
}

// isMarker reports whether line starts with the 3-byte marker m followed by
// whitespace or the end of the input.
func isMarker(line []byte, m string) bool {
	if len(line) < 3 || string(line[:3]) != m {
		return false
	}
	return len(line) == 3 || line[3] == ' ' || line[3] == '\t' || line[3] == '\n' || line[3] == '\r'
}

// isContent reports whether a line holds YAML content (not blank, comment,
// directive or a bare `---`), i.e. the current document has started.
func isContent(line []byte) bool {
	if len(line) > 0 && line[0] == '%' {
		return false
	}
	if isMarker(line, "---") || isMarker(line, "...") {
		line = line[3:]
	}
	t := bytes.TrimLeft(line, " \t\r\n")
	return len(t) > 0 && t[0] != '#'
}

// extraBreaks counts the line breaks YAML sees inside a line besides its
// final "\n": a lone CR, NEL, LS and PS. yaml.v3 counts them, so the
// splitter must too for file lines to agree with the parser's.
func extraBreaks(line []byte) int {
	if !hasBreakBytes(line) {
		return 0
	}
	n := 0
	for i := 0; i < len(line); i++ {
		switch {
		case line[i] == '\r' && (i+1 == len(line) || line[i+1] != '\n'):
			n++
		case line[i] == 0xC2 && i+1 < len(line) && line[i+1] == 0x85:
			n++
		case line[i] == 0xE2 && i+2 < len(line) && line[i+1] == 0x80 && (line[i+2] == 0xA8 || line[i+2] == 0xA9):
			n++
		}
	}
	return n
}

// hasBreakBytes reports the bytes extraBreaks looks for.
func hasBreakBytes(b []byte) bool {
	return bytes.IndexByte(b, '\r') >= 0 || bytes.IndexByte(b, 0xC2) >= 0 || bytes.IndexByte(b, 0xE2) >= 0
}

func hasTemplate(line []byte) bool {
	return bytes.Contains(line, []byte("{{")) || bytes.Contains(line, []byte("{%"))
}

// looksBinary reports NUL bytes in the first 8 KiB, unless a UTF-16/32 byte
// order mark says they are part of the encoding (yaml.v3 decodes UTF-16).
func looksBinary(r *bufio.Reader) bool {
	p, _ := r.Peek(8 << 10)
	if len(p) >= 2 && ((p[0] == 0xFE && p[1] == 0xFF) || (p[0] == 0xFF && p[1] == 0xFE)) {
		return false
	}
	return bytes.IndexByte(p, 0) >= 0
}
