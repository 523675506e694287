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
	for _, s := range strs {
		for _, html := range []bool{false, true} {
			if got, want := string(Append(nil, s, html)), encode(t, s, html); got != want {
				t.Errorf("Append(%q, html=%v) = %s, want %s", s, html, got, want)
			}
		}
	}
}
