package rbac

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/component-helpers/auth/rbac/validation"
)

// TestAllowsMatchesCovers compares allows with component-helpers'
// validation.Covers, the authorizer's own predicate, on random rules and
// requests drawn from vocabularies that exercise every branch: wildcards
// in verbs, groups and resources, "*/<sub>", look-alikes such as "nodes/*"
// and "node/proxy", resourceNames and non-resource URLs.
func TestAllowsMatchesCovers(t *testing.T) {
	verbs := []string{"get", "create", "list", "*", "impersonate"}
	groups := []string{"", "apps", "*", "rbac.authorization.k8s.io"}
	resources := []string{"nodes", "nodes/proxy", "nodes/log", "*/proxy", "*", "nodes/*", "node/proxy", "pods", "serviceaccounts/token", "*/token", "a/b/c", "*/b/c"}
	names := []string{"n1", "n2", "agent"}
	rng := rand.New(rand.NewPCG(1, 2))
	pick := func(vocab []string) []string {
		var out []string
		for _, v := range vocab {
			if rng.IntN(3) == 0 {
				out = append(out, v)
			}
		}
		return out
	}
	for i := 0; i < 20000; i++ {
		rule := rbacv1.PolicyRule{Verbs: pick(verbs), APIGroups: pick(groups), Resources: pick(resources), ResourceNames: pick(names)}
		if rng.IntN(8) == 0 {
			rule.NonResourceURLs = []string{"/metrics"}
		}
		verb, group := verbs[rng.IntN(len(verbs))], groups[rng.IntN(len(groups))]
		res, req := resources[rng.IntN(len(resources))], pick(names)
		want, _ := validation.Covers([]rbacv1.PolicyRule{rule},
			[]rbacv1.PolicyRule{{Verbs: []string{verb}, APIGroups: []string{group}, Resources: []string{res}, ResourceNames: req}})
		if got := allows(&rule, verb, group, res, req); got != want {
			t.Fatalf("allows(%+v, %s %q %s %v) = %v, Covers says %v", rule, verb, group, res, req, got, want)
		}
	}
}

// TestCompactRuleMatchesFmt compares compactRule with the fmt rendering
// it replaces (`%s:%q` per non-empty list), quotes and escapes included.
func TestCompactRuleMatchesFmt(t *testing.T) {
	viaFmt := func(r rbacv1.PolicyRule) string {
		var parts []string
		for _, f := range []struct {
			name string
			vals []string
		}{
			{"APIGroups", r.APIGroups}, {"Resources", r.Resources}, {"NonResourceURLs", r.NonResourceURLs},
			{"ResourceNames", r.ResourceNames}, {"Verbs", r.Verbs},
		} {
			if len(f.vals) > 0 {
				parts = append(parts, fmt.Sprintf("%s:%q", f.name, f.vals))
			}
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	for _, r := range []rbacv1.PolicyRule{
		{},
		newRule("get", "", "nodes/proxy"),
		newRule("get,list", ",apps", "*/proxy,nodes/log", "n1", `we"ird`, "tab\there", "ünï"),
		{NonResourceURLs: []string{"/metrics", "/healthz/*"}, Verbs: []string{"get"}},
		{APIGroups: []string{}, Resources: []string{"\x00"}, Verbs: nil},
	} {
		if got, want := compactRule(r), viaFmt(r); got != want {
			t.Errorf("compactRule = %s, want %s", got, want)
		}
	}
}
