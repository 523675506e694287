package engine

import (
	"hash/fnv"
	"hash/maphash"
	"reflect"
	"slices"
	"sync"
	"unsafe"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/kubelet-audit/kubelet-audit/scanner/facts"
)

// The hot facts types (tens of thousands of subjects, grants and escalations
// at cluster scale) are built by hand: reflection and per-field hashing of
// the generic converter cost seconds there. Each builder writes the members
// in json-tag order with the same omitempty and nil-slice rules as
// encoding/json; TestFactsBuildersMatchJSON fills every field by reflection
// and compares with the JSON round trip, so a field added to a facts type
// without a builder change fails the test.

// Member names, built once: object keys are hashed on every object.
var (
	kSchemaVersion  = ast.StringTerm("schemaVersion")
	kMode           = ast.StringTerm("mode")
	kSubjects       = ast.StringTerm("subjects")
	kRoles          = ast.StringTerm("roles")
	kBindings       = ast.StringTerm("bindings")
	kKubelets       = ast.StringTerm("kubelets")
	kKubeletConfigs = ast.StringTerm("kubeletConfigs")
	kVerifications  = ast.StringTerm("verifications")

	kID              = ast.StringTerm("id")
	kKind            = ast.StringTerm("kind")
	kName            = ast.StringTerm("name")
	kNamespace       = ast.StringTerm("namespace")
	kScope           = ast.StringTerm("scope")
	kBroad           = ast.StringTerm("broad")
	kSystem          = ast.StringTerm("system")
	kWorkloads       = ast.StringTerm("workloads")
	kGrants          = ast.StringTerm("grants")
	kIneffective     = ast.StringTerm("ineffective")
	kEscalations     = ast.StringTerm("escalations")
	kEscalationPaths = ast.StringTerm("escalationPaths")

	kFile        = ast.StringTerm("file")
	kLine        = ast.StringTerm("line")
	kColumn      = ast.StringTerm("column")
	kURI         = ast.StringTerm("uri")
	kLocation    = ast.StringTerm("location")
	kAnnotations = ast.StringTerm("annotations")
	kAutomount   = ast.StringTerm("automountToken")

	kSubresource    = ast.StringTerm("subresource")
	kVerbs          = ast.StringTerm("verbs")
	kNodes          = ast.StringTerm("nodes")
	kWildcard       = ast.StringTerm("wildcard")
	kPath           = ast.StringTerm("path")
	kBinding        = ast.StringTerm("binding")
	kRole           = ast.StringTerm("role")
	kRuleIndex      = ast.StringTerm("ruleIndex")
	kRule           = ast.StringTerm("rule")
	kRuleLocation   = ast.StringTerm("ruleLocation")
	kAggregatedFrom = ast.StringTerm("aggregatedFrom")
	kText           = ast.StringTerm("text")
	kRuleKey        = ast.StringTerm("ruleKey")
	kKey            = ast.StringTerm("key")

	kReason    = ast.StringTerm("reason")
	kResource  = ast.StringTerm("resource")
	kDetail    = ast.StringTerm("detail")
	kNames     = ast.StringTerm("names")
	kTargets   = ast.StringTerm("targets")
	kTargText  = ast.StringTerm("targetsText")
	kHolderIn  = ast.StringTerm("holderInTargets") // only when true (omitempty)
	kKinds     = ast.StringTerm("kinds")
	kPerms     = ast.StringTerm("permissions")
	kDetails   = ast.StringTerm("details")
	kDefined   = ast.StringTerm("defined")
	kBuiltin   = ast.StringTerm("builtin")
	kBoundBy   = ast.StringTerm("boundBy")
	kAggr      = ast.StringTerm("aggregated")
	kAggrFrom  = ast.StringTerm("aggregatesFrom")
	kAggrInto  = ast.StringTerm("aggregatesInto")
	kNodeAcc   = ast.StringTerm("nodeAccess")
	kDrift     = ast.StringTerm("aggregationDrift")
	kRoleRef   = ast.StringTerm("roleRef")
	kRoleFound = ast.StringTerm("roleFound")
)

// The caches below key values by the identity of their strings (address
// and length of the bytes) instead of their contents: copies of one Path
// share their strings, and hashing pointers avoids reading scattered string
// data. Equal keys imply equal values because strings are immutable and the
// document keeps them alive during the conversion; equal values with
// distinct strings merely miss the cache.

// strID is the identity of a string's bytes.
type strID struct {
	ptr uintptr
	n   int
}

func idOf(s string) strID {
	if s == "" {
		return strID{}
	}
	return strID{ptr: uintptr(unsafe.Pointer(unsafe.StringData(s))), n: len(s)}
}

// locKey identifies a Location.
type locKey struct {
	file, uri    strID
	line, column int
}

func locKeyOf(l *facts.Location) locKey {
	return locKey{file: idOf(l.File), uri: idOf(l.URI), line: l.Line, column: l.Column}
}

// refKey identifies a Ref without annotations; equal refs (the same role
// behind thousands of grants) share one term.
type refKey struct {
	kind, namespace, name strID
	loc                   locKey
}

func refKeyOf(r *facts.Ref) refKey {
	return refKey{kind: idOf(r.Kind), namespace: idOf(r.Namespace), name: idOf(r.Name), loc: locKeyOf(&r.Location)}
}

// obj builds an object from pairs; NewObject copies them, so callers may
// pass a stack buffer.
func obj(pairs [][2]*ast.Term) *ast.Term {
	return ast.ObjectTerm(pairs...)
}

func boolTerm(b bool) *ast.Term { return ast.InternedTerm(b) }

func intTerm(n int) *ast.Term { return ast.InternedTerm(n) }

// document converts the whole facts document.
func (c *converter) document(d *facts.Document) (*ast.Term, error) {
	if d == nil {
		return ast.InternedNullTerm, nil
	}
	m, err := c.members(d)
	if err != nil {
		return nil, err
	}
	return m.withRBAC(c, d).with(list(d.Subjects, c.subject)), nil
}

// docMembers are a document's converted members, subjects left out.
type docMembers [][2]*ast.Term

// The indices of the subjects, roles and bindings members in docMembers.
const (
	subjectsAt = 2
	rolesAt    = 3
	bindingsAt = 4
)

// members converts every member of d but its subjects, roles and bindings
// (empty until withRBAC).
func (c *converter) members(d *facts.Document) (docMembers, error) {
	rest := make([]*ast.Term, 3)
	for i, v := range []any{d.Kubelets, d.KubeletConfigs, d.Verifications} {
		t, err := c.term(reflect.ValueOf(v))
		if err != nil {
			return nil, err
		}
		rest[i] = t
	}
	return docMembers{
		{kSchemaVersion, c.str(d.SchemaVersion)},
		{kMode, c.str(d.Mode)},
		{kSubjects, nil},
		{kRoles, ast.InternedEmptyArray},
		{kBindings, ast.InternedEmptyArray},
		{kKubelets, rest[0]},
		{kKubeletConfigs, rest[1]},
		{kVerifications, rest[2]},
	}, nil
}

// withRBAC returns m with d's roles and bindings converted by c.
func (m docMembers) withRBAC(c *converter, d *facts.Document) docMembers {
	out := slices.Clone(m)
	out[rolesAt][1] = list(d.Roles, c.role)
	out[bindingsAt][1] = list(d.Bindings, c.binding)
	return out
}

// with returns the document object with the given subjects member; the
// other members' terms are shared. Safe for concurrent use.
func (m docMembers) with(subjects *ast.Term) *ast.Term {
	pairs := slices.Clone(m)
	pairs[subjectsAt][1] = subjects
	return obj(pairs)
}

// convertSubjects converts the subjects at the given indices with c, which
// only the caller uses (converters are not safe for concurrent use).
func (c *converter) convertSubjects(subjects []facts.Subject, idx []int) *ast.Term {
	ts := make([]*ast.Term, len(idx))
	for i, j := range idx {
		ts[i] = c.subject(&subjects[j])
	}
	return ast.ArrayTerm(ts...)
}

// subjectsByPart assigns subjects to n parts and returns each part's
// subject indices in order. The subjects of one binding share its path
// terms, which a part's converter builds once, so subjects are grouped by
// their first path's binding (a hash of its namespace and name) and the
// groups dealt to parts in order of size, largest first, to the part with
// the fewest subjects; subjects without paths fill up the smallest parts.
func subjectsByPart(subjects []facts.Subject, n int) [][]int {
	groups := map[uint64][]int{}
	var loose []int
	for j := range subjects {
		if b := firstBinding(&subjects[j]); b != nil {
			h := bindingHash(b)
			groups[h] = append(groups[h], j)
		} else {
			loose = append(loose, j)
		}
	}
	ordered := make([][]int, 0, len(groups))
	for _, g := range groups {
		ordered = append(ordered, g)
	}
	// Largest first; equal sizes by first index, for a deterministic split.
	slices.SortFunc(ordered, func(a, b []int) int {
		if len(a) != len(b) {
			return len(b) - len(a)
		}
		return a[0] - b[0]
	})
	parts := make([][]int, n)
	smallest := func() int {
		m := 0
		for p := range parts {
			if len(parts[p]) < len(parts[m]) {
				m = p
			}
		}
		return m
	}
	for _, g := range ordered {
		p := smallest()
		parts[p] = append(parts[p], g...)
	}
	for _, j := range loose {
		p := smallest()
		parts[p] = append(parts[p], j)
	}
	for _, p := range parts {
		slices.Sort(p)
	}
	return parts
}

func firstBinding(s *facts.Subject) *facts.Ref {
	switch {
	case len(s.Escalations) > 0:
		return &s.Escalations[0].Path.Binding
	case len(s.Grants) > 0:
		return &s.Grants[0].Path.Binding
	case len(s.Ineffective) > 0:
		return &s.Ineffective[0].Path.Binding
	}
	return nil
}

// bindingHash is FNV-1a over a binding's namespace and name, each followed
// by a zero byte: the same binding lands in the same part in every run.
func bindingHash(b *facts.Ref) uint64 {
	h := fnv.New64a()
	for _, s := range []string{b.Namespace, b.Name} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return h.Sum64()
}

// list converts a slice element by element (nil is null, as in JSON).
func list[T any](xs []T, conv func(*T) *ast.Term) *ast.Term {
	if xs == nil {
		return ast.InternedNullTerm
	}
	if len(xs) == 0 {
		return ast.InternedEmptyArray
	}
	terms := make([]*ast.Term, len(xs))
	for i := range xs {
		terms[i] = conv(&xs[i])
	}
	return ast.ArrayTerm(terms...)
}

// strList converts a []string; long lists are shared (see listCache).
func (c *converter) strList(xs []string) *ast.Term {
	if xs == nil {
		return ast.InternedNullTerm
	}
	if len(xs) == 0 {
		return ast.InternedEmptyArray
	}
	if len(xs) < minShared {
		// Short lists (verbs, kinds) are shared by backing array too: the
		// resolver hands one rule's verbs to all its grants and escalations.
		key := listKey{ptr: uintptr(unsafe.Pointer(unsafe.SliceData(xs))), n: len(xs)}
		if t := c.lists[key]; t != nil {
			return t
		}
		t := c.buildStrList(xs)
		c.lists[key] = t
		return t
	}
	return c.strLists.get(xs, c.buildStrList)
}

// listCache shares converted string lists. Escalation targets run to
// thousands of IDs, and the resolver hands one list to many escalations:
// lists are found by backing array first, then by contents, through a
// hash of the elements' string identities (a clone of a list keeps its
// elements' bytes), confirmed by comparing the elements. Safe for
// concurrent use: the converters of one split evaluation share one, so a
// list is converted once, not once per part.
type listCache struct {
	mu        sync.Mutex
	byPtr     map[listKey]*ast.Term
	byContent map[uint64][]contentList
	seed      maphash.Seed
}

func newListCache() *listCache {
	return &listCache{byPtr: map[listKey]*ast.Term{}, byContent: map[uint64][]contentList{}, seed: maphash.MakeSeed()}
}

// get returns the term of xs, built by build (outside the lock) on a miss.
func (lc *listCache) get(xs []string, build func([]string) *ast.Term) *ast.Term {
	key := listKey{ptr: uintptr(unsafe.Pointer(unsafe.SliceData(xs))), n: len(xs)}
	// Most lookups find a list by its backing array: hash (thousands of
	// elements) only on a miss.
	lc.mu.Lock()
	t := lc.byPtr[key]
	lc.mu.Unlock()
	if t != nil {
		return t
	}
	h := lc.hash(xs)
	lc.mu.Lock()
	t = lc.lookup(key, h, xs)
	lc.mu.Unlock()
	if t != nil {
		return t
	}
	built := build(xs)
	lc.mu.Lock()
	defer lc.mu.Unlock()
	if t := lc.lookup(key, h, xs); t != nil {
		return t // built meanwhile by another converter: keep one
	}
	lc.byPtr[key] = built
	lc.byContent[h] = append(lc.byContent[h], contentList{xs: xs, t: built})
	return built
}

// hash hashes the string headers of xs (addresses and lengths).
func (lc *listCache) hash(xs []string) uint64 {
	return maphash.Bytes(lc.seed, unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(xs))), len(xs)*int(unsafe.Sizeof(""))))
}

// lookup finds a list by backing array, then by contents; lc.mu is held.
func (lc *listCache) lookup(key listKey, h uint64, xs []string) *ast.Term {
	if t := lc.byPtr[key]; t != nil {
		return t
	}
	for _, e := range lc.byContent[h] {
		if slices.Equal(e.xs, xs) {
			lc.byPtr[key] = e.t
			return e.t
		}
	}
	return nil
}

// contentList is a converted list kept for sharing by contents.
type contentList struct {
	xs []string
	t  *ast.Term
}

func (c *converter) buildStrList(xs []string) *ast.Term {
	terms := make([]*ast.Term, len(xs))
	for i, s := range xs {
		terms[i] = c.str(s)
	}
	return ast.ArrayTerm(terms...)
}

func (c *converter) subject(s *facts.Subject) *ast.Term {
	var buf [12][2]*ast.Term
	p := append(buf[:0],
		[2]*ast.Term{kID, c.str(s.ID)},
		[2]*ast.Term{kKind, c.str(s.Kind)},
		[2]*ast.Term{kName, c.str(s.Name)})
	if s.Namespace != "" {
		p = append(p, [2]*ast.Term{kNamespace, c.str(s.Namespace)})
	}
	p = append(p,
		[2]*ast.Term{kScope, c.str(s.Scope)},
		[2]*ast.Term{kBroad, boolTerm(s.Broad)},
		[2]*ast.Term{kSystem, boolTerm(s.System)},
		[2]*ast.Term{kWorkloads, list(s.Workloads, c.workload)},
		[2]*ast.Term{kGrants, list(s.Grants, c.grant)},
		[2]*ast.Term{kIneffective, list(s.Ineffective, c.ineffective)},
		[2]*ast.Term{kEscalations, list(s.Escalations, c.escalation)},
		[2]*ast.Term{kEscalationPaths, list(s.EscalationPaths, c.escalationPath)})
	return obj(p)
}

func (c *converter) workload(w *facts.Workload) *ast.Term {
	return obj([][2]*ast.Term{
		{kKind, c.str(w.Kind)},
		{kNamespace, c.str(w.Namespace)},
		{kName, c.str(w.Name)},
		{kLocation, c.location(w.Location)},
		{kAutomount, boolTerm(w.AutomountToken)},
	})
}

// location converts a Location.
func (c *converter) location(l facts.Location) *ast.Term {
	var buf [4][2]*ast.Term
	p := buf[:0]
	if l.File != "" {
		p = append(p, [2]*ast.Term{kFile, c.str(l.File)})
	}
	if l.Line != 0 {
		p = append(p, [2]*ast.Term{kLine, intTerm(l.Line)})
	}
	if l.Column != 0 {
		p = append(p, [2]*ast.Term{kColumn, intTerm(l.Column)})
	}
	if l.URI != "" {
		p = append(p, [2]*ast.Term{kURI, c.str(l.URI)})
	}
	return obj(p)
}

// ref converts a Ref; refs without annotations are shared by value.
func (c *converter) ref(r *facts.Ref) *ast.Term {
	if len(r.Annotations) > 0 {
		var buf [5][2]*ast.Term
		return obj(c.refPairs(buf[:0], r))
	}
	k := refKeyOf(r)
	if t, ok := c.refs[k]; ok {
		return t
	}
	var buf [5][2]*ast.Term
	t := obj(c.refPairs(buf[:0], r))
	c.refs[k] = t
	return t
}

// refPairs appends a Ref's members (also the promoted members of Role and
// Binding, which embed it).
func (c *converter) refPairs(p [][2]*ast.Term, r *facts.Ref) [][2]*ast.Term {
	p = append(p, [2]*ast.Term{kKind, c.str(r.Kind)})
	if r.Namespace != "" {
		p = append(p, [2]*ast.Term{kNamespace, c.str(r.Namespace)})
	}
	p = append(p,
		[2]*ast.Term{kName, c.str(r.Name)},
		[2]*ast.Term{kLocation, c.location(r.Location)})
	if len(r.Annotations) > 0 {
		p = append(p, [2]*ast.Term{kAnnotations, c.stringMap(r.Annotations)})
	}
	return p
}

func (c *converter) stringMap(m map[string]string) *ast.Term {
	p := make([][2]*ast.Term, 0, len(m))
	for k, v := range m {
		p = append(p, [2]*ast.Term{c.str(k), c.str(v)})
	}
	return obj(p)
}

// path converts a Path (nil is null). The resolver shares one Path
// between the grants, escalations and ineffective grants of a binding's
// rule and between its subjects, so paths are found by address. (Equal
// paths at different addresses are too rare to look up by value: 497 of
// 173,015 at 100,000 roles.)
func (c *converter) path(p *facts.Path) *ast.Term {
	if p == nil {
		return ast.InternedNullTerm
	}
	if t, ok := c.pathPtrs[p]; ok {
		return t
	}
	t := c.buildPath(p)
	c.pathPtrs[p] = t
	return t
}

func (c *converter) buildPath(p *facts.Path) *ast.Term {
	var buf [9][2]*ast.Term
	pairs := append(buf[:0],
		[2]*ast.Term{kBinding, c.ref(&p.Binding)},
		[2]*ast.Term{kRole, c.ref(&p.Role)},
		[2]*ast.Term{kRuleIndex, intTerm(p.RuleIndex)},
		[2]*ast.Term{kRule, c.str(p.Rule)},
		[2]*ast.Term{kRuleLocation, c.location(p.RuleLocation)})
	if p.AggregatedFrom != nil {
		pairs = append(pairs, [2]*ast.Term{kAggregatedFrom, c.ref(p.AggregatedFrom)})
	}
	pairs = append(pairs, [2]*ast.Term{kText, c.str(p.Text)})
	if p.RuleKey != "" {
		pairs = append(pairs, [2]*ast.Term{kRuleKey, c.str(p.RuleKey)})
	}
	if p.Key != "" {
		pairs = append(pairs, [2]*ast.Term{kKey, c.str(p.Key)})
	}
	return obj(pairs)
}

func (c *converter) grant(g *facts.Grant) *ast.Term {
	return obj([][2]*ast.Term{
		{kSubresource, c.str(g.Subresource)},
		{kVerbs, c.strList(g.Verbs)},
		{kNodes, c.strList(g.Nodes)},
		{kWildcard, boolTerm(g.Wildcard)},
		{kPath, c.path(g.Path)},
	})
}

func (c *converter) ineffective(i *facts.Ineffective) *ast.Term {
	return obj([][2]*ast.Term{
		{kReason, c.str(i.Reason)},
		{kResource, c.str(i.Resource)},
		{kVerbs, c.strList(i.Verbs)},
		{kDetail, c.str(i.Detail)},
		{kPath, c.path(i.Path)},
	})
}

func (c *converter) escalation(e *facts.Escalation) *ast.Term {
	var buf [9][2]*ast.Term
	p := append(buf[:0],
		[2]*ast.Term{kKind, c.str(e.Kind)},
		[2]*ast.Term{kVerbs, c.strList(e.Verbs)},
		[2]*ast.Term{kResource, c.str(e.Resource)},
		[2]*ast.Term{kNames, c.strList(e.Names)})
	if e.Namespace != "" {
		p = append(p, [2]*ast.Term{kNamespace, c.str(e.Namespace)})
	}
	p = append(p, [2]*ast.Term{kTargets, c.strList(e.Targets)})
	if e.HolderInTargets {
		p = append(p, [2]*ast.Term{kHolderIn, boolTerm(true)})
	}
	p = append(p,
		[2]*ast.Term{kDetail, c.str(e.Detail)},
		[2]*ast.Term{kPath, c.path(e.Path)})
	return obj(p)
}

func (c *converter) escalationPath(e *facts.EscalationPath) *ast.Term {
	var buf [7][2]*ast.Term
	p := append(buf[:0],
		[2]*ast.Term{kPath, c.path(e.Path)},
		[2]*ast.Term{kKinds, c.strList(e.Kinds)},
		[2]*ast.Term{kPerms, c.strList(e.Permissions)},
		[2]*ast.Term{kDetails, c.strList(e.Details)},
		[2]*ast.Term{kTargets, c.strList(e.Targets)})
	if e.HolderInTargets {
		p = append(p, [2]*ast.Term{kHolderIn, boolTerm(true)})
	}
	p = append(p, [2]*ast.Term{kTargText, c.str(e.TargetsText)})
	return obj(p)
}

func (c *converter) role(r *facts.Role) *ast.Term {
	var buf [14][2]*ast.Term
	p := append(c.refPairs(buf[:0], &r.Ref),
		[2]*ast.Term{kDefined, boolTerm(r.Defined)},
		[2]*ast.Term{kBuiltin, boolTerm(r.Builtin)},
		[2]*ast.Term{kBoundBy, list(r.BoundBy, c.ref)},
		[2]*ast.Term{kAggr, boolTerm(r.Aggregated)},
		[2]*ast.Term{kAggrFrom, c.strList(r.AggregatesFrom)},
		[2]*ast.Term{kAggrInto, c.strList(r.AggregatesInto)},
		[2]*ast.Term{kNodeAcc, list(r.NodeAccess, c.roleGrant)},
		[2]*ast.Term{kIneffective, list(r.Ineffective, c.ineffective)},
		[2]*ast.Term{kDrift, c.strList(r.AggregationDrift)})
	return obj(p)
}

func (c *converter) roleGrant(g *facts.RoleGrant) *ast.Term {
	var buf [8][2]*ast.Term
	p := append(buf[:0],
		[2]*ast.Term{kSubresource, c.str(g.Subresource)},
		[2]*ast.Term{kVerbs, c.strList(g.Verbs)},
		[2]*ast.Term{kNodes, c.strList(g.Nodes)},
		[2]*ast.Term{kWildcard, boolTerm(g.Wildcard)},
		[2]*ast.Term{kRuleIndex, intTerm(g.RuleIndex)},
		[2]*ast.Term{kRule, c.str(g.Rule)},
		[2]*ast.Term{kRuleLocation, c.location(g.RuleLocation)})
	if g.AggregatedFrom != "" {
		p = append(p, [2]*ast.Term{kAggregatedFrom, c.str(g.AggregatedFrom)})
	}
	return obj(p)
}

func (c *converter) binding(b *facts.Binding) *ast.Term {
	var buf [10][2]*ast.Term
	p := append(c.refPairs(buf[:0], &b.Ref),
		[2]*ast.Term{kRoleRef, c.ref(&b.RoleRef)},
		[2]*ast.Term{kRoleFound, boolTerm(b.RoleFound)},
		[2]*ast.Term{kBuiltin, boolTerm(b.Builtin)},
		[2]*ast.Term{kSubjects, c.strList(b.Subjects)},
		[2]*ast.Term{kIneffective, list(b.Ineffective, c.ineffective)})
	return obj(p)
}
