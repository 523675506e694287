package engine

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/kubelet-audit/kubelet-audit/scanner/finding"
)

// findingsRule is the partial set every rule package defines.
const findingsRule = "findings"

// builtinIDPrefix is reserved for built-in rules.
const builtinIDPrefix = "KA-"

// validID is the shape of any rule id (built-in ids are KA-<AREA>-<nnn>).
var validID = regexp.MustCompile(`^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+$`)

// ruleModule is one loaded rule: its catalogue entry and where it lives.
type ruleModule struct {
	rule finding.Rule
	// pkg is the package path, e.g. data.kubelet_audit.rbac.broad_node_proxy.
	pkg  ast.Ref
	file string
	// perSubject is METADATA custom.per_subject: the rule's findings are the
	// union of its findings over any split of input.subjects (every other
	// input member unchanged), so it may be evaluated on parts in parallel.
	perSubject bool
}

// catalogue reads the rule metadata of every non-test module. A module that
// defines `findings` is a rule and must carry a package METADATA block; a
// module without it is a helper library (no metadata needed).
func catalogue(mods map[string]*ast.Module, builtin map[string]bool) ([]ruleModule, error) {
	names := make([]string, 0, len(mods))
	for name := range mods {
		if !isTestFile(name) {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	var rules []ruleModule
	byPkg := map[string]string{}
	for _, name := range names {
		rm, ok, err := ruleOf(name, mods[name], builtin[name])
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		key := rm.pkg.String()
		if other, dup := byPkg[key]; dup {
			return nil, fmt.Errorf("%s: %w: package %s is already a rule in %s (one package = one rule)", name, finding.ErrUsage, key, other)
		}
		byPkg[key] = name
		rules = append(rules, rm)
	}
	if err := checkDuplicateIDs(rules); err != nil {
		return nil, err
	}
	if err := checkReserved(rules); err != nil {
		return nil, err
	}
	sort.Slice(rules, func(i, j int) bool { return rules[i].rule.ID < rules[j].rule.ID })
	return rules, nil
}

// ruleOf extracts the rule of one module; ok is false for helper modules.
func ruleOf(file string, m *ast.Module, builtin bool) (ruleModule, bool, error) {
	ann := packageAnnotation(m)
	hasFindings, err := findingsKind(file, m)
	if err != nil {
		return ruleModule{}, false, err
	}
	switch {
	case !hasFindings && ann == nil:
		return ruleModule{}, false, nil
	case !hasFindings:
		return ruleModule{}, false, fmt.Errorf("%s: %w: METADATA declares rule %v but the package defines no `findings contains ...` rule", file, finding.ErrUsage, ann.Custom["id"])
	case ann == nil:
		return ruleModule{}, false, fmt.Errorf("%s:%d: %w: rule package %s has no METADATA block with custom.id (it must be the first comment block, before `package`)", file, m.Package.Location.Row, finding.ErrUsage, m.Package.Path)
	}
	r, err := ruleFromAnnotations(ann, builtin, file)
	if err == nil {
		var perSubject bool
		if perSubject, err = customBool(ann, "per_subject"); err == nil {
			return ruleModule{rule: r, pkg: m.Package.Path, file: file, perSubject: perSubject}, true, nil
		}
		err = fmt.Errorf("rule %s: %w", r.ID, err)
	}
	return ruleModule{}, false, fmt.Errorf("%s:%d: %w: %w", file, ann.Location.Row, finding.ErrUsage, err)
}

// packageAnnotation returns the package-scoped METADATA block, if any.
func packageAnnotation(m *ast.Module) *ast.Annotations {
	for _, a := range m.Annotations {
		if a.Scope == "package" {
			return a
		}
	}
	return nil
}

// findingsKind reports whether m defines `findings`, which must be a partial set.
func findingsKind(file string, m *ast.Module) (bool, error) {
	found := false
	for _, r := range m.Rules {
		ref := r.Head.Ref()
		if len(ref) == 0 || !ref[0].Equal(ast.VarTerm(findingsRule)) {
			continue
		}
		if len(ref) != 1 || r.Head.DocKind() != ast.PartialSetDoc {
			return false, fmt.Errorf("%s:%d: %w: `findings` must be a set rule (`findings contains f if { ... }`)", file, r.Location.Row, finding.ErrUsage)
		}
		found = true
	}
	return found, nil
}

// ruleFromAnnotations validates the METADATA contract and builds the rule.
func ruleFromAnnotations(a *ast.Annotations, builtin bool, file string) (finding.Rule, error) {
	r := finding.Rule{
		Title:       strings.TrimSpace(a.Title),
		Description: strings.TrimSpace(a.Description),
		Source:      file,
	}
	if builtin {
		r.Source = "builtin"
	}
	var err error
	if r.ID, err = customString(a, "id"); err != nil {
		return r, err
	}
	if err := checkID(r.ID); err != nil {
		return r, err
	}
	if r.Title == "" || r.Description == "" {
		return r, fmt.Errorf("rule %s: METADATA needs a title and a description", r.ID)
	}
	sev, err := customString(a, "severity")
	if err != nil {
		return r, fmt.Errorf("rule %s: %w", r.ID, err)
	}
	if r.Severity, err = finding.ParseSeverity(sev); err != nil || r.Severity == finding.SeverityNone {
		return r, fmt.Errorf("rule %s: bad custom.severity %q (want info, low, medium, high or critical)", r.ID, sev)
	}
	if r.Remediation, err = customString(a, "remediation"); err != nil {
		return r, fmt.Errorf("rule %s: %w", r.ID, err)
	}
	if r.Tags, err = customStrings(a, "tags"); err != nil {
		return r, fmt.Errorf("rule %s: %w", r.ID, err)
	}
	if r.CIS, err = customStrings(a, "cis"); err != nil {
		return r, fmt.Errorf("rule %s: %w", r.ID, err)
	}
	for _, rr := range a.RelatedResources {
		r.References = append(r.References, rr.Ref.String())
	}
	return r, nil
}

func checkID(id string) error {
	if !validID.MatchString(id) {
		return fmt.Errorf("bad custom.id %q (want upper-case words joined by '-', e.g. CUSTOM-001)", id)
	}
	return nil
}

// checkReserved rejects user rules that use the built-in id prefix (a user
// copy of a built-in id is reported as a duplicate first).
func checkReserved(rules []ruleModule) error {
	for _, r := range rules {
		if r.rule.Source != "builtin" && strings.HasPrefix(r.rule.ID, builtinIDPrefix) {
			return fmt.Errorf("%s: %w: custom.id %s: the %s prefix is reserved for built-in rules", r.file, finding.ErrUsage, r.rule.ID, builtinIDPrefix)
		}
	}
	return nil
}

// customString reads a required non-empty string from the custom section.
func customString(a *ast.Annotations, key string) (string, error) {
	v, ok := a.Custom[key]
	if !ok {
		return "", fmt.Errorf("METADATA custom.%s is missing", key)
	}
	s, ok := v.(string)
	if !ok || strings.TrimSpace(s) == "" {
		return "", fmt.Errorf("METADATA custom.%s must be a non-empty string", key)
	}
	return strings.TrimSpace(s), nil
}

// customBool reads an optional boolean from the custom section.
func customBool(a *ast.Annotations, key string) (bool, error) {
	v, ok := a.Custom[key]
	if !ok {
		return false, nil
	}
	b, ok := v.(bool)
	if !ok {
		return false, fmt.Errorf("METADATA custom.%s must be true or false", key)
	}
	return b, nil
}

// customStrings reads an optional list of scalars (numbers such as a CIS id
// 5.1 are rendered as written by YAML's float, so quote them in METADATA).
func customStrings(a *ast.Annotations, key string) ([]string, error) {
	v, ok := a.Custom[key]
	if !ok || v == nil {
		return nil, nil
	}
	list, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("METADATA custom.%s must be a list", key)
	}
	out := make([]string, 0, len(list))
	for _, e := range list {
		switch e := e.(type) {
		case string:
			out = append(out, e)
		case bool, int, int64, float64, uint64:
			out = append(out, fmt.Sprint(e))
		default:
			return nil, fmt.Errorf("METADATA custom.%s must list strings", key)
		}
	}
	return out, nil
}

// checkDuplicateIDs rejects two rules with one id (a user rule colliding with
// a built-in one included).
func checkDuplicateIDs(rules []ruleModule) error {
	seen := map[string]string{}
	for _, r := range rules {
		if other, dup := seen[r.rule.ID]; dup {
			return fmt.Errorf("%s: %w: duplicate rule id %s (already defined in %s)", r.file, finding.ErrUsage, r.rule.ID, other)
		}
		seen[r.rule.ID] = r.file
	}
	return nil
}
