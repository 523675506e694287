package engine

import (
	"encoding"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/kubelet-audit/kubelet-audit/scanner/facts"
)

// InputValue converts a facts document to the Rego input value with the
// exact shape encoding/json gives it (json tags, omitempty, embedded
// structs, nil slices as null), but directly: a JSON round trip of a
// 50,000-subject document costs seconds and a gigabyte of garbage.
func InputValue(doc *facts.Document) (ast.Value, error) {
	c := newConverter()
	t, err := c.document(doc)
	if err != nil {
		return nil, fmt.Errorf("convert facts: %w", err)
	}
	return t.Value, nil
}

var (
	jsonMarshaler = reflect.TypeFor[json.Marshaler]()
	textMarshaler = reflect.TypeFor[encoding.TextMarshaler]()
)

// converter builds terms, sharing one term per short string (kinds, scopes,
// namespaces, file names repeat thousands of times), per distinct ref and
// per path. Terms are immutable during evaluation, so sharing is safe.
// Locations are not looked up: nearly every one is distinct (92% of half a
// million at 100,000 roles), and the refs that carry them are shared.
type converter struct {
	strs  map[string]*ast.Term
	long  map[strID]*ast.Term
	lists map[listKey]*ast.Term
	refs  map[refKey]*ast.Term
	// pathPtrs finds paths by address (see path).
	pathPtrs map[*facts.Path]*ast.Term
	// strLists holds the long string lists of facts, possibly shared with
	// other converters.
	strLists *listCache
}

func newConverter() *converter { return newConverterSharing(newListCache()) }

// newConverterSharing returns a converter that shares long string lists
// through lc with other converters (which may run concurrently).
func newConverterSharing(lc *listCache) *converter {
	return &converter{
		strs: map[string]*ast.Term{}, long: map[strID]*ast.Term{}, lists: map[listKey]*ast.Term{},
		refs: map[refKey]*ast.Term{}, pathPtrs: map[*facts.Path]*ast.Term{},
		strLists: lc,
	}
}

// reset forgets the shared terms (keeping the maps' room), so one
// converter per worker serves part after part without holding on to the
// terms of parts already evaluated.
func (c *converter) reset() {
	clear(c.strs)
	clear(c.long)
	clear(c.lists)
	clear(c.refs)
	clear(c.pathPtrs)
}

// listKey identifies a []string by its backing array and length: the
// resolver hands one shared list (e.g. the ServiceAccounts with node
// access a pod creator can run as) to thousands of escalations, and one
// term then serves them all instead of a copy per escalation.
type listKey struct {
	ptr uintptr
	n   int
}

// minShared is the shortest list worth looking up.
const minShared = 4

var stringType = reflect.TypeFor[string]()

// sharedList returns v's key when v is a []string long enough to share.
func sharedList(v reflect.Value) (listKey, bool) {
	if v.Kind() != reflect.Slice || v.Type().Elem() != stringType || v.Len() < minShared {
		return listKey{}, false
	}
	return listKey{ptr: v.Pointer(), n: v.Len()}, true
}

// maxInterned bounds the strings worth sharing; ids and messages are unique.
const maxInterned = 40

func (c *converter) str(s string) *ast.Term {
	if len(s) > maxInterned {
		return c.longStr(s)
	}
	if t, ok := c.strs[s]; ok {
		return t
	}
	t := ast.StringTerm(s)
	c.strs[s] = t
	return t
}

// longStr shares the term of a long string by identity: rule texts, path
// descriptions and file names are copied, not rebuilt, across the grants
// and escalations of one binding, and hashing their contents would cost
// more than it saves.
func (c *converter) longStr(s string) *ast.Term {
	k := idOf(s)
	if t, ok := c.long[k]; ok {
		return t
	}
	t := ast.StringTerm(s)
	c.long[k] = t
	return t
}

// term converts one Go value; types with custom JSON or text encodings go
// through encoding/json so their documented form is kept.
func (c *converter) term(v reflect.Value) (*ast.Term, error) {
	if !v.IsValid() {
		return ast.InternedNullTerm, nil
	}
	if customEncoding(v.Type()) {
		return viaJSON(v)
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return ast.InternedNullTerm, nil
		}
		return c.term(v.Elem())
	case reflect.Struct:
		return c.object(v)
	case reflect.Slice:
		if v.IsNil() {
			return ast.InternedNullTerm, nil
		}
		return c.array(v)
	case reflect.Array:
		return c.array(v)
	case reflect.Map:
		if v.IsNil() {
			return ast.InternedNullTerm, nil
		}
		return c.mapping(v)
	case reflect.String:
		return c.str(v.String()), nil
	case reflect.Bool:
		return ast.InternedTerm(v.Bool()), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return ast.InternedTerm(int(v.Int())), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return ast.NumberTerm(json.Number(strconv.FormatUint(v.Uint(), 10))), nil
	case reflect.Float32, reflect.Float64:
		return ast.NumberTerm(json.Number(strconv.FormatFloat(v.Float(), 'g', -1, 64))), nil
	default:
		return viaJSON(v)
	}
}

var customCache sync.Map // reflect.Type -> bool

// customEncoding reports whether t has its own JSON or text encoding.
func customEncoding(t reflect.Type) bool {
	if c, ok := customCache.Load(t); ok {
		return c.(bool)
	}
	c := t.Implements(jsonMarshaler) || t.Implements(textMarshaler)
	customCache.Store(t, c)
	return c
}

func viaJSON(v reflect.Value) (*ast.Term, error) {
	b, err := json.Marshal(v.Interface())
	if err != nil {
		return nil, err
	}
	val, err := ast.ValueFromReader(strings.NewReader(string(b)))
	if err != nil {
		return nil, err
	}
	return ast.NewTerm(val), nil
}

func (c *converter) array(v reflect.Value) (*ast.Term, error) {
	if v.Len() == 0 {
		return ast.InternedEmptyArray, nil
	}
	key, shared := sharedList(v)
	if t := c.lists[key]; shared && t != nil {
		return t, nil
	}
	terms := make([]*ast.Term, v.Len())
	for i := range terms {
		e, err := c.term(v.Index(i))
		if err != nil {
			return nil, err
		}
		terms[i] = e
	}
	t := ast.ArrayTerm(terms...)
	if shared {
		c.lists[key] = t
	}
	return t, nil
}

func (c *converter) mapping(v reflect.Value) (*ast.Term, error) {
	if v.Type().Key().Kind() != reflect.String {
		return viaJSON(v)
	}
	pairs := make([][2]*ast.Term, 0, v.Len())
	it := v.MapRange()
	for it.Next() {
		e, err := c.term(it.Value())
		if err != nil {
			return nil, err
		}
		pairs = append(pairs, [2]*ast.Term{c.str(it.Key().String()), e})
	}
	return ast.ObjectTerm(pairs...), nil
}

func (c *converter) object(v reflect.Value) (*ast.Term, error) {
	fields := fieldsOf(v.Type())
	pairs := make([][2]*ast.Term, 0, len(fields))
	for _, f := range fields {
		fv, ok := fieldByIndex(v, f.index)
		if !ok || f.omitEmpty && isEmptyValue(fv) {
			continue
		}
		e, err := c.term(fv)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.name, err)
		}
		pairs = append(pairs, [2]*ast.Term{f.key, e})
	}
	return ast.ObjectTerm(pairs...), nil
}

// fieldByIndex follows an embedded-field path; a nil embedded pointer hides
// its fields, as in encoding/json.
func fieldByIndex(v reflect.Value, index []int) (reflect.Value, bool) {
	for i, x := range index {
		if i > 0 && v.Kind() == reflect.Pointer {
			if v.IsNil() {
				return reflect.Value{}, false
			}
			v = v.Elem()
		}
		v = v.Field(x)
	}
	return v, true
}

// isEmptyValue is encoding/json's omitempty test (structs are never empty).
func isEmptyValue(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Slice, reflect.Map, reflect.String, reflect.Array:
		return v.Len() == 0
	case reflect.Bool:
		return !v.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int() == 0
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return v.Uint() == 0
	case reflect.Float32, reflect.Float64:
		return v.Float() == 0
	case reflect.Pointer, reflect.Interface:
		return v.IsNil()
	}
	return false
}

// field is one JSON object member of a struct type.
type field struct {
	name      string
	key       *ast.Term
	index     []int
	omitEmpty bool
}

var fieldCache sync.Map // reflect.Type -> []field

// fieldsOf lists the JSON members of t in encoding/json order: declared
// fields, with an untagged embedded struct's fields promoted in its place
// (an outer field of the same name wins).
func fieldsOf(t reflect.Type) []field {
	if fs, ok := fieldCache.Load(t); ok {
		return fs.([]field)
	}
	fs := collectFields(t, nil)
	seen := map[string]bool{}
	out := fs[:0]
	for _, f := range fs {
		if !seen[f.name] {
			seen[f.name] = true
			out = append(out, f)
		}
	}
	fieldCache.Store(t, out)
	return out
}

// collectFields returns outer fields first so they win over promoted ones,
// keeping declaration order within each depth.
func collectFields(t reflect.Type, prefix []int) []field {
	var direct, promoted []field
	for i := range t.NumField() {
		sf := t.Field(i)
		tag := sf.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		index := append(append([]int(nil), prefix...), i)
		ft := sf.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if sf.Anonymous && name == "" && ft.Kind() == reflect.Struct {
			promoted = append(promoted, collectFields(ft, index)...)
			continue
		}
		if !sf.IsExported() {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		direct = append(direct, field{name: name, key: ast.StringTerm(name), index: index, omitEmpty: strings.Contains(","+opts+",", ",omitempty,")})
	}
	return append(direct, promoted...)
}
