package reports

import (
	"strings"
	"unicode/utf8"
)

// ellipsis marks text cut to fit a column.
const ellipsis = "…"

// runeLen is the display width used by the table: one column per rune, which
// holds for the ASCII and Latin text Kubernetes names and messages use.
func runeLen(s string) int { return utf8.RuneCountInString(s) }

// truncRight cuts s to at most width columns, ending with an ellipsis.
func truncRight(s string, width int) string {
	if runeLen(s) <= width {
		return s
	}
	if width <= 0 {
		return ""
	}
	r := []rune(s)
	return string(r[:width-1]) + ellipsis
}

// truncLeft cuts s to at most width columns keeping the end (the file name
// and line of a path), starting with an ellipsis.
func truncLeft(s string, width int) string {
	if runeLen(s) <= width {
		return s
	}
	if width <= 0 {
		return ""
	}
	r := []rune(s)
	return ellipsis + string(r[len(r)-width+1:])
}

// pad right-pads s with spaces to width columns.
func pad(s string, width int) string {
	if n := runeLen(s); n < width {
		return s + strings.Repeat(" ", width-n)
	}
	return s
}

// wrap word-wraps text into lines of at most width columns. The first line
// starts with first, the others with indent; words longer than a line are
// split. Callers keep first and indent shorter than width.
func wrap(text, first, indent string, width int) []string {
	var lines []string
	line, empty := first, true
	for _, word := range strings.Fields(text) {
		for word != "" {
			room := width - runeLen(line)
			if !empty {
				room-- // the separating space
			}
			switch {
			case runeLen(word) <= room:
				if !empty {
					line += " "
				}
				line, word, empty = line+word, "", false
			case empty && room > 0:
				// Too long even for a fresh line: split the word.
				r := []rune(word)
				line, word = line+string(r[:room]), string(r[room:])
				lines = append(lines, line)
				line = indent
			case empty:
				line, word, empty = line+word, "", false // no room at all: give up on the limit
			default:
				lines = append(lines, line)
				line, empty = indent, true
			}
		}
	}
	if !empty || len(lines) == 0 {
		lines = append(lines, line)
	}
	return lines
}
