package scanner

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/kubelet-audit/kubelet-audit/scanner/facts"
	"github.com/kubelet-audit/kubelet-audit/scanner/finding"
)

// Collect gathers facts without evaluating policies (who-can, debugging).
func Collect(ctx context.Context, opts Options) (*facts.Document, []finding.ScanError, error) {
	if opts.Log == nil {
		opts.Log = io.Discard
	}
	s := &scan{opts: opts, doc: facts.New(mode(opts)), inv: newInventory()}
	if err := s.collect(ctx); err != nil {
		return nil, nil, err
	}
	if s.checked == 0 {
		return s.doc, s.errs, fmt.Errorf("%w: %d error(s)", finding.ErrNothingScanned, len(s.errs))
	}
	return s.doc, s.errs, nil
}

// Holder is one answer to "who can <verb> nodes/<subresource>".
type Holder struct {
	Subject   string   `json:"subject"`
	Scope     string   `json:"scope"`
	System    bool     `json:"system"`
	Verbs     []string `json:"verbs"`
	Nodes     []string `json:"nodes,omitempty"`
	Path      string   `json:"path"`
	Location  string   `json:"location"`
	Workloads []string `json:"workloads,omitempty"`
}

// ParseSubresource accepts "nodes/proxy" or "proxy" and checks it is a real
// node subresource the kubelet authorizes.
func ParseSubresource(s string) (string, error) {
	sr := strings.TrimPrefix(strings.TrimSpace(s), "nodes/")
	if !slices.Contains(facts.Subresources, sr) {
		return "", fmt.Errorf("%w: %q is not a node subresource the kubelet checks (one of nodes/%s)", finding.ErrUsage, s, strings.Join(facts.Subresources, ", nodes/"))
	}
	return sr, nil
}

// WhoCan lists every path through which a subject holds verb on
// nodes/<subresource>, sorted by subject.
func WhoCan(doc *facts.Document, subresource, verb string) []Holder {
	out := []Holder{}
	for _, sub := range doc.Subjects {
		for _, g := range sub.Grants {
			if g.Subresource != subresource || !slices.Contains(g.Verbs, verb) {
				continue
			}
			h := Holder{Subject: sub.ID, Scope: sub.Scope, System: sub.System, Verbs: g.Verbs, Nodes: g.Nodes,
				Path: g.Path.Text, Location: g.Path.Binding.Location.String(), Workloads: workloadNames(sub)}
			out = append(out, h)
		}
	}
	slices.SortStableFunc(out, func(a, b Holder) int { return strings.Compare(a.Subject+a.Path, b.Subject+b.Path) })
	return out
}
