package rbac_test

import (
	"context"
	"reflect"
	"runtime"
	"testing"

	"github.com/kubelet-audit/kubelet-audit/hack/gen-rbac/gen"
	"github.com/kubelet-audit/kubelet-audit/scanner/load"
	"github.com/kubelet-audit/kubelet-audit/scanner/rbac"
)

// TestParallelMatchesSequential resolves a generated corpus with one P
// (everything on one goroutine) and with two (bindings on two goroutines,
// escalations and roles shared by two workers): the results and errors
// must be identical, and stay so when run again on the same inventory.
func TestParallelMatchesSequential(t *testing.T) {
	res, err := load.Load(context.Background(), []string{gen.Corpus(t, "S")}, load.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	seq, seqErrs := rbac.Resolve(res.Inventory, rbac.Options{})
	runtime.GOMAXPROCS(2)
	for range 3 {
		par, parErrs := rbac.Resolve(res.Inventory, rbac.Options{})
		if !reflect.DeepEqual(par, seq) || !reflect.DeepEqual(parErrs, seqErrs) {
			t.Fatal("parallel resolution differs from sequential")
		}
	}
	if len(seq.Subjects) == 0 || len(seq.Bindings) < 400 {
		t.Fatalf("corpus too small: %d subjects, %d bindings", len(seq.Subjects), len(seq.Bindings))
	}
}
