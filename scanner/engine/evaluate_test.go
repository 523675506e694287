package engine

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/kubelet-audit/kubelet-audit/internal/testfiles"
	"github.com/kubelet-audit/kubelet-audit/scanner/facts"
	"github.com/kubelet-audit/kubelet-audit/scanner/finding"
)

func loc(line int) facts.Location { return facts.Location{File: "rbac.yaml", Line: line} }

// debugPath is ClusterRoleBinding debug -> ClusterRole node-debugger rule #0.
func debugPath() *facts.Path {
	return &facts.Path{
		Binding:      facts.Ref{Kind: "ClusterRoleBinding", Name: "debug", Location: loc(20)},
		Role:         facts.Ref{Kind: "ClusterRole", Name: "node-debugger", Location: loc(1)},
		RuleIndex:    0,
		Rule:         `{APIGroups:[""], Resources:["nodes/proxy"], Verbs:["get"]}`,
		RuleLocation: loc(8),
		Text:         "ClusterRoleBinding debug -> ClusterRole node-debugger (rule #0 at rbac.yaml:8)",
	}
}

// smallDoc: everyone authenticated can exec (KA-RBAC-001), the role is
// written in the input (KA-RBAC-007) and a binding dangles (KA-RBAC-012).
func smallDoc() *facts.Document {
	doc := facts.New("manifests")
	p := debugPath()
	doc.Subjects = append(doc.Subjects, facts.Subject{
		ID: "Group:system:authenticated", Kind: "Group", Name: "system:authenticated",
		Scope: facts.ScopeAuthenticated, Broad: true,
		Grants: []facts.Grant{{Subresource: "proxy", Verbs: []string{"get"}, Path: p}},
	}, facts.Subject{ID: "User:nobody", Kind: "User", Name: "nobody", Scope: facts.ScopeUser})
	doc.Roles = append(doc.Roles, facts.Role{
		Ref: p.Role, Defined: true, BoundBy: []facts.Ref{p.Binding},
		NodeAccess: []facts.RoleGrant{{Subresource: "proxy", Verbs: []string{"get"}, RuleIndex: 0, Rule: p.Rule, RuleLocation: p.RuleLocation}},
	})
	doc.Bindings = append(doc.Bindings, facts.Binding{
		Ref:      facts.Ref{Kind: "RoleBinding", Namespace: "team", Name: "old", Location: loc(30)},
		RoleRef:  facts.Ref{Kind: "ClusterRole", Name: "gone"},
		Subjects: []string{"User:nobody"},
	}, facts.Binding{Ref: p.Binding, RoleRef: p.Role, RoleFound: true, Subjects: []string{"Group:system:authenticated"}})
	return doc
}

func TestEvaluateSmallDocument(t *testing.T) {
	e, err := Load(context.Background(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	rs, err := e.EvaluateResults(context.Background(), smallDoc())
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		Rule, Severity, Subject, Resource, Location, Key, Message string
	}
	var got []row
	for _, r := range rs {
		f := r.Finding
		if !strings.HasPrefix(f.RuleID, "KA-RBAC-") {
			continue // other areas' rules are tested with their policies
		}
		if f.Status != finding.StatusOpen || f.Title == "" || f.Remediation == "" || len(f.References) == 0 {
			t.Errorf("%s: metadata not filled: %+v", f.RuleID, f)
		}
		if f.Fingerprint != finding.Fingerprint(f.RuleID, f.Resource, f.Subject, r.Key) {
			t.Errorf("%s: fingerprint %q does not include the key %q", f.RuleID, f.Fingerprint, r.Key)
		}
		got = append(got, row{f.RuleID, f.Severity.String(), f.Subject, f.Resource.String(), f.Location.String(), r.Key, f.Message})
	}
	want := []row{
		{"KA-RBAC-001", "critical", "Group:system:authenticated", "ClusterRoleBinding/debug", "rbac.yaml:20", "ClusterRole/node-debugger#0",
			"Group:system:authenticated (every authenticated user and ServiceAccount) can exec into any pod on every node through the kubelet: get nodes/proxy via ClusterRoleBinding debug -> ClusterRole node-debugger (rule #0 at rbac.yaml:8)"},
		{"KA-RBAC-007", "high", "", "ClusterRole/node-debugger", "rbac.yaml:8", "rule#0",
			"ClusterRole node-debugger grants get nodes/proxy on every node (rule #1 at rbac.yaml:8): anyone bound to it can exec into any pod there; bound by ClusterRoleBinding debug"},
		{"KA-RBAC-012", "low", "", "RoleBinding/team/old", "rbac.yaml:30", "",
			"RoleBinding team/old references ClusterRole gone, which does not exist: whoever creates it later grants its rules to User:nobody"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("findings:\n%s\nwant:\n%s", dump(got), dump(want))
	}
	fs, err := e.Evaluate(context.Background(), smallDoc())
	if err != nil || len(fs) != len(rs) {
		t.Errorf("Evaluate returned %d findings (%v), EvaluateResults %d", len(fs), err, len(rs))
	}
}

func dump[T any](xs []T) string {
	var b strings.Builder
	for _, x := range xs {
		fmt.Fprintf(&b, "  %+v\n", x)
	}
	return b.String()
}

func TestEvaluateEmptyDocument(t *testing.T) {
	e, err := Load(context.Background(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	fs, err := e.Evaluate(context.Background(), facts.New("manifests"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fs {
		if strings.HasPrefix(f.RuleID, "KA-RBAC-") {
			t.Errorf("empty document produced %+v", f)
		}
	}
	if _, err := e.Evaluate(context.Background(), nil); err == nil {
		t.Error("nil document: no error")
	}
}

// TestEvaluateConversion runs user rules that return unusual finding shapes.
func TestEvaluateConversion(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		want    finding.Finding
		wantKey string
		wantErr string
	}{
		{
			name: "all fields, non-string evidence",
			body: `findings contains {
	"msg": "m", "subject": "User:a", "path": "p", "key": "k",
	"resource": {"kind": "ClusterRole", "name": "r", "extra": 1},
	"location": {"file": "f.yaml", "line": 3, "column": 2},
	"evidence": {"verbs": ["get", "create"], "n": 2, "ok": true, "s": "x", "o": {"a": 1}},
} if true`,
			want: finding.Finding{
				Message: "m", Subject: "User:a", Path: "p",
				Resource: finding.Resource{Kind: "ClusterRole", Name: "r"},
				Location: finding.Location{File: "f.yaml", Line: 3, Column: 2},
				Evidence: map[string]string{"verbs": "get,create", "n": "2", "ok": "true", "s": "x", "o": `{"a":1}`},
			},
			wantKey: "k",
		},
		{
			name: "minimal with uri location",
			body: `findings contains {"msg": "m", "resource": {"kind": "Node"}, "location": {"uri": "k8s://node/n1:10250"}} if true`,
			want: finding.Finding{Message: "m", Resource: finding.Resource{Kind: "Node"}, Location: finding.Location{URI: "k8s://node/n1:10250"}},
		},
		{name: "no msg", body: `findings contains {"resource": {"kind": "X"}} if true`, wantErr: `rule TEST-001: finding has no "msg"`},
		{name: "no resource", body: `findings contains {"msg": "m"} if true`, wantErr: `rule TEST-001: finding "m": finding has no "resource" object`},
		{name: "resource without kind", body: `findings contains {"msg": "m", "resource": {"name": "x"}} if true`, wantErr: `rule TEST-001: finding "m": resource: finding has no "kind"`},
		{name: "not an object", body: `findings contains "just a string" if true`, wantErr: `rule TEST-001: finding is string`},
		{name: "subject not a string", body: `findings contains {"msg": "m", "resource": {"kind": "X"}, "subject": 1} if true`, wantErr: `finding field "subject" is json.Number`},
		{
			name: "null optional fields, set and nested evidence",
			body: `findings contains {
	"msg": "m", "subject": null, "location": null, "resource": {"kind": "X", "namespace": null},
	"evidence": {"set": {"b", "a"}, "nested": [["x"]], "objs": [{"k": 1}], "null": null, "mixed": [1, true, "s", null]},
} if true`,
			want: finding.Finding{
				Message: "m", Resource: finding.Resource{Kind: "X"},
				Evidence: map[string]string{"set": "a,b", "nested": `[["x"]]`, "objs": `[{"k":1}]`, "null": "null", "mixed": "1,true,s,null"},
			},
		},
		{
			name: "evidence with a non-string key",
			body: `findings contains {"msg": "m", "resource": {"kind": "X"}, "evidence": {1: "one", "s": ["a", "b"]}} if true`,
			want: finding.Finding{Message: "m", Resource: finding.Resource{Kind: "X"}, Evidence: map[string]string{"1": "one", "s": "a,b"}},
		},
		{
			name: "empty evidence, line only",
			body: `findings contains {"msg": "m", "resource": {"kind": "X"}, "evidence": {}, "location": {"line": 7}} if true`,
			want: finding.Finding{Message: "m", Resource: finding.Resource{Kind: "X"}, Location: finding.Location{Line: 7}},
		},
		{name: "empty msg", body: `findings contains {"msg": "", "resource": {"kind": "X"}} if true`, wantErr: `finding has an empty "msg"`},
		{name: "resource not an object", body: `findings contains {"msg": "m", "resource": ["X"]} if true`, wantErr: `finding "m": finding has no "resource" object`},
		{name: "location not an object", body: `findings contains {"msg": "m", "resource": {"kind": "X"}, "location": "f:1"} if true`, wantErr: `location is string, want an object`},
		{name: "fractional column", body: `findings contains {"msg": "m", "resource": {"kind": "X"}, "location": {"column": 1.5}} if true`, wantErr: `location.column: "1.5" is not an integer`},
		{name: "evidence not an object", body: `findings contains {"msg": "m", "resource": {"kind": "X"}, "evidence": [1]} if true`, wantErr: `evidence is []interface {}, want an object`},
		{name: "bad line", body: `findings contains {"msg": "m", "resource": {"kind": "X"}, "location": {"line": "x"}} if true`, wantErr: `location.line: string is not an integer`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := testfiles.Tree(t, map[string]string{"r.rego": policy("t.conv", okCustom, tc.body+"\n")})
			e, err := Load(context.Background(), Options{PolicyDirs: []string{dir}})
			if err != nil {
				t.Fatal(err)
			}
			rs, err := e.EvaluateResults(context.Background(), facts.New("manifests"))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []Result
			for _, r := range rs {
				if r.Finding.RuleID == "TEST-001" {
					got = append(got, r)
				}
			}
			if len(got) != 1 {
				t.Fatalf("got %d TEST-001 results, want 1", len(got))
			}
			f := got[0].Finding
			tc.want.RuleID, tc.want.Severity, tc.want.Title = "TEST-001", finding.SeverityHigh, "Test rule"
			tc.want.Remediation, tc.want.References, tc.want.Status = "Fix it.", []string{"https://example.com/rule"}, finding.StatusOpen
			tc.want.Fingerprint = finding.Fingerprint("TEST-001", tc.want.Resource, tc.want.Subject, tc.wantKey)
			if !reflect.DeepEqual(f, tc.want) || got[0].Key != tc.wantKey {
				t.Errorf("got  %+v key %q\nwant %+v key %q", f, got[0].Key, tc.want, tc.wantKey)
			}
		})
	}
}

func TestEvaluateRuntimeErrorIsReported(t *testing.T) {
	body := `findings contains {"msg": sprintf("%d", [to_number(s.id)]), "resource": {"kind": "X"}} if {
	some s in input.subjects
}`
	dir := testfiles.Tree(t, map[string]string{"r.rego": policy("t.rt", okCustom, body+"\n")})
	e, err := Load(context.Background(), Options{PolicyDirs: []string{dir}})
	if err != nil {
		t.Fatal(err)
	}
	doc := facts.New("manifests")
	doc.Subjects = []facts.Subject{{ID: "not-a-number"}}
	if _, err := e.Evaluate(context.Background(), doc); err == nil || !strings.Contains(err.Error(), "r.rego") {
		t.Errorf("err = %v, want a runtime error naming r.rego", err)
	}
}

// TestConvertRuleShapes covers result shapes the loader never lets through
// (it requires set rules) but convertRule accepts or rejects on its own.
func TestConvertRuleShapes(t *testing.T) {
	r := finding.Rule{ID: "TEST-001"}
	item := ast.MustParseTerm(`{"msg": "b", "resource": {"kind": "X"}}`)
	first := ast.MustParseTerm(`{"msg": "a", "resource": {"kind": "X"}}`)
	for _, tc := range []struct {
		name    string
		raw     ast.Value
		want    []string
		wantErr string
	}{
		{name: "array keeps its order", raw: ast.NewArray(item, first), want: []string{"b", "a"}},
		{name: "set in sorted order", raw: ast.NewSet(item, first), want: []string{"a", "b"}},
		{name: "string", raw: ast.String("x"), wantErr: "rule TEST-001: findings is string, want a set"},
		{name: "null", raw: ast.Null{}, wantErr: "rule TEST-001: findings is <nil>, want a set"},
	} {
		got, err := convertRule(r, tc.raw)
		if tc.wantErr != "" {
			if err == nil || err.Error() != tc.wantErr {
				t.Errorf("%s: err = %v, want %q", tc.name, err, tc.wantErr)
			}
			continue
		}
		var msgs []string
		for _, res := range got.results {
			msgs = append(msgs, res.Finding.Message)
		}
		if err != nil || !reflect.DeepEqual(msgs, tc.want) {
			t.Errorf("%s: got %v (%v), want %v", tc.name, msgs, err, tc.want)
		}
	}
}

// TestEvidenceShared: findings of one rule with equal evidence share one
// map; different evidence keeps its own.
func TestEvidenceShared(t *testing.T) {
	ev := evidenceCache{}
	obj := func(v string) ast.Value {
		return ast.NewObject(ast.Item(ast.StringTerm("verbs"), ast.StringTerm(v)))
	}
	a, err := ev.get(obj("get"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := ev.get(obj("get"))
	c, _ := ev.get(obj("create"))
	if reflect.ValueOf(a).Pointer() != reflect.ValueOf(b).Pointer() {
		t.Error("equal evidence converted to two maps")
	}
	if c["verbs"] != "create" || a["verbs"] != "get" {
		t.Errorf("evidence = %v and %v", a, c)
	}
	if m, err := ev.get(nil); m != nil || err != nil {
		t.Errorf("no evidence = %v, %v", m, err)
	}
}
