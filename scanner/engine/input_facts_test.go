package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/kubelet-audit/kubelet-audit/hack/gen-rbac/gen"
	"github.com/kubelet-audit/kubelet-audit/scanner/facts"
	"github.com/kubelet-audit/kubelet-audit/scanner/load"
	"github.com/kubelet-audit/kubelet-audit/scanner/rbac"
)

// filler sets every field of a value by reflection, so a field added to a
// facts type reaches the comparison with encoding/json without anyone
// updating this test.
type filler struct {
	n     int
	empty bool // non-nil empty slices and maps, nil pointers, zero scalars
}

func (f *filler) fill(v reflect.Value) {
	f.n++
	switch v.Kind() {
	case reflect.String:
		if !f.empty {
			s := fmt.Sprintf("v%d", f.n)
			if f.n%3 == 0 { // past maxInterned: the long-string path
				s += strings.Repeat("-long", 10)
			}
			v.SetString(s)
		}
	case reflect.Bool:
		v.SetBool(!f.empty)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if !f.empty {
			v.SetInt(int64(f.n))
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if !f.empty {
			v.SetUint(uint64(f.n))
		}
	case reflect.Pointer:
		if !f.empty {
			p := reflect.New(v.Type().Elem())
			f.fill(p.Elem())
			v.Set(p)
		}
	case reflect.Slice:
		f.fillSlice(v)
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		for i := 0; !f.empty && i < 2; i++ {
			k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
			f.fill(k)
			f.fill(e)
			m.SetMapIndex(k, e)
		}
		v.Set(m)
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				f.fill(v.Field(i))
			}
		}
	}
}

// fillSlice makes string lists long enough to be shared (minShared) and
// other lists two elements long.
func (f *filler) fillSlice(v reflect.Value) {
	n := 2
	if v.Type().Elem().Kind() == reflect.String {
		n = minShared + 1
	}
	if f.empty {
		n = 0
	}
	s := reflect.MakeSlice(v.Type(), n, n)
	for i := range n {
		f.fill(s.Index(i))
	}
	v.Set(s)
}

// filled returns a T with every field set, one with empty lists and maps,
// and the zero T (nil lists).
func filled[T any]() []T {
	var full, empty, zero T
	(&filler{}).fill(reflect.ValueOf(&full).Elem())
	(&filler{empty: true}).fill(reflect.ValueOf(&empty).Elem())
	return []T{full, empty, zero}
}

// edgeDoc holds every hot facts type in full, empty and zero forms, plus
// copies and clones that the caches must share or keep apart.
func edgeDoc() *facts.Document {
	doc := facts.New("manifests")
	doc.Subjects = filled[facts.Subject]()
	doc.Roles = filled[facts.Role]()
	doc.Bindings = filled[facts.Binding]()
	doc.Kubelets = filled[facts.Kubelet]()
	doc.KubeletConfigs = filled[facts.KubeletConfig]()
	doc.Verifications = filled[facts.Verification]()
	for _, p := range filled[facts.Path]() {
		doc.Subjects[1].Grants = append(doc.Subjects[1].Grants, facts.Grant{Path: &p})
	}
	full := doc.Subjects[0]
	// A copy shares every string and list with the original; a clone of a
	// path has equal contents in other memory; annotations differ in place.
	cp := full
	clone := *full.Grants[0].Path
	clone.Text = strings.Clone(clone.Text) + ""
	clone.Role.Annotations = map[string]string{"other": "annotation"}
	cp.Grants = append(slices.Clone(full.Grants), facts.Grant{Path: &clone})
	cp.Escalations = append(slices.Clone(full.Escalations), facts.Escalation{
		Targets: slices.Clone(full.Escalations[0].Targets),
		Names:   full.Escalations[0].Targets[1:],
		Verbs:   full.Escalations[0].Targets[:minShared],
	})
	doc.Subjects = append(doc.Subjects, cp)
	return doc
}

func TestFactsBuildersMatchJSON(t *testing.T) {
	doc := edgeDoc()
	got, err := InputValue(doc)
	if err != nil {
		t.Fatal(err)
	}
	if want := jsonValue(t, doc); got.Compare(want) != 0 {
		t.Fatalf("builders differ from encoding/json:\n got %v\nwant %v", got, want)
	}
	// The full forms must exercise omitempty members and the annotations.
	for _, member := range []string{`"namespace"`, `"annotations"`, `"aggregatedFrom"`, `"ruleKey"`, `"key"`} {
		if !strings.Contains(got.String(), member) {
			t.Errorf("edge document never sets %s", member)
		}
	}
}

func TestInputValueSharesEqualValues(t *testing.T) {
	doc := edgeDoc()
	c := newConverter()
	full, cp := &doc.Subjects[0], &doc.Subjects[len(doc.Subjects)-1]
	plain := *full.Grants[0].Path
	plain.Binding.Annotations, plain.Role.Annotations = nil, nil
	aggregated := *plain.AggregatedFrom
	aggregated.Annotations = nil
	plain.AggregatedFrom = &aggregated
	same, other := plain, plain
	same.AggregatedFrom = &facts.Ref{Kind: aggregated.Kind, Namespace: aggregated.Namespace, Name: aggregated.Name, Location: aggregated.Location}
	other.Text = strings.Clone(plain.Text)
	prefix := plain
	prefix.Text = plain.Text[:len(plain.Text)-1]
	if c.path(&plain) != c.path(&plain) {
		t.Error("one path converted to two terms")
	}
	if got := c.path(&same); got.Value.Compare(c.path(&plain).Value) != 0 {
		t.Errorf("a copied path converted to %v", got)
	}
	for _, p := range []facts.Path{other, prefix} {
		if got := c.path(&p); got == c.path(&plain) || got.Value.Compare(c.buildPath(&p).Value) != 0 {
			t.Errorf("a path with text %q converted to %v", p.Text, got)
		}
	}
	if c.ref(&plain.Role) != c.ref(&same.Role) {
		t.Error("a plain ref converted to two terms")
	}
	last := cp.Escalations[len(cp.Escalations)-1]
	targets := full.Escalations[0].Targets
	if c.strList(last.Targets) != c.strList(targets) {
		t.Error("a cloned list did not share the original's term")
	}
	// A list whose hash collides with another's keeps its own contents.
	collide := []string{"a", "b", "c", "d"}
	decoy := contentList{xs: []string{"w", "x", "y", "z"}, t: c.buildStrList([]string{"w", "x", "y", "z"})}
	c.strLists.byContent[c.strLists.hash(collide)] = []contentList{decoy}
	if got := c.strList(collide); got.Value.Compare(c.buildStrList(collide).Value) != 0 {
		t.Errorf("a colliding list converted to %v", got)
	}
	for _, part := range [][]string{last.Names, last.Verbs} {
		if got, want := c.strList(part), c.buildStrList(part); got == c.strList(targets) || got.Value.Compare(want.Value) != 0 {
			t.Errorf("a view %v of a shared list converted to %v", part, got)
		}
	}
}

// TestListCacheShared: converters sharing a list cache, running at once,
// convert a list once and hand out that one term.
func TestListCacheShared(t *testing.T) {
	lists := make([][]string, 50)
	for i := range lists {
		for j := range 5 + i {
			lists[i] = append(lists[i], fmt.Sprintf("ServiceAccount:ns-%d/sa-%d", i, j))
		}
	}
	lc := newListCache()
	got := make([][]*ast.Term, 4)
	var wg sync.WaitGroup
	for w := range got {
		wg.Go(func() {
			c := newConverterSharing(lc)
			for _, xs := range lists {
				got[w] = append(got[w], c.strList(slices.Clone(xs)))
			}
		})
	}
	wg.Wait()
	for i, xs := range lists {
		want := newConverter().buildStrList(xs)
		for w := range got {
			if got[w][i] != got[0][i] {
				t.Fatalf("list %d: converter %d got a term of its own", i, w)
			}
			if got[w][i].Value.Compare(want.Value) != 0 {
				t.Fatalf("list %d converted to %v", i, got[w][i])
			}
		}
	}
}

// mutateLeaf changes the i-th string, number or bool reached from v
// (through structs and pointers) and reports whether there was one.
func mutateLeaf(v reflect.Value, i *int) bool {
	switch v.Kind() {
	case reflect.Pointer:
		return !v.IsNil() && mutateLeaf(v.Elem(), i)
	case reflect.Struct:
		for f := range v.NumField() {
			if mutateLeaf(v.Field(f), i) {
				return true
			}
		}
		return false
	case reflect.String, reflect.Int, reflect.Bool:
		*i--
		if *i >= 0 {
			return false
		}
		switch v.Kind() {
		case reflect.String:
			v.SetString(v.String() + "'")
		case reflect.Int:
			v.SetInt(v.Int() + 1)
		default:
			v.SetBool(!v.Bool())
		}
		return true
	}
	return false
}

// TestInputValueCacheKeys changes one field of a cached path at a time
// (refs and locations included): each change must reach the result, so no
// field is missing from the cache keys.
func TestInputValueCacheKeys(t *testing.T) {
	var plain facts.Path
	(&filler{}).fill(reflect.ValueOf(&plain).Elem())
	plain.Binding.Annotations, plain.Role.Annotations, plain.AggregatedFrom.Annotations = nil, nil, nil
	c := newConverter()
	c.path(&plain)
	// An empty AggregatedFrom and none at all differ only by presence.
	variants := []facts.Path{plain, plain}
	variants[0].AggregatedFrom, variants[1].AggregatedFrom = &facts.Ref{}, nil
	for i := 0; ; i++ {
		v := plain
		aggregated := *plain.AggregatedFrom
		v.AggregatedFrom = &aggregated
		n := i
		if !mutateLeaf(reflect.ValueOf(&v).Elem(), &n) {
			break
		}
		variants = append(variants, v)
	}
	if len(variants) < 20 {
		t.Fatalf("only %d variants of a path", len(variants))
	}
	for _, v := range variants {
		got := c.path(&v)
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if want := ast.MustInterfaceToValue(jsonAny(t, b)); got.Value.Compare(want) != 0 {
			t.Errorf("path variant converted to the cached %v, want %v", got, want)
		}
	}
}

func jsonAny(t *testing.T, b []byte) any {
	t.Helper()
	var x any
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if err := d.Decode(&x); err != nil {
		t.Fatal(err)
	}
	return x
}

// TestInputValueCorpus compares the direct conversion with the JSON round
// trip on a generated corpus (size S) loaded and resolved as a scan does,
// for the whole document and for the policy view.
func TestInputValueCorpus(t *testing.T) {
	res, err := load.Load(context.Background(), []string{gen.Corpus(t, "S")}, load.Options{})
	if err != nil {
		t.Fatal(err)
	}
	out, _ := rbac.Resolve(res.Inventory, rbac.Options{})
	doc := facts.New("manifests")
	doc.Subjects, doc.Roles, doc.Bindings = out.Subjects, out.Roles, out.Bindings
	var escalations int
	for _, s := range doc.Subjects {
		escalations += len(s.Escalations)
	}
	if len(doc.Subjects) == 0 || len(doc.Roles) == 0 || escalations == 0 {
		t.Fatalf("corpus resolved to %d subjects, %d roles, %d escalations", len(doc.Subjects), len(doc.Roles), escalations)
	}
	for name, d := range map[string]*facts.Document{"document": doc, "policy view": doc.PolicyView()} {
		got, err := InputValue(d)
		if err != nil {
			t.Fatal(err)
		}
		if want := jsonValue(t, d); got.Compare(want) != 0 {
			t.Errorf("%s: direct conversion differs from JSON", name)
		}
	}
}

// TestInputValueNil keeps a nil document as null, as encoding/json does.
func TestInputValueNil(t *testing.T) {
	got, err := InputValue(nil)
	if err != nil {
		t.Fatal(err)
	}
	if got.Compare(ast.Null{}) != 0 {
		t.Errorf("InputValue(nil) = %v, want null", got)
	}
}
