package e2e

import (
	"context"
	"reflect"
	"sort"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/component-helpers/auth/rbac/validation"
	"k8s.io/kubernetes/plugin/pkg/auth/authorizer/rbac/bootstrappolicy"

	"github.com/kubelet-audit/kubelet-audit/scanner/rbac"
)

// sameRules is semantic equality: each rule set covers the other.
func sameRules(a, b []rbacv1.PolicyRule) (bool, []rbacv1.PolicyRule, []rbacv1.PolicyRule) {
	okAB, missingInA := validation.Covers(a, b)
	okBA, missingInB := validation.Covers(b, a)
	return okAB && okBA, missingInA, missingInB
}

// TestBuiltinsMatchBootstrapPolicy compares the bootstrap roles and
// bindings the main module embeds (scanner/rbac, generated data) with what
// k8s.io/kubernetes' bootstrappolicy code returns: same names, semantically
// equal rules, same aggregation rules, same role refs and subjects.
func TestBuiltinsMatchBootstrapPolicy(t *testing.T) {
	t.Parallel()
	roles, bindings := rbac.Builtins()
	wantRoles := append(bootstrappolicy.ClusterRoles(), bootstrappolicy.ControllerRoles()...)
	wantBindings := append(bootstrappolicy.ClusterRoleBindings(), bootstrappolicy.ControllerRoleBindings()...)
	compareClusterRoles(t, "bootstrappolicy", roles, wantRoles)

	got := map[string]rbacv1.ClusterRoleBinding{}
	for _, b := range bindings {
		got[b.Name] = b
	}
	for _, w := range wantBindings {
		g, ok := got[w.Name]
		if !ok {
			t.Errorf("ClusterRoleBinding %s: missing from scanner/rbac builtins", w.Name)
			continue
		}
		delete(got, w.Name)
		if g.RoleRef != w.RoleRef || !sameSubjects(g.Subjects, w.Subjects) {
			t.Errorf("ClusterRoleBinding %s: roleRef %v subjects %v, bootstrappolicy has %v %v", w.Name, g.RoleRef, g.Subjects, w.RoleRef, w.Subjects)
		}
	}
	for name := range got {
		t.Errorf("ClusterRoleBinding %s: in scanner/rbac builtins, not in bootstrappolicy", name)
	}
	compareNamespaced(t)
}

func compareClusterRoles(t *testing.T, source string, got, want []rbacv1.ClusterRole) {
	t.Helper()
	byName := map[string]rbacv1.ClusterRole{}
	for _, r := range got {
		byName[r.Name] = r
	}
	for _, w := range want {
		g, ok := byName[w.Name]
		if !ok {
			t.Errorf("ClusterRole %s: in %s, missing from scanner/rbac builtins", w.Name, source)
			continue
		}
		delete(byName, w.Name)
		if ok, missing, extra := sameRules(g.Rules, w.Rules); !ok {
			t.Errorf("ClusterRole %s: rules differ from %s: builtins lack %v, builtins add %v", w.Name, source, missing, extra)
		}
		if !reflect.DeepEqual(g.AggregationRule, w.AggregationRule) {
			t.Errorf("ClusterRole %s: aggregationRule %v, %s has %v", w.Name, g.AggregationRule, source, w.AggregationRule)
		}
	}
	for name := range byName {
		t.Errorf("ClusterRole %s: in scanner/rbac builtins, not in %s", name, source)
	}
}

func compareNamespaced(t *testing.T) {
	t.Helper()
	roles, bindings := rbac.BuiltinNamespaced()
	gotRoles := map[string][]rbacv1.PolicyRule{}
	for _, r := range roles {
		gotRoles[r.Namespace+"/"+r.Name] = r.Rules
	}
	for ns, rs := range bootstrappolicy.NamespaceRoles() {
		for _, w := range rs {
			key := ns + "/" + w.Name
			g, ok := gotRoles[key]
			if !ok {
				t.Errorf("Role %s: missing from scanner/rbac builtins", key)
				continue
			}
			delete(gotRoles, key)
			if ok, missing, extra := sameRules(g, w.Rules); !ok {
				t.Errorf("Role %s: builtins lack %v, add %v", key, missing, extra)
			}
		}
	}
	for key := range gotRoles {
		t.Errorf("Role %s: in scanner/rbac builtins, not in bootstrappolicy", key)
	}
	gotBindings := map[string]rbacv1.RoleBinding{}
	for _, b := range bindings {
		gotBindings[b.Namespace+"/"+b.Name] = b
	}
	for ns, bs := range bootstrappolicy.NamespaceRoleBindings() {
		for _, w := range bs {
			key := ns + "/" + w.Name
			g, ok := gotBindings[key]
			if !ok {
				t.Errorf("RoleBinding %s: missing from scanner/rbac builtins", key)
				continue
			}
			delete(gotBindings, key)
			if g.RoleRef != w.RoleRef || !sameSubjects(g.Subjects, w.Subjects) {
				t.Errorf("RoleBinding %s: %v %v, bootstrappolicy has %v %v", key, g.RoleRef, g.Subjects, w.RoleRef, w.Subjects)
			}
		}
	}
	for key := range gotBindings {
		t.Errorf("RoleBinding %s: in scanner/rbac builtins, not in bootstrappolicy", key)
	}
}

func sameSubjects(a, b []rbacv1.Subject) bool {
	key := func(ss []rbacv1.Subject) []string {
		var out []string
		for _, s := range ss {
			out = append(out, s.Kind+"/"+s.Namespace+"/"+s.Name)
		}
		sort.Strings(out)
		return out
	}
	return reflect.DeepEqual(key(a), key(b))
}

// TestBuiltinsMatchLiveAPIServer compares the builtins with the roles the
// running API server's bootstrap hook stored (aggregated roles excepted:
// the aggregation controller rewrites their rules, seeded roles included).
func TestBuiltinsMatchLiveAPIServer(t *testing.T) {
	t.Parallel()
	roles, _ := rbac.Builtins()
	live, err := env.Client.RbacV1().ClusterRoles().List(context.Background(), metav1.ListOptions{
		LabelSelector: "kubernetes.io/bootstrapping=rbac-defaults",
	})
	if err != nil {
		t.Fatal(err)
	}
	var want []rbacv1.ClusterRole
	for _, r := range live.Items {
		if r.AggregationRule != nil {
			r.Rules = nil // compare the selector, not the controller's output
		}
		want = append(want, r)
	}
	var got []rbacv1.ClusterRole
	for _, r := range roles {
		if r.AggregationRule != nil {
			r.Rules = nil
		}
		got = append(got, r)
	}
	compareClusterRoles(t, "the live API server", got, want)
}
