package rbac

import (
	"math/rand/v2"
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
