package scanner

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/kubelet-audit/kubelet-audit/scanner/finding"
)

// corpusDir holds real published manifests (../shared/corpus beside the repo).
func corpusDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(repoRoot(t), "..", "shared", "corpus", "rbac")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("real-world corpus not present at %s", dir)
	}
	return dir
}

// TestCorpusProjects scans each project of the real-world corpus on its own
// (role names collide across projects) and checks the worst severity per
// subject against ../shared/corpus/EXPECTED.tsv, where RBAC semantics agree
// with it. "" means no finding for that subject at all.
func TestCorpusProjects(t *testing.T) {
	dir := corpusDir(t)
	for _, tc := range []struct {
		project string
		worst   map[string]string // subject or Kind/name -> worst severity
		partial bool
	}{
		{"DataDog-datadog-agent", map[string]string{"ServiceAccount:default/datadog": "critical"}, false},
		{"argoproj-argo-cd", map[string]string{
			"ServiceAccount:argocd/argocd-application-controller": "critical",
			"ServiceAccount:argocd/argocd-server":                 "critical",
			"ClusterRole/argocd-server":                           "high", // role-level: '*' get includes nodes/proxy
		}, false},
		{"elastic-elastic-agent", map[string]string{"ServiceAccount:kube-system/elastic-agent-standalone": "medium"}, false},
		{"falcosecurity-deploy-kubernetes", map[string]string{"ServiceAccount:default/falco": ""}, false},
		{"fluxcd-flux2", map[string]string{
			"ServiceAccount:flux-system/kustomize-controller": "critical",
			"ServiceAccount:flux-system/helm-controller":      "critical",
		}, false},
		{"grafana-agent", map[string]string{"ServiceAccount:default/grafana-agent": "critical"}, false},
		{"k3s-io-k3s", map[string]string{
			"ServiceAccount:kube-system/metrics-server": "medium",
			"User:kube-apiserver":                       "info", // expected infrastructure identity
			"User:system:k3s-controller":                "",
		}, false},
		{"kubernetes-autoscaler", map[string]string{
			"ServiceAccount:kube-system/vpa-recommender":          "",
			"ServiceAccount:kube-system/vpa-updater":              "",
			"ServiceAccount:kube-system/vpa-admission-controller": "",
		}, false},
		{"kubernetes-sigs-metrics-server", map[string]string{"ServiceAccount:kube-system/metrics-server": "low"}, false},
		{"newrelic-nri-kubernetes", map[string]string{"ServiceAccount:default/newrelic": "critical"}, false},
		{"open-policy-agent-gatekeeper", map[string]string{"ServiceAccount:gatekeeper-system/gatekeeper-admin": "critical"}, false},
		{"prometheus-operator-kube-prometheus", map[string]string{"ServiceAccount:monitoring/prometheus-k8s": "low"}, false},
		// An unrendered Helm template cannot be checked: an error, never a pass.
		{"prometheus-community-helm-charts", nil, true},
	} {
		t.Run(tc.project, func(t *testing.T) {
			files, err := filepath.Glob(filepath.Join(dir, tc.project+"__*"))
			if err != nil || len(files) == 0 {
				t.Fatalf("no corpus files for %s", tc.project)
			}
			r, err := Scan(t.Context(), Options{Paths: files, Engine: builtinEngine(t)})
			if tc.partial {
				if err == nil && len(r.Errors) == 0 {
					t.Fatal("template scanned without an error")
				}
				return
			}
			if err != nil || len(r.Errors) > 0 {
				t.Fatalf("scan: %v %v", err, r.Errors)
			}
			worst := worstBySubject(r)
			for who, want := range tc.worst {
				if got := worst[who]; got != want {
					t.Errorf("%s: worst severity %q, want %q", who, got, want)
				}
			}
		})
	}
}

// worstBySubject maps each subject (or, for role findings, Kind/name) to the
// worst severity of its open findings.
func worstBySubject(r *finding.Report) map[string]string {
	worst := map[string]finding.Severity{}
	for _, f := range r.Findings {
		who := f.Subject
		if who == "" {
			who = f.Resource.Kind + "/" + f.Resource.Name
		}
		if f.Severity > worst[who] {
			worst[who] = f.Severity
		}
	}
	out := map[string]string{}
	for k, v := range worst {
		out[k] = v.String()
	}
	return out
}

// TestCorpusBootstrapPolicy: the real bootstrap cluster-roles List (rules:
// null on aggregated roles) loads and yields no non-info finding, since every
// role in it is a recognised built-in.
func TestCorpusBootstrapPolicy(t *testing.T) {
	path := filepath.Join(corpusDir(t), "kubernetes-kubernetes__plugin-pkg-auth-authorizer-rbac-bootstrappolicy-testdata-cluster-roles.yaml")
	r := scanPaths(t, path)
	if len(r.Errors) > 0 {
		t.Fatalf("errors: %v", r.Errors)
	}
	for _, f := range r.Findings {
		if f.Severity > finding.SeverityInfo {
			t.Errorf("built-in role reported: %s %s", f.RuleID, f.Message)
		}
	}
}
