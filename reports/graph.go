package reports

import (
	"fmt"
	"sort"
	"strings"

	"github.com/kubelet-audit/kubelet-audit/scanner/finding"
)

// GraphMaxSubjects caps the subjects drawn in the HTML attack-path picture;
// the worst ones are kept and a "+N more" note counts the rest.
const GraphMaxSubjects = 50

// Geometry of the attack-path picture, in SVG user units.
const (
	graphMargin   = 16
	graphHeaderH  = 34
	graphNodeW    = 240
	graphNodeH    = 22
	graphRowH     = 28
	graphColGap   = 80
	graphLabelMax = 30 // monospace characters that fit a node at 12px
	graphColumns  = 4
)

// graphColumnTitles head the four columns, left to right.
var graphColumnTitles = [graphColumns]string{"Subject", "Binding", "Role", "Node access"}

// pathGraph is the laid-out picture the HTML template draws.
type pathGraph struct {
	Width, Height int
	Headers       []graphText
	Nodes         []graphNode
	Edges         []graphEdge
	// More counts subjects left out beyond GraphMaxSubjects.
	More  int
	MoreY int
}

// graphText is a positioned label.
type graphText struct {
	X, Y int
	Text string
}

// graphNode is one box: a subject, binding, role or node subresource.
type graphNode struct {
	X, Y, W, H   int
	TextX, TextY int
	Label, Title string
	// Class is "sev-<severity>" for subjects, "plain" otherwise.
	Class string
}

// graphEdge is one curve between two boxes, coloured by severity.
type graphEdge struct {
	D, Title, Class string
	sev             finding.Severity
}

// graphColumn collects the distinct nodes of one column.
type graphColumn struct {
	keys  []string
	index map[string]int
	// rank is the barycentre used to order the column (mean row of the
	// left-hand neighbours), which keeps edges from crossing needlessly.
	rank map[string]float64
	n    map[string]int
}

func newColumn() *graphColumn {
	return &graphColumn{index: map[string]int{}, rank: map[string]float64{}, n: map[string]int{}}
}

// add records key with the row of a left-hand neighbour.
func (c *graphColumn) add(key string, leftRow int) {
	if _, ok := c.index[key]; !ok {
		c.index[key] = len(c.keys)
		c.keys = append(c.keys, key)
	}
	c.rank[key] += float64(leftRow)
	c.n[key]++
}

// order sorts the column by barycentre, then name, and reindexes it.
func (c *graphColumn) order() {
	sort.SliceStable(c.keys, func(i, j int) bool {
		a, b := c.keys[i], c.keys[j]
		ra, rb := c.rank[a]/float64(c.n[a]), c.rank[b]/float64(c.n[b])
		if ra != rb {
			return ra < rb
		}
		return a < b
	})
	for i, k := range c.keys {
		c.index[k] = i
	}
}

// accessKey names the node subresource box of an access edge.
func accessKey(a finding.Access) string {
	if strings.HasPrefix(a.Subresource, "nodes/") {
		return a.Subresource
	}
	return "nodes/" + a.Subresource
}

// subjectSeverities returns the worst severity of any finding (whatever its
// status: the picture shows exposure, not the CI gate) per subject.
func subjectSeverities(fs []finding.Finding) map[string]finding.Severity {
	m := map[string]finding.Severity{}
	for _, f := range fs {
		if f.Subject != "" && f.Severity > m[f.Subject] {
			m[f.Subject] = f.Severity
		}
	}
	return m
}

// layoutGraph lays out subject → binding → role → nodes/<subresource> from
// sorted access edges. It returns nil when there is nothing to draw.
func layoutGraph(access []finding.Access, fs []finding.Finding) *pathGraph {
	if len(access) == 0 {
		return nil
	}
	sev := subjectSeverities(fs)
	subjects, more := pickSubjects(access, sev)
	cols := [graphColumns]*graphColumn{newColumn(), newColumn(), newColumn(), newColumn()}
	for i, s := range subjects {
		cols[0].add(s, i)
	}
	kept := keptAccess(access, cols[0])
	for c := 1; c < graphColumns; c++ {
		for _, a := range kept {
			keys := edgeKeys(a)
			cols[c].add(keys[c], cols[c-1].index[keys[c-1]])
		}
		cols[c].order()
	}
	g := &pathGraph{More: more}
	g.place(cols, sev, kept)
	g.connect(cols, sev, kept)
	return g
}

// pickSubjects orders subjects worst first, then by name, and keeps at most
// GraphMaxSubjects of them.
func pickSubjects(access []finding.Access, sev map[string]finding.Severity) (kept []string, more int) {
	seen := map[string]bool{}
	var all []string
	for _, a := range access {
		if !seen[a.Subject] {
			seen[a.Subject] = true
			all = append(all, a.Subject)
		}
	}
	sort.SliceStable(all, func(i, j int) bool {
		if sev[all[i]] != sev[all[j]] {
			return sev[all[i]] > sev[all[j]]
		}
		return all[i] < all[j]
	})
	if len(all) > GraphMaxSubjects {
		return all[:GraphMaxSubjects], len(all) - GraphMaxSubjects
	}
	return all, 0
}

// keptAccess returns the access edges of drawn subjects.
func keptAccess(access []finding.Access, subjects *graphColumn) []finding.Access {
	var out []finding.Access
	for _, a := range access {
		if _, ok := subjects.index[a.Subject]; ok {
			out = append(out, a)
		}
	}
	return out
}

// edgeKeys returns the node key of an access edge in each column.
func edgeKeys(a finding.Access) [graphColumns]string {
	return [graphColumns]string{a.Subject, a.Binding, a.Role, accessKey(a)}
}

// place positions every box; short columns are centred vertically.
func (g *pathGraph) place(cols [graphColumns]*graphColumn, sev map[string]finding.Severity, kept []finding.Access) {
	rows := 0
	for _, c := range cols {
		rows = max(rows, len(c.keys))
	}
	titles := subjectTitles(kept)
	for ci, c := range cols {
		x := graphMargin + ci*(graphNodeW+graphColGap)
		g.Headers = append(g.Headers, graphText{X: x, Y: graphMargin + 12, Text: graphColumnTitles[ci]})
		offset := (rows - len(c.keys)) * graphRowH / 2
		for ri, key := range c.keys {
			y := graphMargin + graphHeaderH + offset + ri*graphRowH
			node := graphNode{X: x, Y: y, W: graphNodeW, H: graphNodeH, TextX: x + 8, TextY: y + 15,
				Label: truncRight(key, graphLabelMax), Title: key, Class: "plain"}
			if ci == 0 {
				node.Class = "sev-" + sev[key].String()
				node.Title = titles[key]
			}
			g.Nodes = append(g.Nodes, node)
		}
	}
	g.Width = 2*graphMargin + graphColumns*graphNodeW + (graphColumns-1)*graphColGap
	g.Height = graphMargin + graphHeaderH + rows*graphRowH + graphMargin
	if g.More > 0 {
		g.MoreY = g.Height
		g.Height += 20
	}
}

// subjectTitles builds the tooltip of each subject: name, worst finding
// severity is shown by colour, workloads that run as it are listed.
func subjectTitles(kept []finding.Access) map[string]string {
	workloads := map[string]map[string]bool{}
	for _, a := range kept {
		if workloads[a.Subject] == nil {
			workloads[a.Subject] = map[string]bool{}
		}
		for _, w := range a.Workloads {
			workloads[a.Subject][w] = true
		}
	}
	out := map[string]string{}
	for s, ws := range workloads {
		title := s
		if len(ws) > 0 {
			title += "\nused by: " + strings.Join(sortedKeys(ws), ", ")
		}
		out[s] = title
	}
	return out
}

// edgeAgg merges the access edges that share one drawn curve.
type edgeAgg struct {
	from, to [2]int // column, row
	sev      finding.Severity
	verbs    map[string]bool
	nodes    map[string]bool
	allNodes bool
}

// connect draws one curve per distinct pair of boxes, coloured by the worst
// severity of the subjects whose paths use it, worst drawn last (on top).
func (g *pathGraph) connect(cols [graphColumns]*graphColumn, sev map[string]finding.Severity, kept []finding.Access) {
	aggs := map[string]*edgeAgg{}
	var order []string
	for _, a := range kept {
		keys := edgeKeys(a)
		for c := 0; c+1 < graphColumns; c++ {
			from, to := [2]int{c, cols[c].index[keys[c]]}, [2]int{c + 1, cols[c+1].index[keys[c+1]]}
			id := fmt.Sprint(from, to)
			e, ok := aggs[id]
			if !ok {
				e = &edgeAgg{from: from, to: to, verbs: map[string]bool{}, nodes: map[string]bool{}}
				aggs[id] = e
				order = append(order, id)
			}
			e.sev = max(e.sev, sev[a.Subject])
			if c+2 == graphColumns { // the role → node access curve carries the verbs
				e.add(a)
			}
		}
	}
	for _, id := range order {
		g.Edges = append(g.Edges, aggs[id].draw(cols))
	}
	sort.SliceStable(g.Edges, func(i, j int) bool { return g.Edges[i].sev < g.Edges[j].sev })
}

// add records the verbs and node narrowing of a.
func (e *edgeAgg) add(a finding.Access) {
	for _, v := range a.Verbs {
		e.verbs[v] = true
	}
	if len(a.Nodes) == 0 {
		e.allNodes = true
	}
	for _, n := range a.Nodes {
		e.nodes[n] = true
	}
}

// draw renders the curve from the right edge of one box to the left edge of
// the next.
func (e *edgeAgg) draw(cols [graphColumns]*graphColumn) graphEdge {
	x1 := graphMargin + e.from[0]*(graphNodeW+graphColGap) + graphNodeW
	x2 := graphMargin + e.to[0]*(graphNodeW+graphColGap)
	y1 := rowY(cols, e.from) + graphNodeH/2
	y2 := rowY(cols, e.to) + graphNodeH/2
	mid := (x1 + x2) / 2
	from := cols[e.from[0]].keys[e.from[1]]
	to := cols[e.to[0]].keys[e.to[1]]
	title := from + " → " + to
	if len(e.verbs) > 0 {
		title += " (" + strings.Join(sortedKeys(e.verbs), ", ") + ")"
	}
	if len(e.nodes) > 0 && !e.allNodes {
		title += " on nodes " + strings.Join(sortedKeys(e.nodes), ", ")
	}
	return graphEdge{
		D:     fmt.Sprintf("M%d %d C%d %d %d %d %d %d", x1, y1, mid, y1, mid, y2, x2, y2),
		Title: title,
		Class: "edge sev-" + e.sev.String(),
		sev:   e.sev,
	}
}

// rowY recomputes the top of the box at pos (column, row) as place did.
func rowY(cols [graphColumns]*graphColumn, pos [2]int) int {
	rows := 0
	for _, c := range cols {
		rows = max(rows, len(c.keys))
	}
	offset := (rows - len(cols[pos[0]].keys)) * graphRowH / 2
	return graphMargin + graphHeaderH + offset + pos[1]*graphRowH
}

// sortedKeys returns the keys of a set in order.
func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
