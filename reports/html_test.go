package reports

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/kubelet-audit/kubelet-audit/scanner/finding"
)

var (
	// assetTagRE matches tags that can load something.
	assetTagRE = regexp.MustCompile(`(?is)<(script|link|img|style|iframe|object|embed|source|video|audio|image|use)\b[^>]*>`)
	urlAttrRE  = regexp.MustCompile(`(?i)\b(src|href|xlink:href|srcset|data)\s*=\s*["']?\s*(https?:)?//`)
)

// TestHTMLSelfContained: the report must open with no network access.
func TestHTMLSelfContained(t *testing.T) {
	for name, r := range map[string]*finding.Report{"fixture": fixtureReport(), "empty": {}} {
		out := string(render(t, FormatHTML, Options{}, r))
		for _, tag := range assetTagRE.FindAllString(out, -1) {
			if urlAttrRE.MatchString(tag) || strings.Contains(strings.ToLower(tag), " src=") {
				t.Errorf("%s: tag loads an external asset: %s", name, tag)
			}
		}
		for _, banned := range []string{"@import", "url(", "<link", "<iframe", "http-equiv"} {
			if strings.Contains(out, banned) {
				t.Errorf("%s: page contains %q", name, banned)
			}
		}
		if strings.Count(out, "<style>") != 1 || strings.Count(out, "<script>") != 1 {
			t.Errorf("%s: want exactly one inline style and one inline script", name)
		}
	}
}

func TestHTMLAttackPath(t *testing.T) {
	out := string(render(t, FormatHTML, Options{}, fixtureReport()))
	if !strings.Contains(out, "<svg ") {
		t.Fatal("no inline SVG")
	}
	// 7 access edges share some hops: 6 subject→binding, 6 binding→role and
	// 5 role→subresource curves.
	if got := strings.Count(out, `<path class="edge `); got != 17 {
		t.Errorf("%d edges; want 17", got)
	}
	for _, want := range []string{
		`<path class="edge sev-critical" d="`,
		`<title>ClusterRole/debug → nodes/proxy (create, get)</title>`,
		`<title>ClusterRole/node-proxier → nodes/proxy (get) on nodes worker-1</title>`,
		"used by: Deployment/tools/debug-shell",
		`<rect class="sev-critical"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("html lacks %q", want)
		}
	}
}

func TestHTMLEscapesAndTable(t *testing.T) {
	out := string(render(t, FormatHTML, Options{}, fixtureReport()))
	if strings.Contains(out, "alert(1)</script>") || !strings.Contains(out, "x&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Error("finding text is not HTML-escaped")
	}
	if got := strings.Count(out, `<tr class="st-`); got != 8 {
		t.Errorf("%d finding rows; want 8", got)
	}
	for _, want := range []string{
		`<tr class="st-suppressed" data-rank="4" data-status="suppressed">`,
		`<tr class="st-baselined" data-rank="3" data-status="baselined">`,
		`<div class="card sev-critical"><b>3</b>critical</div>`,
		`<div class="card errors"><b>3</b>could not check</div>`,
		`<p class="partial">`,
		`<code>/src/repo/manifests/broken.yaml:7</code> yaml: line 7`,
		`<a href="https://kubernetes.io/docs/reference/access-authn-authz/kubelet-authn-authz/" rel="noreferrer">`,
		`<li>CIS 5.1.x</li>`,
		`<div class="controls" id="controls" hidden>`, // filters appear only with JS
	} {
		if !strings.Contains(out, want) {
			t.Errorf("html lacks %q", want)
		}
	}
	// The first rows are the worst open findings.
	if i, j := strings.Index(out, `data-rank="5"`), strings.Index(out, `data-rank="3" data-status="open"`); i < 0 || j < i {
		t.Error("rows are not ordered worst first")
	}
}

func TestGraphCap(t *testing.T) {
	var access []finding.Access
	var fs []finding.Finding
	for i := range GraphMaxSubjects + 10 {
		s := fmt.Sprintf("User:u%03d", i)
		access = append(access, finding.Access{Subject: s, Subresource: "proxy", Verbs: []string{"get"}, Binding: "ClusterRoleBinding/b", Role: "ClusterRole/r"})
		if i >= GraphMaxSubjects { // the worst subjects sort last by name but must be kept
			fs = append(fs, finding.Finding{RuleID: "R", Severity: finding.SeverityCritical, Subject: s})
		}
	}
	g := layoutGraph(access, fs)
	if g.More != 10 {
		t.Errorf("More = %d; want 10", g.More)
	}
	subjects := 0
	kept := map[string]bool{}
	for _, n := range g.Nodes {
		if strings.HasPrefix(n.Class, "sev-") {
			subjects++
			kept[n.Title] = true
		}
	}
	if subjects != GraphMaxSubjects {
		t.Errorf("%d subjects drawn; want %d", subjects, GraphMaxSubjects)
	}
	if !kept[fmt.Sprintf("User:u%03d", GraphMaxSubjects+9)] {
		t.Error("a critical subject was dropped in favour of one without findings")
	}
	for _, n := range g.Nodes {
		if n.Y+n.H > g.Height || n.X+n.W > g.Width {
			t.Errorf("node %q at (%d,%d) outside the %dx%d picture", n.Title, n.X, n.Y, g.Width, g.Height)
		}
	}
	out := string(render(t, FormatHTML, Options{}, &finding.Report{Access: access, Findings: fs}))
	if !strings.Contains(out, "+10 more subjects not drawn") {
		t.Error("no +N more note")
	}
}

func TestGraphEdgeSeverity(t *testing.T) {
	access := []finding.Access{
		{Subject: "User:low", Subresource: "nodes/metrics", Binding: "B/shared", Role: "R/shared", Verbs: []string{"get"}},
		{Subject: "User:crit", Subresource: "nodes/metrics", Binding: "B/shared", Role: "R/shared", Verbs: []string{"get"}},
		{Subject: "User:none", Subresource: "stats", Binding: "B/own", Role: "R/own", Verbs: []string{"get"}},
	}
	fs := []finding.Finding{
		{Subject: "User:low", Severity: finding.SeverityLow},
		{Subject: "User:crit", Severity: finding.SeverityCritical, Status: finding.StatusBaselined},
	}
	g := layoutGraph(access, fs)
	classes := map[string]string{}
	for _, e := range g.Edges {
		classes[e.Title] = e.Class
	}
	want := map[string]string{
		"User:low → B/shared":            "edge sev-low",
		"User:crit → B/shared":           "edge sev-critical",
		"B/shared → R/shared":            "edge sev-critical", // worst subject using the hop
		"R/shared → nodes/metrics (get)": "edge sev-critical",
		"User:none → B/own":              "edge sev-none",
		"R/own → nodes/stats (get)":      "edge sev-none",
	}
	for title, class := range want {
		if classes[title] != class {
			t.Errorf("edge %q class = %q; want %q (all: %v)", title, classes[title], class, classes)
		}
	}
	if last := g.Edges[len(g.Edges)-1]; last.Class != "edge sev-critical" {
		t.Errorf("worst edge drawn first (%s): it must be on top", last.Class)
	}
	if layoutGraph(nil, fs) != nil {
		t.Error("a graph without access edges")
	}
}
