package e2e

import (
	"context"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	authorizationv1 "k8s.io/api/authorization/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubelet-audit/kubelet-audit/scanner"
	"github.com/kubelet-audit/kubelet-audit/scanner/facts"
	"github.com/kubelet-audit/kubelet-audit/test/e2e/testbed"
)

// seededGrants is the node access testbed/seed.yaml grants, per subject:
// "subresource verbs [nodes]". Every other subject with node access must be
// a system identity of the bootstrap policy.
var seededGrants = map[string][]string{
	"ServiceAccount:monitoring/monitoring-agent": {"metrics get", "stats get"},
	"ServiceAccount:logging/log-shipper":         {"log get"},
	"ServiceAccount:tools/node-debugger":         {"proxy create,get"},
	"Group:sre":                                  {"proxy create,get"},
	"Group:system:unauthenticated":               {"proxy get node-legacy"},
	"ServiceAccount:dashboard/dashboard":         {"stats get"}, // via view <- node-stats-view
}

// bootstrapGrants is node access the 1.37 bootstrap policy itself gives a
// subject the resolver does not mark as a system identity.
var bootstrapGrants = map[string][]string{
	"Group:system:monitoring": {"metrics get"}, // ClusterRoleBinding system:monitoring
}

// seededNoAccess are seeded subjects that must reach nothing.
var seededNoAccess = []string{
	"ServiceAccount:tools/junior", // RoleBinding to a nodes/proxy ClusterRole: ineffective
	"ServiceAccount:kubelet-audit/kubelet-audit",
	"ServiceAccount:kubelet-audit/limited",
	"ServiceAccount:reports/reporter",
	"ServiceAccount:default/nobody",
}

// seededWorkloads is the workload attribution the live loader must find
// (pod -> ReplicaSet -> Deployment, pod -> Job -> CronJob, ...).
var seededWorkloads = map[string]string{
	"ServiceAccount:monitoring/monitoring-agent": "DaemonSet monitoring/monitoring-agent",
	"ServiceAccount:logging/log-shipper":         "DaemonSet logging/log-shipper",
	"ServiceAccount:tools/node-debugger":         "Deployment tools/node-debugger",
	"ServiceAccount:dashboard/dashboard":         "Deployment dashboard/dashboard",
	"ServiceAccount:tools/junior":                "Deployment tools/junior-app",
	"ServiceAccount:reports/reporter":            "CronJob reports/report-generator",
}

// liveDoc collects the facts of the seeded cluster once (no probing).
var liveDoc = sync.OnceValues(func() (*facts.Document, error) {
	doc, _, err := scanner.Collect(context.Background(), scanner.Options{
		Cluster: &scanner.ClusterOptions{Kubeconfig: scannerKubeconfig, QPS: 200, Burst: 400},
	})
	return doc, err
})

func mustLiveDoc(t *testing.T) *facts.Document {
	t.Helper()
	doc, err := liveDoc()
	if err != nil {
		t.Fatalf("collect live facts: %v", err)
	}
	return doc
}

func subjectByID(doc *facts.Document, id string) *facts.Subject {
	for i := range doc.Subjects {
		if doc.Subjects[i].ID == id {
			return &doc.Subjects[i]
		}
	}
	return nil
}

func grantKeys(s *facts.Subject) []string {
	var out []string
	for _, g := range s.Grants {
		k := g.Subresource + " " + strings.Join(g.Verbs, ",")
		if len(g.Nodes) > 0 {
			k += " " + strings.Join(g.Nodes, ",")
		}
		out = append(out, k)
	}
	sort.Strings(out)
	return slices.Compact(out)
}

// TestLiveResolverFindsSeededGrants: the live loader + RBAC resolver see
// exactly the seeded node access, through the paths that grant it.
func TestLiveResolverFindsSeededGrants(t *testing.T) {
	t.Parallel()
	doc := mustLiveDoc(t)
	for id, want := range mergeMaps(seededGrants, bootstrapGrants) {
		s := subjectByID(doc, id)
		if s == nil {
			t.Errorf("%s: not in the resolved subjects", id)
			continue
		}
		sameStrings(t, id+" grants", grantKeys(s), want)
	}
	for _, id := range seededNoAccess {
		if s := subjectByID(doc, id); s != nil && len(s.Grants) > 0 {
			t.Errorf("%s: grants %v, want none", id, grantKeys(s))
		}
	}
	for _, s := range doc.Subjects {
		if len(s.Grants) > 0 && !s.System && seededGrants[s.ID] == nil && bootstrapGrants[s.ID] == nil {
			t.Errorf("unexpected node access for non-system subject %s: %v", s.ID, grantKeys(&s))
		}
	}
}

// TestLiveResolverPaths checks the aggregated-role path, the ineffective
// RoleBinding and the resourceNames restriction in detail.
func TestLiveResolverPaths(t *testing.T) {
	t.Parallel()
	doc := mustLiveDoc(t)
	dash := subjectByID(doc, "ServiceAccount:dashboard/dashboard")
	if dash == nil || len(dash.Grants) != 1 {
		t.Fatalf("dashboard subject: %+v", dash)
	}
	p := dash.Grants[0].Path
	if p.Binding.Name != "dashboard-view" || p.Role.Name != "view" || p.AggregatedFrom == nil || p.AggregatedFrom.Name != "node-stats-view" {
		t.Errorf("dashboard path = binding %s, role %s, aggregated from %+v; want dashboard-view -> view <- node-stats-view",
			p.Binding.Name, p.Role.Name, p.AggregatedFrom)
	}
	if p.Binding.Location.URI != "k8s://clusterrolebinding/dashboard-view" {
		t.Errorf("dashboard binding location = %+v", p.Binding.Location)
	}
	junior := subjectByID(doc, "ServiceAccount:tools/junior")
	if junior == nil || len(junior.Ineffective) == 0 {
		t.Fatalf("junior: no ineffective grant: %+v", junior)
	}
	in := junior.Ineffective[0]
	if in.Reason != facts.IneffectiveRoleBinding || in.Resource != "nodes/proxy" || in.Path.Binding.Name != "junior-debug" {
		t.Errorf("junior ineffective = %s %s via %s", in.Reason, in.Resource, in.Path.Binding.Name)
	}
	into := map[string]bool{}
	for _, r := range doc.Roles {
		if r.Name == "node-stats-view" {
			for _, n := range r.AggregatesInto {
				into[n] = true
			}
		}
	}
	// view carries the aggregate-to-edit label and edit the aggregate-to-admin one.
	for _, n := range []string{"view", "edit", "admin"} {
		if !into[n] {
			t.Errorf("node-stats-view aggregates into %v, want view, edit and admin", into)
		}
	}
}

// TestLiveWorkloadAttribution: pods are attributed to their top owner.
func TestLiveWorkloadAttribution(t *testing.T) {
	t.Parallel()
	doc := mustLiveDoc(t)
	for id, want := range seededWorkloads {
		s := subjectByID(doc, id)
		if s == nil {
			t.Errorf("%s: not in the resolved subjects", id)
			continue
		}
		var got []string
		for _, w := range s.Workloads {
			got = append(got, w.Kind+" "+w.Namespace+"/"+w.Name)
		}
		sameStrings(t, id+" workloads", got, []string{want})
	}
}

// TestVerifyAgreesWithResolver runs the product's SubjectAccessReview
// cross-check (--verify) as the least-privilege scanner identity: the API
// server agrees with the resolver on every question, for every seeded subject.
func TestVerifyAgreesWithResolver(t *testing.T) {
	t.Parallel()
	doc, _, err := scanner.Collect(context.Background(), scanner.Options{
		Cluster: &scanner.ClusterOptions{Kubeconfig: scannerKubeconfig, Verify: true, QPS: 200, Burst: 400},
	})
	if err != nil {
		t.Fatal(err)
	}
	asked := map[string]int{}
	for _, v := range doc.Verifications {
		asked[v.Subject]++
		if v.Error != "" || v.Resolver != v.APIServer {
			t.Errorf("%s %s nodes/%s: resolver %v, API server %v (%s) %s", v.Subject, v.Verb, v.Subresource, v.Resolver, v.APIServer, v.Reason, v.Error)
		}
	}
	for id := range seededGrants {
		if asked[id] == 0 {
			t.Errorf("%s was never verified", id)
		}
	}
	for _, id := range seededNoAccess {
		// Unbound subjects (default/nobody) are not subjects of the document.
		if asked[id] == 0 && subjectByID(doc, id) != nil {
			t.Errorf("%s was never verified", id)
		}
	}
}

// TestAPIServerAgreesOnEveryGrant asks the API server itself (as admin)
// every node subresource x verb x node question for every seeded subject
// and compares with the resolver: a stricter matrix than --verify's.
func TestAPIServerAgreesOnEveryGrant(t *testing.T) {
	t.Parallel()
	doc := mustLiveDoc(t)
	ids := append(slices.Sorted(maps.Keys(mergeMaps(seededGrants, bootstrapGrants))), seededNoAccess...)
	nodes := []string{"", testbed.NodeLegacy, testbed.NodeOpen}
	for _, id := range ids {
		s := subjectByID(doc, id)
		if s == nil {
			s = &facts.Subject{ID: id}
		}
		user, groups := sarIdentity(id)
		for _, sr := range facts.Subresources {
			for _, verb := range facts.EffectiveVerbs {
				for _, node := range nodes {
					want := resolverAllows(s, sr, verb, node)
					got := sarAllows(t, user, groups, sr, verb, node)
					if got != want {
						t.Errorf("%s %s nodes/%s on %q: API server %v, resolver %v", id, verb, sr, node, got, want)
					}
				}
			}
		}
	}
}

func mergeMaps(ms ...map[string][]string) map[string][]string {
	out := map[string][]string{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

// resolverAllows answers from the resolver's grants: node "" means a
// request without a resource name, which resourceNames grants do not match.
func resolverAllows(s *facts.Subject, sr, verb, node string) bool {
	for _, g := range s.Grants {
		if g.Subresource == sr && slices.Contains(g.Verbs, verb) && (len(g.Nodes) == 0 || slices.Contains(g.Nodes, node)) {
			return true
		}
	}
	return false
}

// sarIdentity maps a subject ID to a user and groups that hold exactly the
// subject's permissions (plus those of system:authenticated, which grant no
// node access in the bootstrap policy).
func sarIdentity(id string) (string, []string) {
	kind, name, _ := strings.Cut(id, ":")
	switch kind {
	case "ServiceAccount":
		ns, sa, _ := strings.Cut(name, "/")
		return "system:serviceaccount:" + ns + ":" + sa, []string{"system:serviceaccounts", "system:serviceaccounts:" + ns, "system:authenticated"}
	case "Group":
		if name == "system:unauthenticated" {
			return "system:anonymous", []string{name}
		}
		return "e2e-member-of-" + name, []string{name, "system:authenticated"}
	}
	return name, []string{"system:authenticated"}
}

func sarAllows(t *testing.T, user string, groups []string, sr, verb, node string) bool {
	t.Helper()
	sar := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
		User: user, Groups: groups,
		ResourceAttributes: &authorizationv1.ResourceAttributes{Verb: verb, Resource: "nodes", Subresource: sr, Name: node},
	}}
	got, err := env.Client.AuthorizationV1().SubjectAccessReviews().Create(context.Background(), sar, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("subjectaccessreview: %v", err)
	}
	return got.Status.Allowed
}
