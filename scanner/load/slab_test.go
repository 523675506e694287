package load

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/kubelet-audit/kubelet-audit/hack/gen-rbac/gen"
	"github.com/kubelet-audit/kubelet-audit/scanner/inventory"
)

// TestLoadKeepsNoBatchText: the fast parser's strings share the batch
// buffer, which a worker overwrites with each next batch and file. Loading a
// generated corpus directory (each worker reads many files through one
// buffer) must give exactly what loading every file alone gives; a string
// kept without a copy would have been overwritten by a later file. It also
// checks that the chains merge objects in input order.
func TestLoadKeepsNoBatchText(t *testing.T) {
	manifests := gen.Corpus(t, "S")
	var files []string
	_ = filepath.WalkDir(manifests, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && isManifestName(d.Name()) {
			files = append(files, p)
		}
		return nil
	})
	if len(files) < 10 {
		t.Fatalf("generator wrote %d files, want many", len(files))
	}
	want := &inventory.Inventory{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		res, err := LoadReader(context.Background(), f, strings.NewReader(string(b)), Options{})
		if err != nil || len(res.Errors) > 0 {
			t.Fatalf("%s: %v %v", f, err, errorTexts(res.Errors))
		}
		want.Merge(res.Inventory)
	}
	res, err := Load(context.Background(), []string{manifests}, Options{})
	if err != nil || len(res.Errors) > 0 {
		t.Fatalf("%v %v", err, errorTexts(res.Errors))
	}
	if want.Len() == 0 || !reflect.DeepEqual(res.Inventory, want) {
		t.Errorf("directory load differs from file-by-file load (%d vs %d objects)", res.Inventory.Len(), want.Len())
	}
}

// TestChain: objects pushed across files sharing a worker's spares come out
// in order, popped ones leave no trace, and every slice is clipped.
func TestChain(t *testing.T) {
	var spare []int
	files := [][]int{{1, 2, 3}, nil, make([]int, objectBlock+5), {7}}
	for i := range files[2] {
		files[2][i] = 100 + i
	}
	var chains []*chain[int]
	for _, objs := range files {
		c := new(chain[int])
		c.begin(spare)
		for _, v := range objs {
			*c.push() = v
			*c.push() = -1 // a failed object
			c.pop()
		}
		spare = c.end()
		chains = append(chains, c)
	}
	for i, c := range chains {
		got := make([]int, c.n)
		c.copyTo(got)
		if !slices.Equal(got, files[i]) || c.n != len(files[i]) {
			t.Errorf("file %d: got %v (n=%d), want %v", i, got, c.n, files[i])
		}
		for _, p := range append(c.parts, c.cur) {
			if cap(p) != len(p) {
				t.Errorf("file %d: part not clipped (len %d, cap %d)", i, len(p), cap(p))
			}
		}
	}
	for _, v := range spare {
		if v != 0 {
			t.Fatalf("spare capacity holds %d, want zero", v)
		}
	}
	// Appending to a handed-out part must not write into the next file's objects.
	first := chains[0].cur
	_ = append(first, 99)
	if got := chains[3].cur; !slices.Equal(got, []int{7}) {
		t.Errorf("append to file 0 changed file 3: %v", got)
	}
}

// TestCarver: carved slices are zeroed, clipped, disjoint, non-nil when
// empty, and large requests get their own allocation.
func TestCarver(t *testing.T) {
	var c carver[int]
	for _, tc := range []struct{ n int }{{0}, {1}, {3}, {carveBlock / 4}, {carveBlock/4 + 1}, {carveBlock}, {5}} {
		s := c.take(tc.n)
		if s == nil || len(s) != tc.n || cap(s) != tc.n {
			t.Fatalf("take(%d): len %d cap %d nil %v", tc.n, len(s), cap(s), s == nil)
		}
		for i := range s {
			if s[i] != 0 {
				t.Fatalf("take(%d): not zeroed", tc.n)
			}
			s[i] = tc.n
		}
	}
	a, b := c.take(2), c.take(2)
	a[0], a[1] = 1, 1
	if b[0] != 0 || b[1] != 0 {
		t.Errorf("carved slices overlap: %v %v", a, b)
	}
	if &c.take(carveBlock / 2)[0] == &c.free[:1][0] {
		t.Error("a large request was carved from the block")
	}
}

// TestAppendObjects: objects of many files, copied by several goroutines,
// land after what the inventory held, in file order, kind by kind.
func TestAppendObjects(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	for _, tc := range []struct {
		name  string
		files int
		per   int // objects of each kind per file, varied by file
	}{
		{"one small file", 1, 3},
		{"no objects", 5, 0},
		{"enough for several copiers", 40, 3 * mergeShare / 40},
	} {
		t.Run(tc.name, func(t *testing.T) {
			inv := &inventory.Inventory{Roles: []inventory.Role{{Source: inventory.Source{Line: -1}}}}
			var spare spares
			var all []*objects
			seq := 0
			for f := range tc.files {
				o := new(objects)
				o.begin(&spare)
				for range tc.per * (1 + f%3) {
					seq++
					o.roles.push().Source.Line = seq
					o.roleBindings.push().Source.Line = seq
				}
				o.end(&spare)
				all = append(all, o)
			}
			appendObjects(inv, all)
			if len(inv.Roles) != seq+1 || len(inv.RoleBindings) != seq || inv.ClusterRoles != nil {
				t.Fatalf("%d roles, %d bindings, cluster roles %v; want %d, %d, nil", len(inv.Roles), len(inv.RoleBindings), inv.ClusterRoles, seq+1, seq)
			}
			for i, r := range inv.Roles {
				want := i // role 0 was there before, with line -1
				if i == 0 {
					want = -1
				}
				if r.Source.Line != want {
					t.Fatalf("role %d has line %d, want %d", i, r.Source.Line, want)
				}
			}
			for i, b := range inv.RoleBindings {
				if b.Source.Line != i+1 {
					t.Fatalf("binding %d has line %d, want %d", i, b.Source.Line, i+1)
				}
			}
		})
	}
}
