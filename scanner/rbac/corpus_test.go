package rbac

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/kubelet-audit/kubelet-audit/scanner/facts"
	"github.com/kubelet-audit/kubelet-audit/scanner/load"
)

// corpusCheck is the reviewed expectation of one EXPECTED.tsv row, made
// exact. A row is matched by file, subject column and a role name in its
// "binding -> role" column.
type corpusCheck struct {
	file, expSubject, expRole string
	subjects                  []string // subject IDs the row is about; empty = role-level row
	role                      string   // ClusterRole checked for role-level rows
	want                      []string // expand() specs
	ineff                     []string // "reason:resource"
	system                    bool
	// none are further subjects of the file the row's notes say reach nothing.
	none []string
	// noLoad: the file cannot be parsed (a template), so nothing resolves.
	noLoad bool
}

var allSubs = []string{"*:*"}

var corpusChecks = []corpusCheck{
	{file: "DataDog-datadog-agent__Dockerfiles-manifests-agent-only-rbac.yaml", expSubject: "ServiceAccount default/datadog", expRole: "datadog",
		subjects: []string{"ServiceAccount:default/datadog"}, want: []string{"proxy,stats,metrics,spec:get"}},
	{file: "argoproj-argo-cd__manifests-cluster-rbac-application-controller-argocd-application-controller-clusterrole.yaml", expSubject: "(none in file)", expRole: "argocd-application-controller",
		role: "argocd-application-controller", want: allSubs},
	{file: "argoproj-argo-cd__manifests-cluster-rbac-application-controller-argocd-application-controller-clusterrolebinding.yaml", expSubject: "ServiceAccount argocd/argocd-application-controller", expRole: "argocd-application-controller",
		subjects: []string{"ServiceAccount:argocd/argocd-application-controller"}, want: allSubs},
	// EXPECTED lists get,patch,delete on nodes/proxy: '*' resources with
	// those verbs grant exactly that on every node subresource.
	{file: "argoproj-argo-cd__manifests-cluster-rbac-server-argocd-server-clusterrole.yaml", expSubject: "(none in file)", expRole: "argocd-server",
		role: "argocd-server", want: []string{"*:get,patch,delete"}},
	// Deviation: EXPECTED names only get for the bound subject; the same rule
	// also grants patch and delete (semantics win).
	{file: "argoproj-argo-cd__manifests-cluster-rbac-server-argocd-server-clusterrolebinding.yaml", expSubject: "ServiceAccount argocd/argocd-server", expRole: "argocd-server",
		subjects: []string{"ServiceAccount:argocd/argocd-server"}, want: []string{"*:get,patch,delete"}},
	{file: "elastic-elastic-agent__deploy-kubernetes-elastic-agent-standalone-kubernetes.yaml", expSubject: "ServiceAccount kube-system/elastic-agent-standalone", expRole: "elastic-agent-standalone",
		subjects: []string{"ServiceAccount:kube-system/elastic-agent-standalone"}, want: []string{"stats:get"}},
	{file: "falcosecurity-deploy-kubernetes__kubernetes-falco-templates-clusterrole.yaml", expSubject: "(none)", expRole: "falco", role: "falco"},
	{file: "falcosecurity-deploy-kubernetes__kubernetes-falco-templates-clusterrolebinding.yaml", expSubject: "ServiceAccount default/falco", expRole: "falco",
		subjects: []string{"ServiceAccount:default/falco"}},
	{file: "fluxcd-flux2__manifests-rbac-reconciler.yaml", expSubject: "ServiceAccount flux-system/kustomize-controller", expRole: "cluster-admin",
		subjects: []string{"ServiceAccount:flux-system/kustomize-controller"}, want: allSubs},
	{file: "fluxcd-flux2__manifests-rbac-reconciler.yaml", expSubject: "ServiceAccount flux-system/helm-controller", expRole: "cluster-admin",
		subjects: []string{"ServiceAccount:flux-system/helm-controller"}, want: allSubs},
	// list/watch reach nothing on the kubelet: reported as ineffective.
	{file: "grafana-agent__operations-helm-tests-default-values-grafana-agent-templates-rbac.yaml", expSubject: "ServiceAccount default/grafana-agent", expRole: "grafana-agent",
		subjects: []string{"ServiceAccount:default/grafana-agent"}, want: []string{"proxy,metrics:get"},
		ineff: []string{"verb-never-checked:nodes/metrics", "verb-never-checked:nodes/proxy"}},
	{file: "k3s-io-k3s__manifests-metrics-server-resource-reader.yaml", expSubject: "ServiceAccount kube-system/metrics-server", expRole: "system:metrics-server",
		subjects: []string{"ServiceAccount:kube-system/metrics-server"}, want: []string{"stats:get"}, ineff: []string{"verb-never-checked:nodes/stats"}},
	// Deviation: EXPECTED lists proxy/log/stats/metrics; the v1.37.2
	// bootstrap system:kubelet-api-admin also grants the fine-grained
	// nodes/configz, nodes/healthz and nodes/pods (KEP-2862).
	{file: "k3s-io-k3s__manifests-rolebindings.yaml", expSubject: "User kube-apiserver", expRole: "system:kubelet-api-admin",
		subjects: []string{"User:kube-apiserver"}, want: []string{"proxy,log,stats,metrics,configz,healthz,pods:*"}, system: true,
		none: []string{"User:system:k3s-controller"}},
	{file: "kubernetes-autoscaler__vertical-pod-autoscaler-deploy-vpa-rbac.yaml", expSubject: "SAs kube-system/vpa-recommender, vpa-updater, vpa-admission-controller", expRole: "various",
		subjects: []string{"ServiceAccount:kube-system/vpa-recommender", "ServiceAccount:kube-system/vpa-updater", "ServiceAccount:kube-system/vpa-admission-controller"}},
	{file: "kubernetes-kubernetes__plugin-pkg-auth-authorizer-rbac-bootstrappolicy-testdata-cluster-roles.yaml", expSubject: "(no bindings in file)", expRole: "cluster-admin",
		role: "cluster-admin", want: allSubs},
	// The corpus file is an older bootstrap policy than v1.37.2; its own
	// definition wins over the embedded built-in.
	{file: "kubernetes-kubernetes__plugin-pkg-auth-authorizer-rbac-bootstrappolicy-testdata-cluster-roles.yaml", expSubject: "(no bindings in file)", expRole: "system:kubelet-api-admin",
		role: "system:kubelet-api-admin", want: []string{"proxy,log,stats,metrics:*"}},
	{file: "kubernetes-kubernetes__plugin-pkg-auth-authorizer-rbac-bootstrappolicy-testdata-cluster-roles.yaml", expSubject: "(no bindings in file)", expRole: "system:kube-controller-manager",
		role: "system:kube-controller-manager"},
	{file: "kubernetes-sigs-metrics-server__manifests-base-rbac.yaml", expSubject: "ServiceAccount kube-system/metrics-server", expRole: "system:metrics-server",
		subjects: []string{"ServiceAccount:kube-system/metrics-server"}, want: []string{"metrics:get"}},
	{file: "newrelic-nri-kubernetes__deploy-newrelic-infra.yaml", expSubject: "ServiceAccount default/newrelic", expRole: "newrelic",
		subjects: []string{"ServiceAccount:default/newrelic"}, want: []string{"proxy,stats,metrics:get"},
		ineff: []string{"verb-never-checked:nodes/metrics", "verb-never-checked:nodes/proxy", "verb-never-checked:nodes/stats"}},
	// EXPECTED says "nodes/* get": '*' resources reach every node subresource with get.
	{file: "open-policy-agent-gatekeeper__deploy-gatekeeper.yaml", expSubject: "ServiceAccount gatekeeper-system/gatekeeper-admin", expRole: "gatekeeper-manager-role",
		subjects: []string{"ServiceAccount:gatekeeper-system/gatekeeper-admin"}, want: []string{"*:get"}},
	// Deviation: a Helm template cannot be resolved until rendered; the
	// loader reports it and no role exists.
	{file: "prometheus-community-helm-charts__charts-prometheus-templates-clusterrole.yaml", expSubject: "(template; no binding)", expRole: "prometheus.clusterRoleName", noLoad: true},
	{file: "prometheus-operator-kube-prometheus__manifests-prometheus-clusterRole.yaml", expSubject: "(none in file)", expRole: "prometheus-k8s",
		role: "prometheus-k8s", want: []string{"metrics:get"}},
	{file: "prometheus-operator-kube-prometheus__manifests-prometheus-clusterRoleBinding.yaml", expSubject: "ServiceAccount monitoring/prometheus-k8s", expRole: "prometheus-k8s",
		subjects: []string{"ServiceAccount:monitoring/prometheus-k8s"}, want: []string{"metrics:get"}},
}

// corpusDir is ../shared/corpus beside the repository root.
func corpusDir(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("repository root (go.mod) not found")
		}
		dir = parent
	}
	c := filepath.Join(dir, "..", "shared", "corpus")
	if _, err := os.Stat(filepath.Join(c, "EXPECTED.tsv")); err != nil {
		t.Skipf("real-world corpus not present at %s: %v", c, err)
	}
	return c
}

// readTSV returns the rows of a TSV file after its header.
func readTSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows [][]string
	sc := bufio.NewScanner(f)
	for first := true; sc.Scan(); first = false {
		if !first && strings.TrimSpace(sc.Text()) != "" {
			rows = append(rows, strings.Split(sc.Text(), "\t"))
		}
	}
	return rows
}

// projects groups corpus RBAC files by repository (SOURCES.tsv), since role
// names collide across projects.
func projects(t *testing.T, dir string) map[string][]string {
	byRepo := map[string][]string{}
	for _, row := range readTSV(t, filepath.Join(dir, "SOURCES.tsv")) {
		base := filepath.Base(row[4])
		p := filepath.Join(dir, "rbac", base)
		if _, err := os.Stat(p); err == nil {
			byRepo[row[0]] = append(byRepo[row[0]], p)
		}
	}
	return byRepo
}

func TestCorpus(t *testing.T) {
	dir := corpusDir(t)
	results := map[string]*Result{} // by file base name
	loadErrs := map[string]int{}
	for repo, files := range projects(t, dir) {
		lr, _ := load.Load(context.Background(), files, load.Options{})
		res, errs := Resolve(lr.Inventory, Options{})
		if len(errs) > 0 {
			t.Errorf("%s: resolve errors %v", repo, errs)
		}
		for _, f := range files {
			results[filepath.Base(f)] = res
		}
		for _, e := range lr.Errors {
			loadErrs[filepath.Base(e.Source)]++
		}
	}
	for _, row := range readTSV(t, filepath.Join(dir, "EXPECTED.tsv")) {
		if !strings.HasPrefix(row[0], "rbac/") {
			continue
		}
		file := strings.TrimPrefix(row[0], "rbac/")
		var matched []corpusCheck
		for _, c := range corpusChecks {
			if c.file == file && c.expSubject == row[1] && strings.Contains(row[2], c.expRole) {
				matched = append(matched, c)
			}
		}
		if len(matched) != 1 {
			t.Errorf("EXPECTED.tsv row %q / %q / %q has %d checks, want 1", file, row[1], row[2], len(matched))
			continue
		}
		t.Run(file+"/"+row[1]+"/"+matched[0].expRole, func(t *testing.T) {
			checkCorpus(t, matched[0], results[file], loadErrs[file])
		})
	}
}

func checkCorpus(t *testing.T, c corpusCheck, res *Result, loadErrs int) {
	if res == nil {
		t.Fatal("file not resolved")
	}
	if c.noLoad {
		if loadErrs == 0 || findRole(res, kindClusterRole, c.expRole) != nil {
			t.Errorf("template: load errors = %d, want > 0 and no role", loadErrs)
		}
		return
	}
	want := expand(c.want...)
	if len(c.subjects) == 0 {
		role := findRole(res, kindClusterRole, c.role)
		if role == nil {
			t.Fatalf("role %s missing", c.role)
		}
		if got := roleAccess(role.NodeAccess); !eq(got, want) {
			t.Errorf("role %s node access = %v, want %v", c.role, got, want)
		}
		return
	}
	for _, id := range c.none {
		if s := findSubject(res, id); s == nil || len(s.Grants) > 0 {
			t.Errorf("%s = %+v, want a subject without grants", id, s)
		}
	}
	for _, id := range c.subjects {
		s := findSubject(res, id)
		if s == nil {
			t.Fatalf("subject %s missing", id)
		}
		if got := access(s.Grants); !eq(got, want) {
			t.Errorf("%s grants = %v, want %v", id, got, want)
		}
		gotIneff := ineffective(s.Ineffective)
		wantIneff := append([]string{}, c.ineff...)
		sort.Strings(wantIneff)
		if !eq(gotIneff, wantIneff) {
			t.Errorf("%s ineffective = %v, want %v", id, gotIneff, wantIneff)
		}
		if s.System != c.system {
			t.Errorf("%s system = %v, want %v", id, s.System, c.system)
		}
		for _, g := range s.Grants {
			if g.Path.Text == "" || g.Path.RuleLocation == (facts.Location{}) {
				t.Errorf("%s grant without provenance: %+v", id, g.Path)
			}
		}
	}
}

// TestCorpusAllAtOnce resolves every corpus file in one scan: colliding
// role names become scan errors, never a crash.
func TestCorpusAllAtOnce(t *testing.T) {
	dir := corpusDir(t)
	lr, _ := load.Load(context.Background(), []string{filepath.Join(dir, "rbac")}, load.Options{})
	res, errs := Resolve(lr.Inventory, Options{})
	if len(res.Subjects) == 0 {
		t.Fatal("no subjects resolved")
	}
	dup := false
	for _, e := range errs {
		dup = dup || strings.Contains(e.Message, `duplicate ClusterRole "system:metrics-server"`)
	}
	if !dup {
		t.Errorf("errors = %v, want the system:metrics-server name collision reported", errs)
	}
}
