// Package jsonquote writes Go strings as JSON string literals, byte for byte
// as encoding/json does, without reflection or an encoder: the report
// writers and the manifest loader's YAML-to-JSON step both need it on hot
// paths.
package jsonquote

import "unicode/utf8"

const hexDigits = "0123456789abcdef"

// safeASCII[html][c] is true for ASCII bytes written as they are.
var safeASCII = func() (t [2][utf8.RuneSelf]bool) {
	for c := byte(0x20); c < utf8.RuneSelf; c++ {
		ok := c != '"' && c != '\\'
		t[0][c] = ok
		t[1][c] = ok && c != '<' && c != '>' && c != '&'
	}
	return t
}()

// Append appends s quoted as encoding/json does: control
// characters escaped (\b, \f, \n, \r, \t short), invalid UTF-8 as
// \ufffd, U+2028 and U+2029 escaped, and <, > and & as \u003c, \u003e,
// \u0026 when html is set.
func Append(dst []byte, s string, html bool) []byte {
	dst = append(dst, '"')
	safe := &safeASCII[0]
	if html {
		safe = &safeASCII[1]
	}
	start := 0
	for i := 0; i < len(s); {
		// Eight plain bytes at a time: messages are mostly plain ASCII.
		if i+8 <= len(s) && plainWord(s[i:i+8], html) {
			i += 8
			continue
		}
		c := s[i]
		if c < utf8.RuneSelf {
			if safe[c] {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

// plainWord reports whether the 8 bytes of w are all ASCII written as they
// are (safeASCII), testing them at once (zero-byte tricks: a borrow can
// only come from a byte that matches, so "any byte" answers are exact).
func plainWord(w string, html bool) bool {
	_ = w[7]
	x := uint64(w[0]) | uint64(w[1])<<8 | uint64(w[2])<<16 | uint64(w[3])<<24 |
		uint64(w[4])<<32 | uint64(w[5])<<40 | uint64(w[6])<<48 | uint64(w[7])<<56
	if x&msb != 0 || (x-0x20*lsb)&^x&msb != 0 { // non-ASCII, control
		return false
	}
	if hasByte(x, '"') || hasByte(x, '\\') {
		return false
	}
	return !html || !(hasByte(x, '<') || hasByte(x, '>') || hasByte(x, '&'))
}

// hasByte reports whether any byte of x (all ASCII) is b.
func hasByte(x uint64, b byte) bool {
	v := x ^ (lsb * uint64(b))
	return (v-lsb)&^v&msb != 0
}
