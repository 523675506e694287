package reports

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"runtime"

	"github.com/kubelet-audit/kubelet-audit/internal/ordered"
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
	// newWrite, when set, makes a function that writes element i by hand
	// instead of encoding elem(i) (see jsonEnc); e's prefix is set and its
	// buffer empty. Large arrays are written by several goroutines, each
	// with a function of its own (writers may keep caches).
	newWrite func() func(e *jsonEnc, i int)
}

// stateless is newWrite for a write function that keeps no state.
func stateless(write func(e *jsonEnc, i int)) func() func(e *jsonEnc, i int) {
	return func() func(e *jsonEnc, i int) { return write }
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
	if a.newWrite != nil {
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

// elemChunk is how many elements one goroutine encodes at a time.
var elemChunk = 128

// writeElems writes the elements of a with functions from a.newWrite, a
// chunk at a time on GOMAXPROCS goroutines, in order (internal/ordered):
// the JSON and SARIF reports of a large cluster (hundreds of MB) are mostly
// these arrays, and one goroutine per report left a CPU idle when only one
// format was asked for. Chunk buffers are recycled.
func writeElems(bw *bufio.Writer, a splice, inner string, escapeHTML bool) {
	workers := runtime.GOMAXPROCS(0)
	free := make(chan []byte, 2*workers)
	ordered.Map((a.n+elemChunk-1)/elemChunk, workers, func() func(k int) []byte {
		write, e := a.newWrite(), &jsonEnc{html: escapeHTML, prefix: inner}
		return func(k int) []byte {
			var buf []byte
			select {
			case buf = <-free:
			default:
			}
			lo := k * elemChunk
			return encodeChunk(buf[:0], write, e, a.n, lo, min(lo+elemChunk, a.n), inner)
		}
	}, func(_ int, buf []byte) {
		bw.Write(buf)
		select {
		case free <- buf:
		default:
		}
	})
	bw.WriteString(a.indent + "]")
}

// encodeChunk appends elements [lo, hi) of an array of n elements to out,
// each on its own line after inner, separated by commas.
func encodeChunk(out []byte, write func(e *jsonEnc, i int), e *jsonEnc, n, lo, hi int, inner string) []byte {
	for i := lo; i < hi; i++ {
		e.reset()
		write(e, i)
		out = append(out, inner...)
		out = append(out, e.b...)
		if i < n-1 {
			out = append(out, ',')
		}
		out = append(out, '\n')
	}
	return out
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
