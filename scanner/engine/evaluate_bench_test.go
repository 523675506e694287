package engine_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/kubelet-audit/kubelet-audit/hack/gen-rbac/gen"
	"github.com/kubelet-audit/kubelet-audit/scanner/engine"
	"github.com/kubelet-audit/kubelet-audit/scanner/facts"
	"github.com/kubelet-audit/kubelet-audit/scanner/load"
	"github.com/kubelet-audit/kubelet-audit/scanner/rbac"
)

// corpusDoc loads and resolves a generated corpus (hack/gen-rbac, size M or
// $KUBELET_AUDIT_BENCH_SIZE) into a policy input document.
func corpusDoc(b *testing.B) *facts.Document {
	b.Helper()
	manifests, _ := gen.BenchCorpus(b)
	res, err := load.Load(context.Background(), []string{manifests}, load.Options{})
	if err != nil {
		b.Fatal(err)
	}
	out, _ := rbac.Resolve(res.Inventory, rbac.Options{})
	doc := facts.New("manifests")
	doc.Subjects, doc.Roles, doc.Bindings = out.Subjects, out.Roles, out.Bindings
	return doc
}

// BenchmarkEvaluateCorpus evaluates every built-in policy (prepared once by
// engine.Load) over a generated corpus, input conversion included.
func BenchmarkEvaluateCorpus(b *testing.B) {
	doc := corpusDoc(b)
	e, err := engine.Load(context.Background(), engine.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		fs, err := e.Evaluate(context.Background(), doc)
		if err != nil {
			b.Fatal(err)
		}
		if len(fs) == 0 {
			b.Fatal("no findings on a corpus with node access")
		}
	}
}

// BenchmarkInputValueCorpus converts the policy view of a generated corpus
// (what a scan evaluates) to the Rego input value.
func BenchmarkInputValueCorpus(b *testing.B) {
	view := corpusDoc(b).PolicyView()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := engine.InputValue(view); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEvaluateView evaluates the policy view of a generated corpus
// (what a scan evaluates) with one and with two parts evaluated at a time
// (engine.Options.Parallelism).
func BenchmarkEvaluateView(b *testing.B) {
	view := corpusDoc(b).PolicyView()
	for _, p := range []int{1, 2} {
		b.Run(fmt.Sprintf("parallelism=%d", p), func(b *testing.B) {
			e, err := engine.Load(context.Background(), engine.Options{Parallelism: p})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if _, err := e.Evaluate(context.Background(), view); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
