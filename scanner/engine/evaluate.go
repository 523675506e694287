package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

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
	rs, err := e.query.Eval(ctx, rego.EvalParsedInput(input))
	if err != nil {
		return nil, fmt.Errorf("evaluate policies: %w", err)
	}
	if len(rs) != 1 {
		return nil, fmt.Errorf("evaluate policies: query returned %d results, want 1 (a rule's `findings` is undefined)", len(rs))
	}
	perRule, ok := rs[0].Bindings[resultVar].([]any)
	if !ok || len(perRule) != len(e.rules) {
		return nil, fmt.Errorf("evaluate policies: unexpected result shape %T", rs[0].Bindings[resultVar])
	}
	var out []Result
	for i, raw := range perRule {
		res, err := convertRule(e.rules[i].rule, raw)
		if err != nil {
			return nil, fmt.Errorf("evaluate policies: %w", err)
		}
		out = append(out, res...)
	}
	return out, nil
}

// convertRule turns one rule's `findings` set into results.
func convertRule(r finding.Rule, raw any) ([]Result, error) {
	items, ok := raw.([]any)
	if !ok {
		return nil, fmt.Errorf("rule %s: findings is %T, want a set", r.ID, raw)
	}
	out := make([]Result, 0, len(items))
	for _, it := range items {
		res, err := convertFinding(r, it)
		if err != nil {
			return nil, fmt.Errorf("rule %s: %w", r.ID, err)
		}
		out = append(out, res)
	}
	return out, nil
}

// convertFinding maps one finding object; msg and resource.kind are required.
func convertFinding(r finding.Rule, raw any) (Result, error) {
	obj, ok := raw.(map[string]any)
	if !ok {
		return Result{}, fmt.Errorf("finding is %T, want an object with msg and resource", raw)
	}
	f := finding.Finding{
		RuleID: r.ID, Severity: r.Severity, Title: r.Title,
		Remediation: r.Remediation, References: append([]string(nil), r.References...),
		Status: finding.StatusOpen,
	}
	var err error
	var key string
	if f.Message, err = str(obj, "msg", true); err != nil {
		return Result{}, err
	}
	if f.Resource, err = resource(obj["resource"]); err != nil {
		return Result{}, fmt.Errorf("finding %q: %w", f.Message, err)
	}
	if f.Location, err = location(obj["location"]); err != nil {
		return Result{}, fmt.Errorf("finding %q: %w", f.Message, err)
	}
	for _, fld := range []struct {
		name string
		dst  *string
	}{{"subject", &f.Subject}, {"path", &f.Path}, {"key", &key}} {
		if *fld.dst, err = str(obj, fld.name, false); err != nil {
			return Result{}, fmt.Errorf("finding %q: %w", f.Message, err)
		}
	}
	if f.Evidence, err = evidence(obj["evidence"]); err != nil {
		return Result{}, fmt.Errorf("finding %q: %w", f.Message, err)
	}
	f.Fingerprint = finding.Fingerprint(f.RuleID, f.Resource, f.Subject, key)
	return Result{Finding: f, Key: key}, nil
}

// str reads a string field; a present field of another type is an error.
func str(obj map[string]any, name string, required bool) (string, error) {
	v, ok := obj[name]
	if !ok || v == nil {
		if required {
			return "", fmt.Errorf("finding has no %q", name)
		}
		return "", nil
	}
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("finding field %q is %T, want a string", name, v)
	}
	if required && s == "" {
		return "", fmt.Errorf("finding has an empty %q", name)
	}
	return s, nil
}

func resource(raw any) (finding.Resource, error) {
	obj, ok := raw.(map[string]any)
	if !ok {
		return finding.Resource{}, fmt.Errorf("finding has no \"resource\" object")
	}
	var r finding.Resource
	var err error
	if r.Kind, err = str(obj, "kind", true); err != nil {
		return r, fmt.Errorf("resource: %w", err)
	}
	if r.Namespace, err = str(obj, "namespace", false); err != nil {
		return r, fmt.Errorf("resource: %w", err)
	}
	if r.Name, err = str(obj, "name", false); err != nil {
		return r, fmt.Errorf("resource: %w", err)
	}
	return r, nil
}

// location reads an optional {file, line, column, uri} object.
func location(raw any) (finding.Location, error) {
	var l finding.Location
	if raw == nil {
		return l, nil
	}
	obj, ok := raw.(map[string]any)
	if !ok {
		return l, fmt.Errorf("location is %T, want an object", raw)
	}
	var err error
	if l.File, err = str(obj, "file", false); err != nil {
		return l, fmt.Errorf("location: %w", err)
	}
	if l.URI, err = str(obj, "uri", false); err != nil {
		return l, fmt.Errorf("location: %w", err)
	}
	if l.Line, err = integer(obj["line"]); err != nil {
		return l, fmt.Errorf("location.line: %w", err)
	}
	if l.Column, err = integer(obj["column"]); err != nil {
		return l, fmt.Errorf("location.column: %w", err)
	}
	return l, nil
}

func integer(v any) (int, error) {
	switch v := v.(type) {
	case nil:
		return 0, nil
	case json.Number:
		n, err := strconv.Atoi(string(v))
		if err != nil {
			return 0, fmt.Errorf("%q is not an integer", v)
		}
		return n, nil
	case int:
		return v, nil
	case float64:
		return int(v), nil
	default:
		return 0, fmt.Errorf("%T is not an integer", v)
	}
}

// evidence flattens an object to strings: strings as is, lists of scalars
// joined with "," in order, other values as compact JSON.
func evidence(raw any) (map[string]string, error) {
	if raw == nil {
		return nil, nil
	}
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
