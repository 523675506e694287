package rbac_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/kubelet-audit/kubelet-audit/hack/gen-rbac/gen"
	"github.com/kubelet-audit/kubelet-audit/scanner/load"
	"github.com/kubelet-audit/kubelet-audit/scanner/rbac"
)

// BenchmarkResolveCorpus resolves a generated corpus (hack/gen-rbac, size M
// or $KUBELET_AUDIT_BENCH_SIZE): role index, aggregation, node grants,
// ineffective grants and escalation paths for every subject.
func BenchmarkResolveCorpus(b *testing.B) {
	size, err := gen.BenchSize()
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	a, err := gen.Write(dir, size, gen.DefaultSeed)
	if err != nil {
		b.Fatal(err)
	}
	res, err := load.Load(context.Background(), []string{filepath.Join(dir, gen.ManifestsDir)}, load.Options{})
	if err != nil {
		b.Fatal(err)
	}
	want := a.Counts.ClusterRoleBindings + a.Counts.RoleBindings
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		out, errs := rbac.Resolve(res.Inventory, rbac.Options{})
		if len(out.Bindings) != want || len(errs) != 0 {
			b.Fatalf("%d bindings (want %d), %d errors", len(out.Bindings), want, len(errs))
		}
	}
}
