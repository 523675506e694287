package reports

import (
	"reflect"
	"testing"
)

func TestTrunc(t *testing.T) {
	tests := []struct {
		in    string
		width int
		right string
		left  string
	}{
		{"short", 10, "short", "short"},
		{"exactly10!", 10, "exactly10!", "exactly10!"},
		{"manifests/debug.yaml:12", 10, "manifests…", "…g.yaml:12"},
		{"ünïcødé-name", 5, "ünïc…", "…name"},
		{"abc", 0, "", ""},
	}
	for _, tt := range tests {
		if got := truncRight(tt.in, tt.width); got != tt.right {
			t.Errorf("truncRight(%q, %d) = %q; want %q", tt.in, tt.width, got, tt.right)
		}
		if got := truncLeft(tt.in, tt.width); got != tt.left {
			t.Errorf("truncLeft(%q, %d) = %q; want %q", tt.in, tt.width, got, tt.left)
		}
		if n := runeLen(truncRight(tt.in, tt.width)); n > tt.width {
			t.Errorf("truncRight(%q, %d) is %d wide", tt.in, tt.width, n)
		}
	}
}

func TestWrap(t *testing.T) {
	tests := []struct {
		name, text, first, indent string
		width                     int
		want                      []string
	}{
		{"fits", "a b c", "> ", "  ", 10, []string{"> a b c"}},
		{"breaks at words", "aaa bbb ccc ddd", "> ", "  ", 9, []string{"> aaa bbb", "  ccc ddd"}},
		{"splits long words", "abcdefghijkl", "", "", 5, []string{"abcde", "fghij", "kl"}},
		{"long word after text", "ab cdefghij", "", "", 5, []string{"ab", "cdefg", "hij"}},
		{"collapses whitespace", "a\n\n  b\tc", "", "", 20, []string{"a b c"}},
		{"empty text keeps prefix", "", "fix: ", "  ", 20, []string{"fix: "}},
		{"unicode width", "ééééé ééééé", "", "", 6, []string{"ééééé", "ééééé"}},
	}
	for _, tt := range tests {
		got := wrap(tt.text, tt.first, tt.indent, tt.width)
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: wrap = %q; want %q", tt.name, got, tt.want)
		}
		for _, l := range got {
			if runeLen(l) > tt.width {
				t.Errorf("%s: line %q exceeds %d", tt.name, l, tt.width)
			}
		}
	}
}
