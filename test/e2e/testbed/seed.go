package testbed

import (
	"context"
	_ "embed"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
)

// SeedManifest is the RBAC part of the seeded insecure cluster (seed.yaml).
//
//go:embed seed.yaml
var SeedManifest []byte

// Node names of DefaultKubelets.
const (
	NodeOpen     = "node-open"     // anonymous on + AlwaysAllow: anyone execs
	NodeAnon     = "node-anon"     // anonymous on + Webhook: 403 for anonymous
	NodeLocked   = "node-locked"   // anonymous off + Webhook, CA-signed, debugging handlers off
	NodeAllowAll = "node-allowall" // anonymous off + AlwaysAllow, no client CA: any valid token execs
	NodeReadOnly = "node-readonly" // locked down, but the read-only port is open
	NodeLegacy   = "node-legacy"   // anonymous on + Webhook; RBAC lets system:unauthenticated proxy here
)

// DefaultKubelets is the kubelet fleet of the seeded cluster.
func DefaultKubelets() []KubeletOptions {
	return []KubeletOptions{
		{Name: NodeOpen, Anonymous: true, AlwaysAllow: true, Profiling: true},
		{Name: NodeAnon, Anonymous: true},
		{Name: NodeLocked, CASigned: true, DisableDebuggingHandlers: true},
		{Name: NodeAllowAll, AlwaysAllow: true, NoClientCA: true},
		{Name: NodeReadOnly, ReadOnlyPort: true},
		{Name: NodeLegacy, Anonymous: true},
	}
}

// SeedWorkloads are the workloads of the seeded cluster, one pod each.
func SeedWorkloads() []Workload {
	return []Workload{
		{Kind: "DaemonSet", Namespace: "monitoring", Name: "monitoring-agent", ServiceAccount: "monitoring-agent", Node: NodeOpen},
		{Kind: "DaemonSet", Namespace: "logging", Name: "log-shipper", ServiceAccount: "log-shipper", Node: NodeAnon},
		{Kind: "Deployment", Namespace: "tools", Name: "node-debugger", ServiceAccount: "node-debugger", Node: NodeLocked},
		{Kind: "Deployment", Namespace: "tools", Name: "junior-app", ServiceAccount: "junior", Node: NodeAllowAll},
		{Kind: "Deployment", Namespace: "dashboard", Name: "dashboard", ServiceAccount: "dashboard", Node: NodeReadOnly},
		{Kind: "CronJob", Namespace: "reports", Name: "report-generator", ServiceAccount: "reporter", Node: NodeLegacy},
	}
}

// Seeded ServiceAccounts that have no workload.
var seedServiceAccounts = [][2]string{{ScannerNamespace, LimitedSA}, {"default", "nobody"}}

// DeployManifests are the files of the repository's deploy/ directory that
// the seed applies: the scanner's own least-privilege identity
// (ServiceAccount kubelet-audit/kubelet-audit) exactly as users install it.
var DeployManifests = []string{"cronjob.yaml", "rbac-verify.yaml"}

// Scanner identities of the seeded cluster.
const (
	ScannerNamespace = "kubelet-audit"
	ScannerSA        = "kubelet-audit" // deploy/cronjob.yaml: list everything, + SubjectAccessReview
	LimitedSA        = "limited"       // like ScannerSA but cannot list Roles
)

// SeedInsecureCluster applies the deploy/ manifests found in deployDir, then
// SeedManifest, creates the ServiceAccounts and workloads (with owner
// chains) and tells each kubelet which pods it runs.
func SeedInsecureCluster(ctx context.Context, env *Env, deployDir string) error {
	for _, name := range DeployManifests {
		data, err := os.ReadFile(filepath.Join(deployDir, name))
		if err != nil {
			return fmt.Errorf("seed: %w", err)
		}
		if err := env.Apply(ctx, data); err != nil {
			return fmt.Errorf("seed: deploy/%s: %w", name, err)
		}
	}
	if err := env.Apply(ctx, SeedManifest); err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	for _, sa := range seedServiceAccounts {
		if err := env.CreateServiceAccount(ctx, sa[0], sa[1]); err != nil {
			return fmt.Errorf("seed: %w", err)
		}
	}
	byNode := map[string][]*v1.Pod{}
	for _, w := range SeedWorkloads() {
		pod, err := env.CreateWorkload(ctx, w)
		if err != nil {
			return fmt.Errorf("seed: %w", err)
		}
		byNode[w.Node] = append(byNode[w.Node], pod)
	}
	for _, k := range env.Kubelets {
		k.Host.SetPods(byNode[k.Options.Name])
	}
	return env.WaitAggregated(ctx, "view", "nodes/stats")
}

// WaitAggregated waits until the aggregation controller has copied a rule
// naming resource into ClusterRole role.
func (env *Env) WaitAggregated(ctx context.Context, role, resource string) error {
	err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		cr, err := env.Client.RbacV1().ClusterRoles().Get(ctx, role, metav1.GetOptions{})
		if err != nil {
			return false, nil
		}
		for _, r := range cr.Rules {
			if slices.Contains(r.Resources, resource) {
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		return fmt.Errorf("wait for %s in aggregated ClusterRole %s: %w", resource, role, err)
	}
	return nil
}
