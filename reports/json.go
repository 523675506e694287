package reports

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/kubelet-audit/kubelet-audit/scanner/finding"
)

// jsonWriter encodes the Report itself: its json tags are the contract
// (README "JSON report"). Output is indented with two spaces, ends with a
// newline, keeps "<", ">" and "&" readable and never contains null arrays
// for rules, findings, errors or access. Rules, findings (finding.Sort),
// errors and access edges are sorted and the summary is recomputed from the
// findings (Report.Summarize, stale entries kept), so the same scan always
// encodes to the same bytes.
type jsonWriter struct{}

// Write implements Writer.
func (jsonWriter) Write(w io.Writer, r *finding.Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(normalize(r)); err != nil {
		return fmt.Errorf("write json report: %w", err)
	}
	return nil
}
