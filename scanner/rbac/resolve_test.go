package rbac

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubelet-audit/kubelet-audit/scanner/facts"
	"github.com/kubelet-audit/kubelet-audit/scanner/inventory"
)

// TestNodeRuleSemantics binds one ClusterRole to User:alice with a
// ClusterRoleBinding and checks what each rule really grants on the kubelet.
func TestNodeRuleSemantics(t *testing.T) {
	tests := []struct {
		name      string
		rules     []rbacv1.PolicyRule
		want      []string // expand() specs
		ineff     []string // "reason:resource"
		wildcard  bool
		nodes     []string
		ineffDesc string // substring of the first Ineffective detail
	}{
		{name: "literal nodes/proxy get", rules: []rbacv1.PolicyRule{newRule("get", "", "nodes/proxy")}, want: []string{"proxy:get"}},
		{name: "verb * expands to effective verbs without noise", rules: []rbacv1.PolicyRule{newRule("*", "", "nodes/proxy")}, want: []string{"proxy:*"}, wildcard: true},
		{name: "resource * covers every subresource", rules: []rbacv1.PolicyRule{newRule("get", "", "*")}, want: []string{"*:get"}, wildcard: true},
		{name: "*/proxy is a wildcard", rules: []rbacv1.PolicyRule{newRule("get", "", "*/proxy")}, want: []string{"proxy:get"}, wildcard: true},
		{name: "*/* matches nothing", rules: []rbacv1.PolicyRule{newRule("get", "", "*/*")}},
		{name: "apiGroup * with literal resource", rules: []rbacv1.PolicyRule{newRule("get", "*", "nodes/proxy")}, want: []string{"proxy:get"}, wildcard: true},
		{name: "cluster-admin style * * *", rules: []rbacv1.PolicyRule{newRule("*", "*", "*")}, want: []string{"*:*"}, wildcard: true},
		{name: "nodes/* is a literal", rules: []rbacv1.PolicyRule{newRule("get", "", "nodes/*")},
			ineff: []string{"not-a-wildcard:nodes/*"}, ineffDesc: "not a wildcard"},
		{name: "nodes/logs is not a subresource", rules: []rbacv1.PolicyRule{newRule("get", "", "nodes/logs")},
			ineff: []string{"not-a-subresource:nodes/logs"}, ineffDesc: `did you mean "nodes/log"?`},
		{name: "node/proxy (singular) is not a resource", rules: []rbacv1.PolicyRule{newRule("get", "", "node/proxy")},
			ineff: []string{"not-a-subresource:node/proxy"}, ineffDesc: `the resource is "nodes"`},
		{name: "nodes/exec hints at nodes/proxy", rules: []rbacv1.PolicyRule{newRule("create", "", "nodes/exec")},
			ineff: []string{"not-a-subresource:nodes/exec"}, ineffDesc: `authorized as "nodes/proxy"`},
		{name: "nodes/log is real", rules: []rbacv1.PolicyRule{newRule("get", "", "nodes/log")}, want: []string{"log:get"}},
		{name: "nodes/checkpoint create", rules: []rbacv1.PolicyRule{newRule("create", "", "nodes/checkpoint")}, want: []string{"checkpoint:create"}},
		{name: "apps group grants nothing", rules: []rbacv1.PolicyRule{newRule("get", "apps", "nodes/proxy")},
			ineff: []string{"wrong-api-group:nodes/proxy"}, ineffDesc: `under apiGroups ["apps"]`},
		{name: "metrics.k8s.io nodes is not kubelet access", rules: []rbacv1.PolicyRule{newRule("get,list", "metrics.k8s.io", "nodes")}},
		{name: "core among several groups works", rules: []rbacv1.PolicyRule{newRule("get", "apps,,extensions", "nodes/proxy")}, want: []string{"proxy:get"}},
		{name: "list/watch never checked", rules: []rbacv1.PolicyRule{newRule("list,watch", "", "nodes/proxy")},
			ineff: []string{"verb-never-checked:nodes/proxy"}, ineffDesc: "list/watch on nodes/proxy are never checked by the kubelet or the API server node proxy"},
		{name: "get plus list: access and noise", rules: []rbacv1.PolicyRule{newRule("get,list", "", "nodes/proxy,nodes/metrics")},
			want: []string{"proxy,metrics:get"}, ineff: []string{"verb-never-checked:nodes/metrics", "verb-never-checked:nodes/proxy"}},
		{name: "proxy verb on nodes/proxy", rules: []rbacv1.PolicyRule{newRule("proxy", "", "nodes/proxy")},
			ineff: []string{"verb-never-checked:nodes/proxy"}, ineffDesc: "proxy on nodes/proxy is never checked"},
		{name: "*/proxy list is named too", rules: []rbacv1.PolicyRule{newRule("list", "", "*/proxy")}, ineff: []string{"verb-never-checked:nodes/proxy"}},
		{name: "* resources with list/watch is silent", rules: []rbacv1.PolicyRule{newRule("list,watch", "*", "*")}},
		{name: "patch is effective", rules: []rbacv1.PolicyRule{newRule("patch,delete", "", "nodes/proxy")}, want: []string{"proxy:patch,delete"}},
		{name: "resourceNames narrow to nodes", rules: []rbacv1.PolicyRule{newRule("get", "", "nodes/proxy", "node-b", "node-a")},
			want: []string{"proxy:get"}, nodes: []string{"node-a", "node-b"}},
		{name: "plain nodes get is not a subresource", rules: []rbacv1.PolicyRule{newRule("get,list,watch", "", "nodes")}},
		{name: "nodes/status is an API subresource, not a look-alike", rules: []rbacv1.PolicyRule{newRule("patch", "", "nodes/status")}},
		{name: "pods/proxy is not node access", rules: []rbacv1.PolicyRule{newRule("get", "", "pods/proxy")}},
		{name: "non-resource URLs are not node access", rules: []rbacv1.PolicyRule{{Verbs: []string{"get"}, NonResourceURLs: []string{"/metrics"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := &inventory.Inventory{
				ClusterRoles:        []inventory.ClusterRole{newClusterRole("r", tt.rules...)},
				ClusterRoleBindings: []inventory.ClusterRoleBinding{newCRB("b", "r", "User:alice")},
			}
			res := resolve(t, inv, Options{NoBuiltins: true})
			s := findSubject(res, "User:alice")
			if s == nil {
				t.Fatal("subject User:alice missing")
			}
			if got, want := access(s.Grants), expand(tt.want...); !eq(got, want) {
				t.Errorf("grants = %v, want %v", got, want)
			}
			if got, want := ineffective(s.Ineffective), uniqSorted(append([]string{}, tt.ineff...)); !eq(got, want) {
				t.Errorf("ineffective = %v, want %v", got, want)
			}
			for _, g := range s.Grants {
				if g.Wildcard != tt.wildcard {
					t.Errorf("grant %s wildcard = %v, want %v", g.Subresource, g.Wildcard, tt.wildcard)
				}
				if !eq(g.Nodes, append([]string{}, tt.nodes...)) {
					t.Errorf("grant %s nodes = %v, want %v", g.Subresource, g.Nodes, tt.nodes)
				}
				if g.Nodes == nil {
					t.Errorf("grant %s has nil Nodes", g.Subresource)
				}
			}
			if tt.ineffDesc != "" && (len(s.Ineffective) == 0 || !strings.Contains(s.Ineffective[0].Detail, tt.ineffDesc)) {
				t.Errorf("ineffective detail = %+v, want it to contain %q", s.Ineffective, tt.ineffDesc)
			}
			// Role-level facts agree with the subject's, independent of bindings.
			role := findRole(res, kindClusterRole, "r")
			if got, want := roleAccess(role.NodeAccess), access(s.Grants); !eq(got, want) {
				t.Errorf("role node access = %v, subject = %v", got, want)
			}
			if got, want := ineffective(role.Ineffective), ineffective(s.Ineffective); !eq(got, want) {
				t.Errorf("role ineffective = %v, subject = %v", got, want)
			}
		})
	}
}

// TestAllowsMatchesAuthorizer cross-checks allows (component-helpers
// Covers) against the upstream predicates written out by hand.
func TestAllowsMatchesAuthorizer(t *testing.T) {
	rule := newRule("get", ",apps", "*/proxy,nodes/log", "n1")
	tests := []struct {
		verb, group, res string
		names            []string
		want             bool
	}{
		{"get", "", "nodes/proxy", []string{"n1"}, true},
		{"get", "", "nodes/proxy", nil, false}, // a named rule does not cover every node
		{"get", "", "nodes/proxy", []string{"n2"}, false},
		{"get", "apps", "nodes/log", []string{"n1"}, true},
		{"get", "batch", "nodes/log", []string{"n1"}, false},
		{"create", "", "nodes/log", []string{"n1"}, false},
		{"get", "", "nodes", []string{"n1"}, false},
		{"get", "", "services/proxy", []string{"n1"}, true},
	}
	for _, tt := range tests {
		if got := allows(&rule, tt.verb, tt.group, tt.res, tt.names); got != tt.want {
			t.Errorf("allows(%s %q %s %v) = %v, want %v", tt.verb, tt.group, tt.res, tt.names, got, tt.want)
		}
	}
}

func TestBindings(t *testing.T) {
	proxy := newClusterRole("node-proxy", newRule("get", "", "nodes/proxy"))
	tests := []struct {
		name      string
		inv       inventory.Inventory
		subject   string
		want      []string
		ineff     []string
		roleFound bool
		errs      int
		detail    string
	}{
		{
			name:    "ClusterRoleBinding grants nodes",
			inv:     inventory.Inventory{ClusterRoles: []inventory.ClusterRole{proxy}, ClusterRoleBindings: []inventory.ClusterRoleBinding{newCRB("b", "node-proxy", "User:alice")}},
			subject: "User:alice", want: []string{"proxy:get"}, roleFound: true,
		},
		{
			name:    "RoleBinding to a ClusterRole never grants nodes",
			inv:     inventory.Inventory{ClusterRoles: []inventory.ClusterRole{proxy}, RoleBindings: []inventory.RoleBinding{newRB("dev", "b", kindClusterRole, "node-proxy", "User:alice")}},
			subject: "User:alice", ineff: []string{"rolebinding-cannot-grant-nodes:nodes/proxy"}, roleFound: true,
			detail: `nodes are cluster-scoped, so nodes/proxy (get) through it grants nothing`,
		},
		{
			name:    "RoleBinding to a Role never grants nodes",
			inv:     inventory.Inventory{Roles: []inventory.Role{newRole("dev", "r", newRule("*", "", "nodes/proxy"))}, RoleBindings: []inventory.RoleBinding{newRB("dev", "b", kindRole, "r", "ServiceAccount:dev/sa")}},
			subject: "ServiceAccount:dev/sa", ineff: []string{"rolebinding-cannot-grant-nodes:nodes/proxy"}, roleFound: true,
		},
		{
			name:    "RoleBinding cannot reach a Role of another namespace",
			inv:     inventory.Inventory{Roles: []inventory.Role{newRole("other", "r", newRule("get", "", "pods"))}, RoleBindings: []inventory.RoleBinding{newRB("dev", "b", kindRole, "r", "User:alice")}},
			subject: "User:alice", ineff: []string{"missing-role:"}, roleFound: false,
		},
		{
			name:    "RoleBinding to a built-in kube-system Role",
			inv:     inventory.Inventory{RoleBindings: []inventory.RoleBinding{newRB("kube-system", "b", kindRole, "extension-apiserver-authentication-reader", "ServiceAccount:kube-system/metrics-server")}},
			subject: "ServiceAccount:kube-system/metrics-server", roleFound: true,
		},
		{
			name:    "binding to a missing ClusterRole",
			inv:     inventory.Inventory{ClusterRoleBindings: []inventory.ClusterRoleBinding{newCRB("b", "does-not-exist", "User:alice")}},
			subject: "User:alice", ineff: []string{"missing-role:"}, roleFound: false,
			detail: `references ClusterRole "does-not-exist", which is neither in the input nor a built-in role`,
		},
		{
			name: "ClusterRoleBinding to a Role is invalid",
			inv: inventory.Inventory{ClusterRoleBindings: []inventory.ClusterRoleBinding{func() inventory.ClusterRoleBinding {
				b := newCRB("b", "r", "User:alice")
				b.RoleRef.Kind = kindRole
				return b
			}()}},
			subject: "User:alice", ineff: []string{"missing-role:"}, roleFound: false, errs: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, errs := Resolve(&tt.inv, Options{})
			if len(errs) != tt.errs {
				t.Errorf("errors = %v, want %d", errs, tt.errs)
			}
			s := findSubject(res, tt.subject)
			if s == nil {
				t.Fatalf("subject %s missing", tt.subject)
			}
			if got, want := access(s.Grants), expand(tt.want...); !eq(got, want) {
				t.Errorf("grants = %v, want %v", got, want)
			}
			if got, want := ineffective(s.Ineffective), uniqSorted(append([]string{}, tt.ineff...)); !eq(got, want) {
				t.Errorf("ineffective = %v, want %v", got, want)
			}
			if tt.detail != "" && (len(s.Ineffective) == 0 || !strings.Contains(s.Ineffective[0].Detail, tt.detail)) {
				t.Errorf("detail = %+v, want %q", s.Ineffective, tt.detail)
			}
			if len(res.Bindings) != 1 || res.Bindings[0].RoleFound != tt.roleFound {
				t.Fatalf("bindings = %+v, want one with RoleFound=%v", res.Bindings, tt.roleFound)
			}
			// The binding carries the same ineffective grants it hands out.
			if got, want := ineffective(res.Bindings[0].Ineffective), ineffective(s.Ineffective); !eq(got, want) {
				t.Errorf("binding ineffective = %v, want its subject's %v", got, want)
			}
		})
	}
}

func TestBuiltinRoles(t *testing.T) {
	tests := []struct {
		name     string
		roles    []inventory.ClusterRole
		role     string
		opts     Options
		want     []string
		defined  bool
		builtin  bool
		found    bool
		nodeRule string
	}{
		{name: "cluster-admin referenced, not defined", role: "cluster-admin", want: []string{"*:*"}, builtin: true, found: true},
		{name: "system:kubelet-api-admin from the bootstrap policy", role: "system:kubelet-api-admin",
			want: []string{"proxy,log,stats,metrics,configz,healthz,pods:*"}, builtin: true, found: true},
		{name: "view grants no node access", role: "view", builtin: true, found: true},
		{name: "system:node reaches no kubelet subresource", role: "system:node", builtin: true, found: true},
		{name: "input definition wins over the built-in", role: "cluster-admin",
			roles: []inventory.ClusterRole{newClusterRole("cluster-admin", newRule("get", "", "nodes/metrics"))},
			want:  []string{"metrics:get"}, defined: true, builtin: true, found: true},
		{name: "NoBuiltins leaves the role missing", role: "cluster-admin", opts: Options{NoBuiltins: true}},
		{name: "unknown names are not built-ins", role: "my-admin"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := &inventory.Inventory{ClusterRoles: tt.roles, ClusterRoleBindings: []inventory.ClusterRoleBinding{newCRB("b", tt.role, "Group:ops")}}
			res := resolve(t, inv, tt.opts)
			s := findSubject(res, "Group:ops")
			if got, want := access(s.Grants), expand(tt.want...); !eq(got, want) {
				t.Errorf("grants = %v, want %v", got, want)
			}
			role := findRole(res, kindClusterRole, tt.role)
			if (role != nil) != tt.found || res.Bindings[0].RoleFound != tt.found {
				t.Fatalf("role found = %v / binding RoleFound = %v, want %v", role != nil, res.Bindings[0].RoleFound, tt.found)
			}
			if role != nil && (role.Defined != tt.defined || role.Builtin != tt.builtin) {
				t.Errorf("role defined=%v builtin=%v, want %v %v", role.Defined, role.Builtin, tt.defined, tt.builtin)
			}
		})
	}
}

func TestBuiltinsData(t *testing.T) {
	roles, bindings := Builtins()
	if BootstrapVersion() != "v1.37.2" {
		t.Errorf("bootstrap version = %q", BootstrapVersion())
	}
	names := map[string]bool{}
	for _, r := range roles {
		names[r.Name] = true
	}
	for _, want := range []string{"cluster-admin", "admin", "edit", "view", "system:kubelet-api-admin", "system:node", "system:aggregate-to-view", "system:controller:node-controller"} {
		if !names[want] {
			t.Errorf("built-in ClusterRole %q missing", want)
		}
	}
	if !slices.IsSortedFunc(roles, func(a, b rbacv1.ClusterRole) int { return strings.Compare(a.Name, b.Name) }) {
		t.Error("built-in roles not sorted by name")
	}
	var masters bool
	for _, b := range bindings {
		if b.Name == "cluster-admin" && b.Subjects[0].Name == "system:masters" {
			masters = true
		}
	}
	if !masters {
		t.Error("bootstrap binding cluster-admin -> system:masters missing")
	}
	roles[0].Name = "mutated"
	if again, _ := Builtins(); again[0].Name == "mutated" {
		t.Error("Builtins returns shared data")
	}
}

func TestAggregation(t *testing.T) {
	const toView = "rbac.authorization.k8s.io/aggregate-to-view"
	proxyRule := newRule("get", "", "nodes/proxy")
	tests := []struct {
		name   string
		roles  []inventory.ClusterRole
		bind   string
		opts   Options
		want   []string
		from   []string // AggregatesFrom of the bound role
		into   map[string][]string
		aggBy  string // AggregatedFrom on the grant path
		drift  []string
		errs   int
		absent []string // roles not reported
	}{
		{
			name:  "label match",
			roles: []inventory.ClusterRole{aggregating("agg", "team=a"), withLabels(newClusterRole("leaf", proxyRule), "team", "a")},
			bind:  "agg", want: []string{"proxy:get"}, from: []string{"leaf"}, into: map[string][]string{"leaf": {"agg"}}, aggBy: "leaf",
		},
		{
			name:  "label non-match",
			roles: []inventory.ClusterRole{aggregating("agg", "team=a"), withLabels(newClusterRole("leaf", proxyRule), "team", "b")},
			bind:  "agg", from: []string{}, into: map[string][]string{"leaf": {}},
		},
		{
			name: "chain resolves transitively",
			roles: []inventory.ClusterRole{
				aggregating("top", "tier=mid"),
				withLabels(aggregating("mid", "tier=leaf"), "tier", "mid"),
				withLabels(newClusterRole("leaf", proxyRule), "tier", "leaf"),
			},
			bind: "top", want: []string{"proxy:get"}, from: []string{"leaf", "mid"},
			into: map[string][]string{"leaf": {"mid", "top"}}, aggBy: "leaf",
		},
		{
			name: "cycle ends and shares rules",
			roles: []inventory.ClusterRole{
				withLabels(aggregating("a", "x=b"), "x", "a"),
				withLabels(aggregating("b", "x=a", "x=leaf"), "x", "b"),
				withLabels(newClusterRole("leaf", proxyRule), "x", "leaf"),
			},
			bind: "a", want: []string{"proxy:get"}, from: []string{"b", "leaf"}, aggBy: "leaf",
		},
		{
			name: "offline ignores stored rules",
			roles: []inventory.ClusterRole{func() inventory.ClusterRole {
				cr := aggregating("agg", "team=a")
				cr.Rules = []rbacv1.PolicyRule{proxyRule}
				return cr
			}()},
			bind: "agg", from: []string{},
		},
		{
			name: "live uses stored rules and reports drift",
			roles: []inventory.ClusterRole{func() inventory.ClusterRole {
				cr := aggregating("agg", "team=a")
				cr.Rules = []rbacv1.PolicyRule{proxyRule}
				return cr
			}(), withLabels(newClusterRole("leaf", newRule("get", "", "nodes/stats")), "team", "a")},
			bind: "agg", opts: Options{Live: true}, want: []string{"proxy:get"}, from: []string{"leaf"},
			drift: []string{`extra {APIGroups:[""], Resources:["nodes/proxy"], Verbs:["get"]}`, `missing {APIGroups:[""], Resources:["nodes/stats"], Verbs:["get"]}`},
		},
		{
			name:  "built-in view aggregates an input role with nodes/proxy",
			roles: []inventory.ClusterRole{withLabels(newClusterRole("node-reader", proxyRule), toView, "true")},
			bind:  "view", want: []string{"proxy:get"}, aggBy: "node-reader",
			into: map[string][]string{"node-reader": {"admin", "edit", "view"}},
		},
		{
			name:  "live: a built-in fallback has no stored rules, so it is computed",
			roles: []inventory.ClusterRole{withLabels(newClusterRole("node-reader", proxyRule), toView, "true")},
			bind:  "view", opts: Options{Live: true}, want: []string{"proxy:get"}, aggBy: "node-reader",
		},
		{
			name:   "built-in edit and admin are reported when they collect input rules",
			roles:  []inventory.ClusterRole{withLabels(newClusterRole("node-reader", proxyRule), toView, "true")},
			bind:   "admin",
			want:   []string{"proxy:get"},
			aggBy:  "node-reader",
			absent: []string{"system:aggregate-to-view"},
		},
		{
			name: "bad selector is a scan error and keeps stored rules",
			roles: []inventory.ClusterRole{func() inventory.ClusterRole {
				cr := newClusterRole("agg", proxyRule)
				cr.AggregationRule = &rbacv1.AggregationRule{ClusterRoleSelectors: []metav1.LabelSelector{{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "a", Operator: "Bogus"}}}}}
				return cr
			}()},
			bind: "agg", want: []string{"proxy:get"}, errs: 1, from: []string{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := &inventory.Inventory{ClusterRoles: tt.roles, ClusterRoleBindings: []inventory.ClusterRoleBinding{newCRB("b", tt.bind, "User:alice")}}
			res, errs := Resolve(inv, tt.opts)
			if len(errs) != tt.errs {
				t.Errorf("errors = %v, want %d", errs, tt.errs)
			}
			s := findSubject(res, "User:alice")
			if got, want := access(s.Grants), expand(tt.want...); !eq(got, want) {
				t.Errorf("grants = %v, want %v", got, want)
			}
			role := findRole(res, kindClusterRole, tt.bind)
			if !role.Aggregated {
				t.Errorf("role %s not marked aggregated", tt.bind)
			}
			if tt.from != nil && !eq(role.AggregatesFrom, tt.from) {
				t.Errorf("AggregatesFrom = %v, want %v", role.AggregatesFrom, tt.from)
			}
			for name, want := range tt.into {
				if r := findRole(res, kindClusterRole, name); r == nil || !eq(r.AggregatesInto, want) {
					t.Errorf("role %s AggregatesInto = %+v, want %v", name, r, want)
				}
			}
			if tt.aggBy != "" {
				for _, g := range s.Grants {
					if g.Path.AggregatedFrom == nil || g.Path.AggregatedFrom.Name != tt.aggBy || !strings.Contains(g.Path.Text, `aggregated from ClusterRole "`+tt.aggBy+`"`) {
						t.Errorf("grant path = %+v, want aggregated from %s", g.Path, tt.aggBy)
					}
				}
				for _, g := range role.NodeAccess {
					if g.AggregatedFrom != tt.aggBy {
						t.Errorf("role grant AggregatedFrom = %q, want %q", g.AggregatedFrom, tt.aggBy)
					}
				}
			}
			if got := role.AggregationDrift; !eq(got, append([]string{}, tt.drift...)) {
				t.Errorf("drift = %q, want %q", got, tt.drift)
			}
			for _, name := range tt.absent {
				if findRole(res, kindClusterRole, name) != nil {
					t.Errorf("role %s reported, want it left out", name)
				}
			}
		})
	}
}

func TestSubjects(t *testing.T) {
	metrics := newClusterRole("metrics", newRule("get", "", "nodes/metrics"))
	inv := &inventory.Inventory{
		ClusterRoles: []inventory.ClusterRole{metrics},
		ClusterRoleBindings: []inventory.ClusterRoleBinding{
			newCRB("broad", "metrics", "User:system:anonymous", "Group:system:unauthenticated", "Group:system:authenticated",
				"Group:system:serviceaccounts", "Group:system:serviceaccounts:mon", "User:*", "Group:devs"),
			newCRB("infra", "metrics", "Group:system:masters", "User:system:node:n1", "User:kube-apiserver-kubelet-client",
				"ServiceAccount:kube-system/node-controller", "ServiceAccount:kube-system/my-agent", "User:system:nodes"),
			newCRB("bad", "metrics", "ServiceAccount:no-namespace", "Robot:r2"),
		},
		RoleBindings: []inventory.RoleBinding{newRB("mon", "local", kindClusterRole, "metrics", "ServiceAccount:agent")},
		Workloads: []inventory.Workload{
			newWorkload("DaemonSet", "mon", "agent", "agent"), newWorkload("Deployment", "mon", "web", ""),
			newWorkload("Deployment", "other", "x", "agent"),
		},
	}
	res, errs := Resolve(inv, Options{})
	if len(errs) != 2 || !strings.Contains(errs[0].Error()+errs[1].Error(), `ServiceAccount subject "no-namespace" has no namespace`) ||
		!strings.Contains(errs[0].Error()+errs[1].Error(), `unknown kind "Robot"`) || errs[0].Line != 5 {
		t.Errorf("errors = %v, want SA-without-namespace and unknown kind at bindings.yaml:5", errs)
	}
	tests := []struct {
		id        string
		scope     string
		broad     bool
		system    bool
		workloads []string
		grants    bool
	}{
		{id: "User:system:anonymous", scope: facts.ScopeAnonymous, broad: true, grants: true},
		{id: "Group:system:unauthenticated", scope: facts.ScopeUnauthenticated, broad: true, grants: true},
		{id: "Group:system:authenticated", scope: facts.ScopeAuthenticated, broad: true, grants: true},
		{id: "Group:system:serviceaccounts", scope: facts.ScopeAllSAs, broad: true, grants: true},
		{id: "Group:system:serviceaccounts:mon", scope: facts.ScopeNamespaceSAs, broad: true, grants: true, workloads: []string{"DaemonSet/mon/agent", "Deployment/mon/web"}},
		{id: "User:*", scope: facts.ScopeUser, grants: true}, // a user literally named "*", not everyone
		{id: "Group:devs", scope: facts.ScopeGroup, grants: true},
		{id: "Group:system:masters", scope: facts.ScopeGroup, system: true, grants: true},
		{id: "User:system:node:n1", scope: facts.ScopeUser, system: true, grants: true},
		{id: "User:kube-apiserver-kubelet-client", scope: facts.ScopeUser, system: true, grants: true},
		{id: "ServiceAccount:kube-system/node-controller", scope: facts.ScopeServiceAccount, system: true, grants: true},
		{id: "ServiceAccount:kube-system/my-agent", scope: facts.ScopeServiceAccount, grants: true},
		{id: "User:system:nodes", scope: facts.ScopeUser, grants: true}, // the group is system, a user of that name is not
		// A ServiceAccount without namespace in a RoleBinding takes the binding's namespace.
		{id: "ServiceAccount:mon/agent", scope: facts.ScopeServiceAccount, workloads: []string{"DaemonSet/mon/agent"}},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			s := findSubject(res, tt.id)
			if s == nil {
				t.Fatal("missing")
			}
			if s.Scope != tt.scope || s.Broad != tt.broad || s.System != tt.system {
				t.Errorf("scope/broad/system = %s/%v/%v, want %s/%v/%v", s.Scope, s.Broad, s.System, tt.scope, tt.broad, tt.system)
			}
			var ws []string
			for _, w := range s.Workloads {
				ws = append(ws, w.Kind+"/"+w.Namespace+"/"+w.Name)
			}
			if !eq(ws, tt.workloads) {
				t.Errorf("workloads = %v, want %v", ws, tt.workloads)
			}
			if (len(s.Grants) > 0) != tt.grants {
				t.Errorf("grants = %v, want some: %v", s.Grants, tt.grants)
			}
		})
	}
	if len(res.Subjects) != len(tests) {
		t.Errorf("got %d subjects, want %d", len(res.Subjects), len(tests))
	}
	// Rego must see [] rather than null.
	raw, _ := json.Marshal(findSubject(res, "ServiceAccount:mon/agent"))
	for _, key := range []string{`"grants":[]`, `"escalations":[]`} {
		if !strings.Contains(string(raw), key) {
			t.Errorf("subject JSON %s lacks %s", raw, key)
		}
	}
	if !slices.IsSortedFunc(res.Subjects, func(a, b facts.Subject) int { return strings.Compare(a.ID, b.ID) }) {
		t.Error("subjects not sorted by ID")
	}
}

func TestProvenanceAndAnnotations(t *testing.T) {
	cr := newClusterRole("node-debugger", newRule("get", "", "pods"), newRule("get,create", "", "nodes/proxy"))
	cr.Source = facts.Location{File: "deploy.yaml", Line: 3}
	cr.RuleLines = []int{10, 12}
	cr.Annotations = map[string]string{"kubelet-audit.io/ignore": "KA-RBAC-001", "other.io/x": "y"}
	b := newCRB("debug", "node-debugger", "ServiceAccount:dbg/sa")
	b.Annotations = map[string]string{"kubelet-audit.io/reason": "lab", "kubectl.kubernetes.io/last-applied-configuration": "{}"}
	res := resolve(t, &inventory.Inventory{ClusterRoles: []inventory.ClusterRole{cr}, ClusterRoleBindings: []inventory.ClusterRoleBinding{b}}, Options{NoBuiltins: true})
	g := findSubject(res, "ServiceAccount:dbg/sa").Grants[0]
	wantText := `ClusterRoleBinding "debug" -> ClusterRole "node-debugger" rule #2 (deploy.yaml:12)`
	if g.Path.Text != wantText || g.Path.RuleIndex != 1 || g.Path.RuleLocation.Line != 12 {
		t.Errorf("path = %+v, want text %q, index 1, line 12", g.Path, wantText)
	}
	if want := `{APIGroups:[""], Resources:["nodes/proxy"], Verbs:["get" "create"]}`; g.Path.Rule != want {
		t.Errorf("rule = %s, want %s", g.Path.Rule, want)
	}
	if !eq(g.Verbs, []string{"create", "get"}) {
		t.Errorf("verbs = %v, want sorted [create get]", g.Verbs)
	}
	if got := g.Path.Role.Annotations; len(got) != 1 || got["kubelet-audit.io/ignore"] != "KA-RBAC-001" {
		t.Errorf("role annotations = %v", got)
	}
	if got := res.Bindings[0].Annotations; len(got) != 1 || got["kubelet-audit.io/reason"] != "lab" {
		t.Errorf("binding annotations = %v", got)
	}
	role := findRole(res, kindClusterRole, "node-debugger")
	if len(role.BoundBy) != 1 || role.BoundBy[0].Name != "debug" || role.Annotations["kubelet-audit.io/ignore"] == "" {
		t.Errorf("role = %+v", role)
	}
}

func TestBuiltinBindings(t *testing.T) {
	masters := newCRB("cluster-admin", "cluster-admin", "Group:system:masters")
	renamed := newCRB("cluster-admin", "view", "Group:system:masters")
	rb := newRB("kube-system", "system::extension-apiserver-authentication-reader", kindRole, "extension-apiserver-authentication-reader", "User:system:kube-scheduler")
	mine := newCRB("my-binding", "cluster-admin", "User:me")
	tests := []struct {
		name string
		inv  inventory.Inventory
		want bool
	}{
		{"bootstrap cluster-admin binding", inventory.Inventory{ClusterRoleBindings: []inventory.ClusterRoleBinding{masters}}, true},
		{"bootstrap name with another role", inventory.Inventory{ClusterRoleBindings: []inventory.ClusterRoleBinding{renamed}}, false},
		{"bootstrap kube-system RoleBinding", inventory.Inventory{RoleBindings: []inventory.RoleBinding{rb}}, true},
		{"own binding to a built-in role", inventory.Inventory{ClusterRoleBindings: []inventory.ClusterRoleBinding{mine}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := resolve(t, &tt.inv, Options{})
			if got := res.Bindings[0].Builtin; got != tt.want {
				t.Errorf("Builtin = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestNonNilSlices: Rego must see [] rather than null anywhere.
func TestNonNilSlices(t *testing.T) {
	inv := &inventory.Inventory{
		ClusterRoles:        []inventory.ClusterRole{newClusterRole("r", newRule("get", "", "pods"))},
		ClusterRoleBindings: []inventory.ClusterRoleBinding{newCRB("b", "r", "User:alice", "User:alice")},
	}
	res := resolve(t, inv, Options{NoBuiltins: true})
	raw, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), "null") {
		t.Errorf("JSON contains null: %s", raw)
	}
	if got := res.Bindings[0].Subjects; !eq(got, []string{"User:alice"}) {
		t.Errorf("binding subjects = %v, want the duplicate folded", got)
	}
	empty, _ := Resolve(nil, Options{})
	if raw, _ := json.Marshal(empty); string(raw) != `{"Subjects":[],"Roles":[],"Bindings":[]}` {
		t.Errorf("empty result = %s", raw)
	}
}

func TestDuplicates(t *testing.T) {
	a := newClusterRole("r", newRule("get", "", "nodes/proxy"))
	b := newClusterRole("r", newRule("get", "", "nodes/metrics"))
	b.Source.File = "other.yaml"
	inv := &inventory.Inventory{ClusterRoles: []inventory.ClusterRole{a, b},
		ClusterRoleBindings: []inventory.ClusterRoleBinding{newCRB("x", "r", "User:u"), newCRB("x", "r", "User:v")}}
	res, errs := Resolve(inv, Options{NoBuiltins: true})
	if len(errs) != 2 || errs[0].Source != "bindings.yaml" || errs[1].Source != "other.yaml" {
		t.Fatalf("errors = %v, want duplicate binding and duplicate role", errs)
	}
	if got := access(findSubject(res, "User:u").Grants); !eq(got, []string{"proxy:get"}) {
		t.Errorf("first definition should win, got %v", got)
	}
	if findSubject(res, "User:v") != nil {
		t.Error("duplicate binding's subject resolved")
	}
}
