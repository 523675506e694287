package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"

	"github.com/kubelet-audit/kubelet-audit/scanner/facts"
	"github.com/kubelet-audit/kubelet-audit/scanner/finding"
)

// Result is one finding of one rule with the rule's raw fingerprint key.
type Result struct {
	// Finding has the rule metadata filled (RuleID, Severity, Title,
	// Remediation, References), Status "open" and Fingerprint computed with
	// finding.Fingerprint(RuleID, Resource, Subject, Key).
	Finding finding.Finding
	// Key is the rule's optional "key" field: a discriminator that keeps two
	// findings of one rule about the same object and subject apart in the
	// fingerprint (e.g. the role rule behind a grant). Empty when not given.
	Key string
}

// Evaluate evaluates every enabled rule over doc and returns the findings
// with rule metadata, Status "open" and a stable Fingerprint (which includes
// the rule's "key"). Findings come grouped by rule id and, within a rule, in
// a deterministic order: Rego's set order, or for a document evaluated in
// parts (see EvaluateResults) each part's set order, part after part.
func (e *Engine) Evaluate(ctx context.Context, doc *facts.Document) ([]finding.Finding, error) {
	perRule, err := e.evaluate(ctx, doc, false)
	return collect(perRule, err, findingOf)
}

// EvaluateReleasing is Evaluate that clears doc.Subjects' entries as soon
// as they are converted to Rego values, and doc.Roles and doc.Bindings
// once converted, so their facts (on a large cluster most of the heap) can
// be collected during the evaluation. doc must not be used afterwards.
func (e *Engine) EvaluateReleasing(ctx context.Context, doc *facts.Document) ([]finding.Finding, error) {
	perRule, err := e.evaluate(ctx, doc, true)
	return collect(perRule, err, findingOf)
}

// EvaluateResults is Evaluate that also returns each finding's raw key.
// A document with many subjects is evaluated in parts (see partSubjects
// and Options.Parallelism); the findings are the same as from one
// evaluation, equal ones kept once.
func (e *Engine) EvaluateResults(ctx context.Context, doc *facts.Document) ([]Result, error) {
	perRule, err := e.evaluate(ctx, doc, false)
	return collect(perRule, err, func(r *Result) Result { return *r })
}

func findingOf(r *Result) finding.Finding { return r.Finding }

// collect copies each rule's results, in rule order, into one slice.
func collect[T any](perRule [][]*Result, err error, conv func(*Result) T) ([]T, error) {
	if err != nil {
		return nil, err
	}
	n := 0
	for _, rs := range perRule {
		n += len(rs)
	}
	out := make([]T, 0, n)
	for _, rs := range perRule {
		for _, r := range rs {
			out = append(out, conv(r))
		}
	}
	return out, nil
}

// evaluate returns each enabled rule's results; release clears
// doc.Subjects' entries once converted (EvaluateReleasing).
func (e *Engine) evaluate(ctx context.Context, doc *facts.Document, release bool) ([][]*Result, error) {
	if doc == nil {
		return nil, fmt.Errorf("evaluate policies: nil facts document")
	}
	var perRule [][]*Result
	var err error
	if n := e.parts(len(doc.Subjects)); n > 1 {
		perRule, err = e.evaluateSplit(ctx, doc, n, release)
	} else {
		perRule, err = e.evaluateWhole(ctx, doc)
	}
	if err != nil {
		return nil, fmt.Errorf("evaluate policies: %w", err)
	}
	return perRule, nil
}

// partSubjects is the most subjects one part holds. Parts bound the memory
// of an evaluation (only the parts being evaluated are converted to Rego
// values at a time) and spread it over the CPUs. Smaller parts convert
// shared paths more often; larger ones hold more memory and made each
// collection longer: 125 evaluated 100,000 roles about 3% faster than 250
// with 30 MB less peak RSS (docs/benchmarks.md).
var partSubjects = 125

// parts is how many parts n subjects are evaluated in.
func (e *Engine) parts(n int) int {
	if e.split == nil {
		return 1
	}
	return (n + partSubjects - 1) / partSubjects
}

// ruleResults are one rule's findings and the hashes of their terms (to
// find equal findings of different parts without keeping the terms).
type ruleResults struct {
	hashes  []int
	results []Result
}

// evaluateWhole runs every rule in one query over the whole document.
func (e *Engine) evaluateWhole(ctx context.Context, doc *facts.Document) ([][]*Result, error) {
	input, err := InputValue(doc)
	if err != nil {
		return nil, err
	}
	rs, err := e.run(ctx, e.query, input, e.rules)
	if err != nil {
		return nil, err
	}
	out := make([][]*Result, len(rs))
	for i := range rs {
		out[i] = rs[i].pointers()
	}
	return out, nil
}

// pointers lists the addresses of r's results.
func (r *ruleResults) pointers() []*Result {
	out := make([]*Result, len(r.results))
	for i := range r.results {
		out[i] = &r.results[i]
	}
	return out
}

// evaluateSplit runs the per-subject rules on n parts of the subjects, at
// most Parallelism at a time, each part converted just before its
// evaluation and dropped after it, and the other rules once on the whole
// input, concurrently; each per-subject rule's parts are then merged. The
// first error (in part order) stops the parts not yet started.
func (e *Engine) evaluateSplit(ctx context.Context, doc *facts.Document, n int, release bool) ([][]*Result, error) {
	sq := e.split
	lists := newListCache()
	base, err := newConverterSharing(lists).members(doc)
	if err != nil {
		return nil, err
	}
	// The roles and bindings (100,000s of objects on a large cluster) are
	// converted before the parts only when they read them; otherwise the
	// whole query converts them while the first parts run.
	members := base
	if sq.perReadsRBAC {
		members = base.withRBAC(newConverterSharing(lists), doc)
	}
	releaseRBAC := func() {
		if release {
			doc.Roles, doc.Bindings = nil, nil
		}
	}
	byPart := subjectsByPart(doc.Subjects, n)
	partOut := make([][]ruleResults, n)
	errs := make([]error, n+1)
	jobs := make(chan int)
	var failed atomic.Bool
	var wg sync.WaitGroup
	for range min(e.parallelism, n) {
		wg.Go(func() {
			c := newConverterSharing(lists)
			for p := range jobs {
				if failed.Load() {
					continue
				}
				c.reset()
				input := members.with(c.convertSubjects(doc.Subjects, byPart[p])).Value
				if release {
					for _, j := range byPart[p] {
						doc.Subjects[j] = facts.Subject{}
					}
				}
				if partOut[p], errs[p] = e.run(ctx, sq.perSubjectQuery, input, sq.perRules); errs[p] != nil {
					failed.Store(true)
				}
			}
		})
	}
	var wholeOut []ruleResults
	if len(sq.whole) > 0 {
		subjects := ast.InternedEmptyArray
		if sq.wholeReadsSubjects {
			// Before any part starts (and releases its subjects).
			all := make([]int, len(doc.Subjects))
			for i := range all {
				all[i] = i
			}
			subjects = newConverterSharing(lists).convertSubjects(doc.Subjects, all)
		}
		wg.Go(func() {
			whole := members
			if !sq.perReadsRBAC {
				whole = base.withRBAC(newConverterSharing(lists), doc)
			}
			releaseRBAC() // every query reads them as converted
			wholeOut, errs[n] = e.run(ctx, sq.wholeQuery, whole.with(subjects).Value, sq.wholeRules)
		})
	} else {
		releaseRBAC()
	}
	for p := range n {
		jobs <- p
	}
	close(jobs)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	out := make([][]*Result, len(e.rules))
	for j, i := range sq.perSubject {
		parts := make([]*ruleResults, n)
		for p := range n {
			parts[p] = &partOut[p][j]
		}
		out[i] = mergeResults(parts)
	}
	for j, i := range sq.whole {
		out[i] = wholeOut[j].pointers()
	}
	return out, nil
}

// run evaluates a prepared query over input and converts the findings of
// its rules (in query order).
func (e *Engine) run(ctx context.Context, q rego.PreparedEvalQuery, input ast.Value, rules []ruleModule) ([]ruleResults, error) {
	// The result stays an AST value: findings are read from it directly
	// instead of through maps of interfaces (tens of thousands at scale).
	rs, err := q.Eval(ctx, rego.EvalParsedInput(input), rego.EvalGenerateJSON(keepTerm))
	if err != nil {
		return nil, err
	}
	if len(rs) != 1 {
		return nil, fmt.Errorf("query returned %d results, want 1 (a rule's `findings` is undefined)", len(rs))
	}
	t, _ := rs[0].Bindings[resultVar].(*ast.Term)
	if t == nil {
		return nil, fmt.Errorf("unexpected result shape %T", rs[0].Bindings[resultVar])
	}
	perRule, ok := t.Value.(*ast.Array)
	if !ok || perRule.Len() != len(rules) {
		return nil, fmt.Errorf("unexpected result shape %T", goValue(t.Value))
	}
	out := make([]ruleResults, len(rules))
	for i := range rules {
		if out[i], err = convertRule(rules[i].rule, perRule.Elem(i).Value); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// mergeResults joins one rule's findings from all parts, in part order,
// keeping one of equal findings: a finding that does not depend on the
// subjects (e.g. about a role) comes from every part. The order differs
// from one evaluation's set order only among findings that finding.Sort
// does not tell apart, and is as deterministic: parts do not depend on the
// number of CPUs. The results stay where the parts hold them.
func mergeResults(parts []*ruleResults) []*Result {
	n := 0
	for _, p := range parts {
		n += len(p.results)
	}
	out := make([]*Result, 0, n)
	seen := make(map[int][]*Result, n) // term hash -> kept results
	for _, p := range parts {
		for i, h := range p.hashes {
			r := &p.results[i]
			if slices.ContainsFunc(seen[h], func(o *Result) bool { return sameResult(o, r) }) {
				continue
			}
			seen[h] = append(seen[h], r)
			out = append(out, r)
		}
	}
	return out
}

// sameResult compares what a finding term converts to (the rule's metadata
// is the same for both).
func sameResult(a, b *Result) bool {
	x, y := &a.Finding, &b.Finding
	return a.Key == b.Key && x.Message == y.Message && x.Subject == y.Subject && x.Path == y.Path &&
		x.Resource == y.Resource && x.Location == y.Location && maps.Equal(x.Evidence, y.Evidence)
}

// keepTerm hands query results back as terms (rego.EvalGenerateJSON).
func keepTerm(t *ast.Term, _ *rego.EvalContext) (any, error) { return t, nil }

// goValue is v as encoding/json would decode it; error messages name its
// Go type, as they did when results were converted that way.
func goValue(v ast.Value) any {
	x, err := ast.JSON(v)
	if err != nil {
		return v
	}
	return x
}

// elems lists an array's or a set's elements in the order ast.JSON gives.
func elems(v ast.Value) ([]*ast.Term, bool) {
	switch v := v.(type) {
	case *ast.Array:
		out := make([]*ast.Term, v.Len())
		for i := range out {
			out[i] = v.Elem(i)
		}
		return out, true
	case ast.Set:
		out := make([]*ast.Term, 0, v.Len())
		_ = v.Iter(func(t *ast.Term) error {
			out = append(out, t)
			return nil
		})
		return out, true
	}
	return nil, false
}

// convertRule turns one rule's `findings` set into results.
func convertRule(r finding.Rule, raw ast.Value) (ruleResults, error) {
	items, ok := elems(raw)
	if !ok {
		return ruleResults{}, fmt.Errorf("rule %s: findings is %T, want a set", r.ID, goValue(raw))
	}
	out := ruleResults{hashes: make([]int, len(items)), results: make([]Result, len(items))}
	ev := evidenceCache{}
	for i, it := range items {
		res, err := convertFinding(r, it.Value, ev)
		if err != nil {
			return ruleResults{}, fmt.Errorf("rule %s: %w", r.ID, err)
		}
		out.hashes[i], out.results[i] = it.Hash(), res
	}
	return out, nil
}

// Member names of a finding object.
var (
	fMsg, fResource, fLocation = ast.StringTerm("msg"), ast.StringTerm("resource"), ast.StringTerm("location")
	fSubject, fPath, fKey      = ast.StringTerm("subject"), ast.StringTerm("path"), ast.StringTerm("key")
	fEvidence, fKind           = ast.StringTerm("evidence"), ast.StringTerm("kind")
	fNamespace, fName          = ast.StringTerm("namespace"), ast.StringTerm("name")
	fFile, fURI                = ast.StringTerm("file"), ast.StringTerm("uri")
	fLine, fColumn             = ast.StringTerm("line"), ast.StringTerm("column")
)

// member returns obj's value for key, nil when absent or null.
func member(obj ast.Object, key *ast.Term) ast.Value {
	t := obj.Get(key)
	if t == nil {
		return nil
	}
	if _, null := t.Value.(ast.Null); null {
		return nil
	}
	return t.Value
}

// convertFinding maps one finding object; msg and resource.kind are required.
func convertFinding(r finding.Rule, raw ast.Value, ev evidenceCache) (Result, error) {
	obj, ok := raw.(ast.Object)
	if !ok {
		return Result{}, fmt.Errorf("finding is %T, want an object with msg and resource", goValue(raw))
	}
	f := finding.Finding{
		RuleID: r.ID, Severity: r.Severity, Title: r.Title,
		// Findings share their rule's references (clipped: an append copies).
		Remediation: r.Remediation, References: slices.Clip(r.References),
		Status: finding.StatusOpen,
	}
	var err error
	var key string
	if f.Message, err = str(obj, fMsg, true); err != nil {
		return Result{}, err
	}
	if f.Resource, err = resource(member(obj, fResource)); err != nil {
		return Result{}, fmt.Errorf("finding %q: %w", f.Message, err)
	}
	if f.Location, err = location(member(obj, fLocation)); err != nil {
		return Result{}, fmt.Errorf("finding %q: %w", f.Message, err)
	}
	for _, fld := range []struct {
		name *ast.Term
		dst  *string
	}{{fSubject, &f.Subject}, {fPath, &f.Path}, {fKey, &key}} {
		if *fld.dst, err = str(obj, fld.name, false); err != nil {
			return Result{}, fmt.Errorf("finding %q: %w", f.Message, err)
		}
	}
	if f.Evidence, err = ev.get(member(obj, fEvidence)); err != nil {
		return Result{}, fmt.Errorf("finding %q: %w", f.Message, err)
	}
	f.Fingerprint = finding.Fingerprint(f.RuleID, f.Resource, f.Subject, key)
	return Result{Finding: f, Key: key}, nil
}

// str reads a string field; a present field of another type is an error.
func str(obj ast.Object, key *ast.Term, required bool) (string, error) {
	name := string(key.Value.(ast.String))
	v := member(obj, key)
	if v == nil {
		if required {
			return "", fmt.Errorf("finding has no %q", name)
		}
		return "", nil
	}
	s, ok := v.(ast.String)
	if !ok {
		return "", fmt.Errorf("finding field %q is %T, want a string", name, goValue(v))
	}
	if required && s == "" {
		return "", fmt.Errorf("finding has an empty %q", name)
	}
	return string(s), nil
}

func resource(raw ast.Value) (finding.Resource, error) {
	obj, ok := raw.(ast.Object)
	if !ok {
		return finding.Resource{}, fmt.Errorf("finding has no \"resource\" object")
	}
	var r finding.Resource
	var err error
	if r.Kind, err = str(obj, fKind, true); err != nil {
		return r, fmt.Errorf("resource: %w", err)
	}
	if r.Namespace, err = str(obj, fNamespace, false); err != nil {
		return r, fmt.Errorf("resource: %w", err)
	}
	if r.Name, err = str(obj, fName, false); err != nil {
		return r, fmt.Errorf("resource: %w", err)
	}
	return r, nil
}

// location reads an optional {file, line, column, uri} object.
func location(raw ast.Value) (finding.Location, error) {
	var l finding.Location
	if raw == nil {
		return l, nil
	}
	obj, ok := raw.(ast.Object)
	if !ok {
		return l, fmt.Errorf("location is %T, want an object", goValue(raw))
	}
	var err error
	if l.File, err = str(obj, fFile, false); err != nil {
		return l, fmt.Errorf("location: %w", err)
	}
	if l.URI, err = str(obj, fURI, false); err != nil {
		return l, fmt.Errorf("location: %w", err)
	}
	if l.Line, err = integer(member(obj, fLine)); err != nil {
		return l, fmt.Errorf("location.line: %w", err)
	}
	if l.Column, err = integer(member(obj, fColumn)); err != nil {
		return l, fmt.Errorf("location.column: %w", err)
	}
	return l, nil
}

func integer(v ast.Value) (int, error) {
	switch v := v.(type) {
	case nil:
		return 0, nil
	case ast.Number:
		n, err := strconv.Atoi(string(v))
		if err != nil {
			return 0, fmt.Errorf("%q is not an integer", json.Number(v))
		}
		return n, nil
	default:
		return 0, fmt.Errorf("%T is not an integer", goValue(v))
	}
}

// evidenceCache shares the evidence map of equal evidence objects among
// the findings of one rule: the findings about the subjects of one binding
// mostly carry the same evidence, and findings never modify it.
type evidenceCache map[int][]sharedEvidence

type sharedEvidence struct {
	v ast.Value
	m map[string]string
}

// get returns the evidence of v, shared with an earlier equal one.
func (c evidenceCache) get(v ast.Value) (map[string]string, error) {
	if v == nil {
		return evidence(v)
	}
	h := v.Hash()
	for _, e := range c[h] {
		if e.v.Compare(v) == 0 {
			return e.m, nil
		}
	}
	m, err := evidence(v)
	if err == nil {
		c[h] = append(c[h], sharedEvidence{v: v, m: m})
	}
	return m, err
}

// evidence flattens an object to strings: strings as is, lists of scalars
// joined with "," in order, other values as compact JSON. String members
// and lists of strings (nearly all evidence) are read from the terms; the
// rest goes through the JSON form.
func evidence(v ast.Value) (map[string]string, error) {
	if v == nil {
		return nil, nil
	}
	obj, ok := v.(ast.Object)
	if !ok {
		return nil, fmt.Errorf("evidence is %T, want an object", goValue(v))
	}
	if obj.Len() == 0 {
		return nil, nil
	}
	out := make(map[string]string, obj.Len())
	var slow bool
	obj.Foreach(func(k, v *ast.Term) {
		key, ok := k.Value.(ast.String)
		if !ok {
			slow = true
			return
		}
		if s, ok := stringsText(v.Value); ok {
			out[string(key)] = s
			return
		}
		out[string(key)] = evidenceString(goValue(v.Value))
	})
	if slow {
		return evidenceJSON(v)
	}
	return out, nil
}

// stringsText renders a string, or an array of strings joined with ",".
func stringsText(v ast.Value) (string, bool) {
	switch v := v.(type) {
	case ast.String:
		return string(v), true
	case *ast.Array:
		parts := make([]string, v.Len())
		for i := range parts {
			s, ok := v.Elem(i).Value.(ast.String)
			if !ok {
				return "", false
			}
			parts[i] = string(s)
		}
		return strings.Join(parts, ","), true
	}
	return "", false
}

// evidenceJSON is evidence through the JSON form of the whole object.
func evidenceJSON(v ast.Value) (map[string]string, error) {
	raw := goValue(v)
	obj, ok := raw.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("evidence is %T, want an object", raw)
	}
	out := make(map[string]string, len(obj))
	for k, v := range obj {
		out[k] = evidenceString(v)
	}
	return out, nil
}

func evidenceString(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case json.Number:
		return string(v)
	case bool:
		return strconv.FormatBool(v)
	case []any:
		parts := make([]string, 0, len(v))
		for _, e := range v {
			if _, nested := e.([]any); nested {
				return compactJSON(v)
			}
			if _, nested := e.(map[string]any); nested {
				return compactJSON(v)
			}
			parts = append(parts, evidenceString(e))
		}
		return strings.Join(parts, ",")
	default:
		return compactJSON(v)
	}
}

func compactJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
