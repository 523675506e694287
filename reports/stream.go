package reports

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
)

// splice is a large array of a JSON document written element by element:
// the document is first encoded with the array set to nil, and the
// "key": null line at the given indentation is replaced by the elements.
// Large reports are thus never held twice in memory (encoding/json's
// Encoder builds the whole compact text and then an indented copy), and
// the bytes are exactly those of encoding the whole document with
// SetIndent("", "  ").
type splice struct {
	key    string
	indent string // indentation of the "key" line
	n      int
	elem   func(i int) any
	// write, when set, writes element i by hand instead of encoding elem(i)
	// (see jsonEnc); e's prefix is set and its buffer empty.
	write func(e *jsonEnc, i int)
}

// writeSpliced encodes skeleton (with every spliced array nil) and streams
// the arrays into it.
func writeSpliced(w io.Writer, skeleton any, escapeHTML bool, arrays ...splice) error {
	head, err := encodeIndented(skeleton, "", escapeHTML)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	for _, a := range arrays {
		marker := []byte("\n" + a.indent + `"` + a.key + `": null`)
		i := bytes.Index(head, marker)
		if i < 0 {
			return fmt.Errorf("json stream: no %q array in the document", a.key)
		}
		bw.Write(head[:i+len(marker)-len("null")])
		if err := writeArray(bw, a, escapeHTML); err != nil {
			return err
		}
		head = head[i+len(marker):]
	}
	bw.Write(head)
	bw.WriteByte('\n')
	return bw.Flush()
}

// writeArray writes the elements of a, indented one level below its key.
func writeArray(bw *bufio.Writer, a splice, escapeHTML bool) error {
	if a.n == 0 {
		bw.WriteString("[]")
		return nil
	}
	inner := a.indent + "  "
	bw.WriteString("[\n")
	if a.write != nil {
		writeElems(bw, a, inner, escapeHTML)
		return nil
	}
	// One encoder and buffer for every element: json.Encoder keeps its
	// indentation buffer between calls, so large arrays do not allocate
	// per element.
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent(inner, "  ")
	enc.SetEscapeHTML(escapeHTML)
	for i := range a.n {
		buf.Reset()
		if err := enc.Encode(a.elem(i)); err != nil {
			return err
		}
		bw.WriteString(inner)
		bw.Write(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
		if i < a.n-1 {
			bw.WriteByte(',')
		}
		bw.WriteByte('\n')
	}
	bw.WriteString(a.indent + "]")
	return nil
}

// writeElems writes the elements of a with a.write, reusing one buffer.
func writeElems(bw *bufio.Writer, a splice, inner string, escapeHTML bool) {
	e := &jsonEnc{html: escapeHTML, prefix: inner}
	for i := range a.n {
		e.reset()
		a.write(e, i)
		bw.WriteString(inner)
		bw.Write(e.b)
		if i < a.n-1 {
			bw.WriteByte(',')
		}
		bw.WriteByte('\n')
	}
	bw.WriteString(a.indent + "]")
}

// encodeIndented encodes v indented by two spaces per level below prefix,
// without the trailing newline json.Encoder adds.
func encodeIndented(v any, prefix string, escapeHTML bool) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent(prefix, "  ")
	enc.SetEscapeHTML(escapeHTML)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
