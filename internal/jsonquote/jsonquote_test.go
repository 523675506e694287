package jsonquote

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"testing"
)

// encode is what encoding/json writes for s.
func encode(t *testing.T, s string, html bool) string {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(html)
	if err := enc.Encode(s); err != nil {
		t.Fatal(err)
	}
	return string(bytes.TrimSuffix(b.Bytes(), []byte("\n")))
}

// trickyStrings exercise every escaping rule of encoding/json.
var trickyStrings = []string{
	"", "plain", `quote " and \ backslash`, "a <b> & c -> d", "tab\tnl\ncr\rbs\bff\f", "\x00\x01\x1f\x7f",
	"unicode é ü 日本", "line sep \u2028 para sep \u2029", "bad utf8 \xff\xfe end", "cut rune \xe6\x97", "emoji 🙂",
}

func TestAppendMatchesEncodingJSON(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	strs := append([]string{}, trickyStrings...)
	for range 2000 {
		b := make([]byte, rng.IntN(12))
		for i := range b {
			b[i] = byte(rng.IntN(256))
		}
		strs = append(strs, string(b))
	}
	// Longer mostly-plain strings with specials at every offset of the
	// 8-byte words Append skips.
	const alphabet = "abcXYZ019 -:/\"<>&\\\n\t\x01\x1f\x7f\u00e9\u2028"
	for range 2000 {
		var b []byte
		for range rng.IntN(40) {
			if rng.IntN(4) == 0 {
				b = append(b, alphabet[rng.IntN(len(alphabet))])
			} else {
				b = append(b, byte('a'+rng.IntN(26)))
			}
		}
		strs = append(strs, string(b))
	}
	for _, s := range strs {
		for _, html := range []bool{false, true} {
			if got, want := string(Append(nil, s, html)), encode(t, s, html); got != want {
				t.Errorf("Append(%q, html=%v) = %s, want %s", s, html, got, want)
			}
		}
	}
}
