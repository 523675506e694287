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

// TestReleaseBindings: releasing the bound bindings changes nothing in the
// result and leaves the inventory without bindings.
func TestReleaseBindings(t *testing.T) {
	dir := gen.Corpus(t, "S")
	keep, err := load.Load(context.Background(), []string{dir}, load.Options{})
	if err != nil {
		t.Fatal(err)
	}
	release, err := load.Load(context.Background(), []string{dir}, load.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want, wantErrs := rbac.Resolve(keep.Inventory, rbac.Options{})
	got, gotErrs := rbac.Resolve(release.Inventory, rbac.Options{ReleaseBindings: true})
	if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(gotErrs, wantErrs) {
		t.Error("releasing the bindings changed the result")
	}
	if inv := release.Inventory; inv.ClusterRoleBindings != nil || inv.RoleBindings != nil {
		t.Errorf("bindings kept: %d ClusterRoleBindings, %d RoleBindings", len(inv.ClusterRoleBindings), len(inv.RoleBindings))
	}
	if len(keep.Inventory.RoleBindings) == 0 {
		t.Error("without the option the bindings must stay")
	}
}
