package reports

import (
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

// Write implements Writer. Findings and access edges, the arrays that grow
// with the cluster, are streamed element by element (see splice).
func (jsonWriter) Write(w io.Writer, r *finding.Report) error {
	c := normalize(r)
	skeleton := *c
	skeleton.Findings, skeleton.Access = nil, nil
	err := writeSpliced(w, &skeleton, false,
		splice{key: "findings", indent: "  ", n: len(c.Findings), newWrite: stateless(func(e *jsonEnc, i int) { e.finding(&c.Findings[i]) })},
		splice{key: "access", indent: "  ", n: len(c.Access), newWrite: stateless(func(e *jsonEnc, i int) { e.access(&c.Access[i]) })},
	)
	if err != nil {
		return fmt.Errorf("write json report: %w", err)
	}
	return nil
}
