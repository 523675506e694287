package load_test

import (
	"context"
	"testing"

	"github.com/kubelet-audit/kubelet-audit/hack/gen-rbac/gen"
	"github.com/kubelet-audit/kubelet-audit/scanner/load"
)

// BenchmarkLoadCorpus loads a generated corpus (hack/gen-rbac, size M or
// $KUBELET_AUDIT_BENCH_SIZE) from disk: walking, splitting, YAML and JSON
// decoding into the inventory.
func BenchmarkLoadCorpus(b *testing.B) {
	manifests, a := gen.BenchCorpus(b)
	paths := []string{manifests}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		res, err := load.Load(context.Background(), paths, load.Options{})
		if err != nil {
			b.Fatal(err)
		}
		if res.Objects != a.Counts.Objects {
			b.Fatalf("loaded %d objects, generated %d", res.Objects, a.Counts.Objects)
		}
	}
	b.ReportMetric(float64(a.Counts.Objects*b.N)/b.Elapsed().Seconds(), "objects/s")
}
