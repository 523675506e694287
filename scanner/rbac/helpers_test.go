package rbac

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubelet-audit/kubelet-audit/scanner/facts"
	"github.com/kubelet-audit/kubelet-audit/scanner/inventory"
)

// Compact builders in the style of the upstream RBAC tests.

func split(s string) []string {
	if s == "-" {
		return nil
	}
	return strings.Split(s, ",")
}

// newRule builds a rule from comma-separated verbs, groups and resources;
// "-" is an empty list.
func newRule(verbs, groups, resources string, names ...string) rbacv1.PolicyRule {
	return rbacv1.PolicyRule{Verbs: split(verbs), APIGroups: split(groups), Resources: split(resources), ResourceNames: names}
}

func newClusterRole(name string, rules ...rbacv1.PolicyRule) inventory.ClusterRole {
	cr := inventory.ClusterRole{Source: facts.Location{File: name + ".yaml", Line: 1}}
	cr.Name, cr.Rules = name, rules
	for i := range rules {
		cr.RuleLines = append(cr.RuleLines, 10+i)
	}
	return cr
}

func withLabels(cr inventory.ClusterRole, kv ...string) inventory.ClusterRole {
	cr.Labels = map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		cr.Labels[kv[i]] = kv[i+1]
	}
	return cr
}

// aggregating builds an aggregated ClusterRole, one matchLabels selector
// per "key=value".
func aggregating(name string, selectors ...string) inventory.ClusterRole {
	cr := newClusterRole(name)
	cr.AggregationRule = &rbacv1.AggregationRule{}
	for _, s := range selectors {
		k, v, _ := strings.Cut(s, "=")
		cr.AggregationRule.ClusterRoleSelectors = append(cr.AggregationRule.ClusterRoleSelectors, metav1.LabelSelector{MatchLabels: map[string]string{k: v}})
	}
	return cr
}

func newRole(ns, name string, rules ...rbacv1.PolicyRule) inventory.Role {
	r := inventory.Role{Source: facts.Location{File: name + ".yaml", Line: 1}}
	r.Namespace, r.Name, r.Rules = ns, name, rules
	return r
}

// subjects parses "User:alice", "Group:g", "ServiceAccount:ns/name" and
// "ServiceAccount:name" (no namespace).
func subjects(ids ...string) []rbacv1.Subject {
	var out []rbacv1.Subject
	for _, id := range ids {
		kind, name, _ := strings.Cut(id, ":")
		s := rbacv1.Subject{Kind: kind, Name: name}
		if kind == rbacv1.ServiceAccountKind {
			if ns, n, ok := strings.Cut(name, "/"); ok {
				s.Namespace, s.Name = ns, n
			}
		}
		out = append(out, s)
	}
	return out
}

func newCRB(name, role string, subs ...string) inventory.ClusterRoleBinding {
	b := inventory.ClusterRoleBinding{Source: facts.Location{File: "bindings.yaml", Line: 5}}
	b.Name = name
	b.RoleRef = rbacv1.RoleRef{APIGroup: rbacGroup, Kind: kindClusterRole, Name: role}
	b.Subjects = subjects(subs...)
	return b
}

func newRB(ns, name, roleKind, role string, subs ...string) inventory.RoleBinding {
	b := inventory.RoleBinding{Source: facts.Location{File: "bindings.yaml", Line: 20}}
	b.Namespace, b.Name = ns, name
	b.RoleRef = rbacv1.RoleRef{APIGroup: rbacGroup, Kind: roleKind, Name: role}
	b.Subjects = subjects(subs...)
	return b
}

func newWorkload(kind, ns, name, sa string) inventory.Workload {
	return inventory.Workload{Kind: kind, Namespace: ns, Name: name, ServiceAccount: sa, AutomountToken: true,
		Source: facts.Location{File: "apps.yaml", Line: 3}}
}

func resolve(t *testing.T, inv *inventory.Inventory, opts Options) *Result {
	t.Helper()
	res, errs := Resolve(inv, opts)
	for _, e := range errs {
		t.Errorf("unexpected scan error: %v", e)
	}
	return res
}

func findSubject(res *Result, id string) *facts.Subject {
	for i := range res.Subjects {
		if res.Subjects[i].ID == id {
			return &res.Subjects[i]
		}
	}
	return nil
}

func findRole(res *Result, kind, name string) *facts.Role {
	for i := range res.Roles {
		if res.Roles[i].Kind == kind && res.Roles[i].Name == name {
			return &res.Roles[i]
		}
	}
	return nil
}

// access renders grants as sorted "sub:verb" strings.
func access(gs []facts.Grant) []string {
	out := []string{}
	for _, g := range gs {
		for _, v := range g.Verbs {
			out = append(out, g.Subresource+":"+v)
		}
	}
	return uniqSorted(out)
}

func roleAccess(gs []facts.RoleGrant) []string {
	out := []string{}
	for _, g := range gs {
		for _, v := range g.Verbs {
			out = append(out, g.Subresource+":"+v)
		}
	}
	return uniqSorted(out)
}

// ineffective renders look-alikes as sorted "reason:resource" strings.
func ineffective(in []facts.Ineffective) []string {
	out := []string{}
	for _, i := range in {
		out = append(out, i.Reason+":"+i.Resource)
	}
	return uniqSorted(out)
}

func uniqSorted(in []string) []string {
	sort.Strings(in)
	out := in[:0]
	for i, s := range in {
		if i == 0 || s != in[i-1] {
			out = append(out, s)
		}
	}
	return out
}

// expand turns "proxy,log:get,create" into "log:create", "log:get", ...
func expand(specs ...string) []string {
	out := []string{}
	for _, spec := range specs {
		subs, verbs, _ := strings.Cut(spec, ":")
		if subs == "*" {
			subs = strings.Join(facts.Subresources, ",")
		}
		if verbs == "*" {
			verbs = strings.Join(facts.EffectiveVerbs, ",")
		}
		for _, s := range strings.Split(subs, ",") {
			for _, v := range strings.Split(verbs, ",") {
				out = append(out, s+":"+v)
			}
		}
	}
	return uniqSorted(out)
}

func eq(a, b []string) bool { return fmt.Sprint(a) == fmt.Sprint(b) }
