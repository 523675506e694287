package reports_test

import (
	"context"
	"io"
	"testing"

	"github.com/kubelet-audit/kubelet-audit/hack/gen-rbac/gen"
	"github.com/kubelet-audit/kubelet-audit/reports"
	"github.com/kubelet-audit/kubelet-audit/scanner"
	"github.com/kubelet-audit/kubelet-audit/scanner/engine"
)

// BenchmarkWriteCorpus writes the report of a generated corpus scan
// (hack/gen-rbac, size M or $KUBELET_AUDIT_BENCH_SIZE) in every format.
func BenchmarkWriteCorpus(b *testing.B) {
	manifests, _ := gen.BenchCorpus(b)
	ctx := context.Background()
	e, err := engine.Load(ctx, engine.Options{})
	if err != nil {
		b.Fatal(err)
	}
	r, err := scanner.Scan(ctx, scanner.Options{Paths: []string{manifests}, Engine: e})
	if err != nil {
		b.Fatal(err)
	}
	for _, format := range reports.Formats() {
		b.Run(format, func(b *testing.B) {
			w, err := reports.New(format, reports.Options{})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if err := w.Write(io.Discard, r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
