// Package engine compiles kubelet-audit's Rego rules (the embedded built-ins
// plus user policy directories) once, reads the rule catalogue from their
// METADATA blocks and evaluates every rule in one prepared query over the
// facts document of a scan.
//
// Rule contract: one Rego v1 package per rule, whose first comment block
// (before `package`) is a METADATA block with title, description,
// related_resources and custom.{id, severity, remediation, tags, cis}, and
// which defines the set `findings`. Each element is an object with "msg"
// and "resource" (required) and "location", "subject", "path", "evidence"
// and "key" (optional). Rule identity and severity come only from METADATA.
package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"runtime"
	"slices"
	"sort"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"

	"github.com/kubelet-audit/kubelet-audit/scanner/finding"
)

// Options select the policies of a scan.
type Options struct {
	// PolicyDirs are extra user policy directories (or single .rego files),
	// read recursively; *_test.rego files are not rules (see Test).
	PolicyDirs []string
	// Disabled lists rule ids to skip; an unknown id is a usage error.
	Disabled []string
	// Parallelism is how many parts of a large input.subjects the
	// per-subject rules (METADATA custom.per_subject) are evaluated on
	// concurrently; 0 means GOMAXPROCS.
	Parallelism int
}

// Engine holds the compiled policies and one prepared query for all enabled
// rules. It is safe for concurrent use.
type Engine struct {
	rules []ruleModule // enabled rules, sorted by id
	all   []finding.Rule
	hash  string
	query rego.PreparedEvalQuery
	// split evaluates a large input in parts; nil when no enabled rule is
	// per-subject.
	split       *splitQueries
	parallelism int
}

// splitQueries are the prepared queries of a split evaluation: one for the
// per-subject rules, run on each part of the subjects, and one for the
// others, run once on the whole input (absent when there are none).
type splitQueries struct {
	perSubject, whole           []int        // indices into Engine.rules
	perRules, wholeRules        []ruleModule // the rules at those indices
	perSubjectQuery, wholeQuery rego.PreparedEvalQuery
	// wholeReadsSubjects is true when a rule of the whole query may read
	// input.subjects (see readsInput); otherwise its input leaves them out.
	wholeReadsSubjects bool
	// perReadsRBAC is true when a per-subject rule may read input.roles or
	// input.bindings; otherwise the parts leave them out, and they are
	// converted for the whole query alone, while the parts run.
	perReadsRBAC bool
}

// resultVar is the query variable that receives every rule's findings.
const resultVar = "ka_findings"

// Load compiles the embedded policies plus opts.PolicyDirs once (Rego v1,
// strict), reads the catalogue from METADATA and prepares one query that
// evaluates every enabled rule. All errors wrap finding.ErrUsage; Rego errors
// name file:line:col (see PolicyErrors).
func Load(ctx context.Context, opts Options) (*Engine, error) {
	srcs, err := ruleSources(opts.PolicyDirs)
	if err != nil {
		return nil, fmt.Errorf("load policies: %w", err)
	}
	builtin := map[string]bool{}
	for _, s := range srcs {
		builtin[s.name] = s.builtin
	}
	mods, err := parseSources(srcs)
	if err != nil {
		return nil, fmt.Errorf("load policies: %w", err)
	}
	comp, err := compileModules(mods)
	if err != nil {
		return nil, fmt.Errorf("load policies: %w", err)
	}
	rules, err := catalogue(mods, builtin)
	if err != nil {
		return nil, fmt.Errorf("load policies: %w", err)
	}
	e := &Engine{hash: bundleHash(srcs)}
	for _, r := range rules {
		e.all = append(e.all, r.rule)
	}
	if e.rules, err = enabled(rules, opts.Disabled); err != nil {
		return nil, fmt.Errorf("load policies: %w", err)
	}
	if e.query, err = prepare(ctx, comp, e.rules); err != nil {
		return nil, fmt.Errorf("load policies: %w: %w", finding.ErrUsage, err)
	}
	if e.parallelism = opts.Parallelism; e.parallelism <= 0 {
		e.parallelism = runtime.GOMAXPROCS(0)
	}
	if e.split, err = prepareSplit(ctx, comp, e.rules); err != nil {
		return nil, fmt.Errorf("load policies: %w: %w", finding.ErrUsage, err)
	}
	return e, nil
}

// prepareSplit prepares the queries of a split evaluation; nil when no
// rule is per-subject.
func prepareSplit(ctx context.Context, comp *ast.Compiler, rules []ruleModule) (*splitQueries, error) {
	sq := &splitQueries{}
	for i, r := range rules {
		if r.perSubject {
			sq.perSubject, sq.perRules = append(sq.perSubject, i), append(sq.perRules, r)
		} else {
			sq.whole, sq.wholeRules = append(sq.whole, i), append(sq.wholeRules, r)
		}
	}
	if len(sq.perRules) == 0 {
		return nil, nil
	}
	var err error
	if sq.perSubjectQuery, err = prepare(ctx, comp, sq.perRules); err != nil {
		return nil, err
	}
	sq.perReadsRBAC = readsInput(comp, sq.perRules, "roles", "bindings")
	if len(sq.wholeRules) > 0 {
		if sq.wholeQuery, err = prepare(ctx, comp, sq.wholeRules); err != nil {
			return nil, err
		}
		sq.wholeReadsSubjects = readsInput(comp, sq.wholeRules, "subjects")
	}
	return sq, nil
}

// readsInput reports whether any of rules may read one of the given
// members of input (e.g. input.subjects), following every rule and
// function they depend on. It errs on the safe side: a bare `input`, or a
// key into input that is not a constant string, counts as reading them all.
func readsInput(comp *ast.Compiler, rules []ruleModule, keys ...string) bool {
	var stack []*ast.Rule
	for _, r := range rules {
		stack = append(stack, comp.GetRules(r.pkg.Append(ast.StringTerm(findingsRule)))...)
	}
	seen := map[*ast.Rule]bool{}
	for len(stack) > 0 {
		r := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[r] {
			continue
		}
		seen[r] = true
		if ruleReads(r, keys) {
			return true
		}
		for d := range comp.Graph.Dependencies(r) {
			if dr, ok := d.(*ast.Rule); ok {
				stack = append(stack, dr)
			}
		}
	}
	return false
}

// ruleReads looks at the input references of one rule (its else branches
// included).
func ruleReads(r *ast.Rule, keys []string) bool {
	found := false
	var vis *ast.GenericVisitor
	vis = ast.NewGenericVisitor(func(x any) bool {
		switch x := x.(type) {
		case ast.Ref:
			if !x[0].Equal(ast.InputRootDocument) {
				return false
			}
			key, ok := ast.String(""), len(x) > 1
			if ok {
				key, ok = x[1].Value.(ast.String)
			}
			if !ok || slices.Contains(keys, string(key)) {
				found = true
			}
			for _, t := range x[1:] {
				vis.Walk(t)
			}
			return true
		case ast.Var:
			found = found || x.Equal(ast.InputRootDocument.Value)
		}
		return found
	})
	vis.Walk(r)
	return found
}

// ruleSources gathers the embedded rule files and those of dirs (no tests).
func ruleSources(dirs []string) ([]source, error) {
	all, err := builtinSources()
	if err != nil {
		return nil, err
	}
	for _, d := range dirs {
		srcs, err := dirSources(d, true)
		if err != nil {
			return nil, err
		}
		all = append(all, srcs...)
	}
	out := all[:0]
	for _, s := range all {
		if !s.isTest() {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: no policy modules found", finding.ErrUsage)
	}
	return out, nil
}

// enabled drops disabled rules; every disabled id must exist.
func enabled(rules []ruleModule, disabled []string) ([]ruleModule, error) {
	off := map[string]bool{}
	for _, id := range disabled {
		off[strings.TrimSpace(id)] = true
	}
	var out []ruleModule
	for _, r := range rules {
		if off[r.rule.ID] {
			delete(off, r.rule.ID)
			continue
		}
		out = append(out, r)
	}
	if len(off) > 0 {
		unknown := make([]string, 0, len(off))
		for id := range off {
			unknown = append(unknown, id)
		}
		sort.Strings(unknown)
		return nil, fmt.Errorf("%w: --disable names unknown rule id(s) %s (see `kubelet-audit rules`)", finding.ErrUsage, strings.Join(unknown, ", "))
	}
	return out, nil
}

// prepare builds `ka_findings = [data.<pkg1>.findings, ...]`: one query, one
// evaluation per scan, whatever the number of rules.
func prepare(ctx context.Context, comp *ast.Compiler, rules []ruleModule) (rego.PreparedEvalQuery, error) {
	refs := make([]string, len(rules))
	for i, r := range rules {
		refs[i] = r.pkg.Append(ast.StringTerm(findingsRule)).String()
	}
	q := fmt.Sprintf("%s = [%s]", resultVar, strings.Join(refs, ", "))
	pq, err := rego.New(
		rego.Query(q),
		rego.Compiler(comp),
		rego.Capabilities(capabilities()),
		rego.StrictBuiltinErrors(true),
	).PrepareForEval(ctx)
	if err != nil {
		return pq, fmt.Errorf("prepare query: %w", err)
	}
	return pq, nil
}

// bundleHash is the sha256 of the sorted file names and contents, short hex.
func bundleHash(srcs []source) string {
	sorted := append([]source(nil), srcs...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].name < sorted[j].name })
	h := sha256.New()
	for _, s := range sorted {
		fmt.Fprintf(h, "%s\x00%d\x00", s.name, len(s.data))
		h.Write(s.data)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// Rules returns the enabled rules, sorted by id.
func (e *Engine) Rules() []finding.Rule {
	out := make([]finding.Rule, len(e.rules))
	for i, r := range e.rules {
		out[i] = r.rule
	}
	return out
}

// AllRules returns every loaded rule, disabled ones included, sorted by id.
func (e *Engine) AllRules() []finding.Rule { return append([]finding.Rule(nil), e.all...) }

// Hash identifies the policy bundle (embedded plus user rule files): the
// first 16 hex digits of a sha256 over the sorted file names and contents.
func (e *Engine) Hash() string { return e.hash }
