package kubeletconfig

import (
	"bufio"
	"bytes"
	"strings"
	"time"
)

// templateMarkers open Jinja2 ({{ }}, {% %}, {# #}) and Helm/Go ({{ }})
// template constructs, which no KubeletConfiguration contains.
var templateMarkers = []string{"{{", "{%", "{#"}

// templateLine returns the 1-based line and marker of the first template
// construct outside a YAML comment, or 0 when there is none.
func templateLine(data []byte) (int, string) {
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), maxFileSize)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "#") {
			continue
		}
		for _, m := range templateMarkers {
			if strings.Contains(line, m) {
				return n, m
			}
		}
	}
	return 0, ""
}

// parseDuration parses a metav1.Duration string the way its JSON decoder does.
func parseDuration(s string) (time.Duration, error) { return time.ParseDuration(s) }
