package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

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

// Evaluate runs the prepared query once over doc and returns the findings
// with rule metadata, Status "open" and a stable Fingerprint (which includes
// the rule's "key"). Findings come grouped by rule id and, within a rule, in
// Rego's deterministic set order.
func (e *Engine) Evaluate(ctx context.Context, doc *facts.Document) ([]finding.Finding, error) {
	rs, err := e.EvaluateResults(ctx, doc)
	if err != nil {
		return nil, err
	}
	out := make([]finding.Finding, len(rs))
	for i, r := range rs {
		out[i] = r.Finding
	}
	return out, nil
}

// EvaluateResults is Evaluate that also returns each finding's raw key.
func (e *Engine) EvaluateResults(ctx context.Context, doc *facts.Document) ([]Result, error) {
	if doc == nil {
		return nil, fmt.Errorf("evaluate policies: nil facts document")
	}
	input, err := InputValue(doc)
	if err != nil {
		return nil, fmt.Errorf("evaluate policies: %w", err)
	}
	// The result stays an AST value: findings are read from it directly
	// instead of through maps of interfaces (tens of thousands at scale).
	rs, err := e.query.Eval(ctx, rego.EvalParsedInput(input), rego.EvalGenerateJSON(keepTerm))
	if err != nil {
		return nil, fmt.Errorf("evaluate policies: %w", err)
	}
	if len(rs) != 1 {
		return nil, fmt.Errorf("evaluate policies: query returned %d results, want 1 (a rule's `findings` is undefined)", len(rs))
	}
	t, _ := rs[0].Bindings[resultVar].(*ast.Term)
	if t == nil {
		return nil, fmt.Errorf("evaluate policies: unexpected result shape %T", rs[0].Bindings[resultVar])
	}
	perRule, ok := t.Value.(*ast.Array)
	if !ok || perRule.Len() != len(e.rules) {
		return nil, fmt.Errorf("evaluate policies: unexpected result shape %T", goValue(t.Value))
	}
	var out []Result
	for i := range perRule.Len() {
		res, err := convertRule(e.rules[i].rule, perRule.Elem(i).Value)
		if err != nil {
			return nil, fmt.Errorf("evaluate policies: %w", err)
		}
		out = append(out, res...)
	}
	return out, nil
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
func convertRule(r finding.Rule, raw ast.Value) ([]Result, error) {
	items, ok := elems(raw)
	if !ok {
		return nil, fmt.Errorf("rule %s: findings is %T, want a set", r.ID, goValue(raw))
	}
	out := make([]Result, 0, len(items))
	for _, it := range items {
		res, err := convertFinding(r, it.Value)
		if err != nil {
			return nil, fmt.Errorf("rule %s: %w", r.ID, err)
		}
		out = append(out, res)
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
func convertFinding(r finding.Rule, raw ast.Value) (Result, error) {
	obj, ok := raw.(ast.Object)
	if !ok {
		return Result{}, fmt.Errorf("finding is %T, want an object with msg and resource", goValue(raw))
	}
	f := finding.Finding{
		RuleID: r.ID, Severity: r.Severity, Title: r.Title,
		Remediation: r.Remediation, References: append([]string(nil), r.References...),
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
	if f.Evidence, err = evidence(member(obj, fEvidence)); err != nil {
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

// evidence flattens an object to strings: strings as is, lists of scalars
// joined with "," in order, other values as compact JSON.
func evidence(v ast.Value) (map[string]string, error) {
	if v == nil {
		return nil, nil
	}
	raw := goValue(v)
	obj, ok := raw.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("evidence is %T, want an object", raw)
	}
	if len(obj) == 0 {
		return nil, nil
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
