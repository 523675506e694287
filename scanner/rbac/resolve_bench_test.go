package rbac_test

import (
	"context"
	"testing"

	"github.com/kubelet-audit/kubelet-audit/hack/gen-rbac/gen"
	"github.com/kubelet-audit/kubelet-audit/scanner/load"
	"github.com/kubelet-audit/kubelet-audit/scanner/rbac"
)

// BenchmarkResolveCorpus resolves a generated corpus (hack/gen-rbac, size M
// or $KUBELET_AUDIT_BENCH_SIZE): role index, aggregation, node grants,
// ineffective grants and escalation paths for every subject.
func BenchmarkResolveCorpus(b *testing.B) {
	manifests, a := gen.BenchCorpus(b)
	res, err := load.Load(context.Background(), []string{manifests}, load.Options{})
	if err != nil {
		b.Fatal(err)
	}
	want := a.Counts.ClusterRoleBindings + a.Counts.RoleBindings
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		out, errs := rbac.Resolve(res.Inventory, rbac.Options{})
		if len(out.Bindings) != want || len(errs) != 0 {
			b.Fatalf("%d bindings (want %d), %d errors: %v", len(out.Bindings), want, len(errs), errs)
		}
	}
}
