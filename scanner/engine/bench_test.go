package engine

import (
	"context"
	"fmt"
	"testing"

	"github.com/open-policy-agent/opa/v1/rego"

	"github.com/kubelet-audit/kubelet-audit/scanner/facts"
)

// largeDoc builds a cluster-sized document: n subjects (2% with node grants,
// half of those ServiceAccounts with a workload), n bindings and n/2.5
// roles (2% with node access).
func largeDoc(n int) *facts.Document {
	doc := facts.New("cluster")
	for i := range n {
		ns := fmt.Sprintf("ns-%d", i%500)
		role := facts.Ref{Kind: "ClusterRole", Name: fmt.Sprintf("role-%d", i%(n*2/5)), Location: facts.Location{URI: "k8s://clusterrole/x"}}
		binding := facts.Ref{Kind: "RoleBinding", Namespace: ns, Name: fmt.Sprintf("b-%d", i), Location: facts.Location{URI: "k8s://rolebinding/x"}}
		s := facts.Subject{
			ID: fmt.Sprintf("ServiceAccount:%s/sa-%d", ns, i), Kind: "ServiceAccount", Name: fmt.Sprintf("sa-%d", i),
			Namespace: ns, Scope: facts.ScopeServiceAccount,
			Workloads: []facts.Workload{{Kind: "Deployment", Namespace: ns, Name: fmt.Sprintf("app-%d", i)}},
		}
		if i%50 == 0 {
			if i%100 == 0 {
				s.ID, s.Kind, s.Scope, s.Workloads = fmt.Sprintf("User:u-%d", i), "User", facts.ScopeUser, nil
			}
			p := &facts.Path{Binding: facts.Ref{Kind: "ClusterRoleBinding", Name: binding.Name}, Role: role,
				Rule: `{APIGroups:[""], Resources:["nodes/proxy","nodes/metrics"], Verbs:["get"]}`, Text: "ClusterRoleBinding x -> ClusterRole y"}
			s.Grants = []facts.Grant{
				{Subresource: "proxy", Verbs: []string{"get"}, Path: p},
				{Subresource: "metrics", Verbs: []string{"get"}, Path: p},
				{Subresource: "stats", Verbs: []string{"get"}, Path: p},
			}
		}
		doc.Subjects = append(doc.Subjects, s)
		doc.Bindings = append(doc.Bindings, facts.Binding{Ref: binding, RoleRef: role, RoleFound: true, Subjects: []string{s.ID}})
	}
	for i := range n * 2 / 5 {
		r := facts.Role{Ref: facts.Ref{Kind: "ClusterRole", Name: fmt.Sprintf("role-%d", i)}, Defined: true}
		if i%50 == 0 {
			r.NodeAccess = []facts.RoleGrant{{Subresource: "proxy", Verbs: []string{"get"}, Rule: `{Resources:["nodes/proxy"]}`}}
		}
		doc.Roles = append(doc.Roles, r)
	}
	return doc
}

// TestEvaluateLargeDocument checks that a cluster-sized document yields
// exactly the expected findings (speed is measured by BenchmarkEvaluate and
// make bench, never by a timed test).
func TestEvaluateLargeDocument(t *testing.T) {
	e, err := Load(context.Background(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	const n = 10000
	fs, err := e.Evaluate(context.Background(), largeDoc(n))
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for _, f := range fs {
		counts[f.RuleID]++
	}
	// n/50 granted subjects: half users (KA-RBAC-003), half ServiceAccounts
	// (KA-RBAC-002), each also reading stats (005) and metrics (006); every
	// 50th of the n*2/5 defined roles names nodes/proxy (KA-RBAC-007).
	granted := n / 50
	want := map[string]int{"KA-RBAC-002": granted / 2, "KA-RBAC-003": granted / 2, "KA-RBAC-005": granted, "KA-RBAC-006": granted, "KA-RBAC-007": n * 2 / 5 / 50}
	for id, w := range want {
		if counts[id] != w {
			t.Errorf("%s: %d findings, want %d", id, counts[id], w)
		}
	}
}

func BenchmarkEvaluate(b *testing.B) {
	e, err := Load(context.Background(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	doc := largeDoc(50000)
	b.ResetTimer()
	for b.Loop() {
		if _, err := e.Evaluate(context.Background(), doc); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkInputValue(b *testing.B) {
	doc := largeDoc(50000)
	b.ResetTimer()
	for b.Loop() {
		if _, err := InputValue(doc); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEvalPrepared(b *testing.B) {
	e, err := Load(context.Background(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	v, err := InputValue(largeDoc(50000))
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := e.query.Eval(context.Background(), rego.EvalParsedInput(v)); err != nil {
			b.Fatal(err)
		}
	}
}
