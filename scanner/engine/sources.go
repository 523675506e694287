package engine

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/kubelet-audit/kubelet-audit/policies"
	"github.com/kubelet-audit/kubelet-audit/scanner/finding"
)

// builtinPrefix is prepended to embedded file names so messages point at the
// file in the repository (policies/rbac/x.rego).
const builtinPrefix = "policies/"

// source is one policy file: its display name, contents and origin.
type source struct {
	name    string
	data    []byte
	builtin bool
}

// isTest reports whether a file holds Rego unit tests rather than rules.
func (s source) isTest() bool { return isTestFile(s.name) }

func isTestFile(name string) bool { return strings.HasSuffix(name, "_test.rego") }

// builtinSources reads every .rego file of the embedded bundle, sorted by name.
func builtinSources() ([]source, error) {
	var out []source
	err := fs.WalkDir(policies.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path.Ext(p) != ".rego" {
			return err
		}
		data, err := fs.ReadFile(policies.FS, p)
		if err != nil {
			return err
		}
		out = append(out, source{name: builtinPrefix + p, data: data, builtin: true})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read embedded policies: %w", err)
	}
	return out, nil
}

// dirSources reads every .rego file under dir (recursively; dir may also be a
// single .rego file). Hidden directories are skipped. A missing path is a
// usage error, and so is a directory without any rule file when rulesRequired.
func dirSources(dir string, rulesRequired bool) ([]source, error) {
	var out []source
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != dir && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			return nil
		}
		if filepath.Ext(p) != ".rego" {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		out = append(out, source{name: p, data: data})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("policy dir %s: %w: %w", dir, finding.ErrUsage, err)
	}
	if rulesRequired && countRules(out) == 0 {
		return nil, fmt.Errorf("policy dir %s: %w: no .rego rule files (only *_test.rego or nothing)", dir, finding.ErrUsage)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out, nil
}

func countRules(srcs []source) int {
	n := 0
	for _, s := range srcs {
		if !s.isTest() {
			n++
		}
	}
	return n
}

// parseSources parses every source as Rego v1 with annotations. All parse
// errors are collected so a user sees every broken file at once.
func parseSources(srcs []source) (map[string]*ast.Module, error) {
	mods := make(map[string]*ast.Module, len(srcs))
	var errs ast.Errors
	for _, s := range srcs {
		if _, dup := mods[s.name]; dup {
			return nil, fmt.Errorf("%w: policy file %s given twice", finding.ErrUsage, s.name)
		}
		m, err := ast.ParseModuleWithOpts(s.name, string(s.data), ast.ParserOptions{
			ProcessAnnotation: true,
			RegoVersion:       ast.RegoV1,
		})
		if err != nil {
			var aerrs ast.Errors
			if errors.As(err, &aerrs) {
				errs = append(errs, aerrs...)
				continue
			}
			return nil, fmt.Errorf("parse %s: %w: %w", s.name, finding.ErrUsage, err)
		}
		if m == nil {
			return nil, fmt.Errorf("parse %s: %w: empty policy file (no package)", s.name, finding.ErrUsage)
		}
		mods[s.name] = m
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("parse policies: %w", regoErrors(errs))
	}
	return mods, nil
}

// compileModules compiles modules once in strict mode with the I/O-free
// capabilities, so every error is reported with its file:line:col.
func compileModules(mods map[string]*ast.Module) (*ast.Compiler, error) {
	c := newCompiler()
	if c.Compile(mods); c.Failed() {
		return nil, fmt.Errorf("compile policies: %w", regoErrors(c.Errors))
	}
	return c, nil
}

func newCompiler() *ast.Compiler {
	return ast.NewCompiler().
		WithStrict(true).
		WithCapabilities(capabilities()).
		WithDefaultRegoVersion(ast.RegoV1)
}

// ioBuiltins are the built-ins that reach outside the evaluation (network,
// runtime environment). Rules never do I/O, so policies cannot call them.
var ioBuiltins = map[string]bool{
	"http.send":          true,
	"net.lookup_ip_addr": true,
	"opa.runtime":        true,
}

// capabilities is OPA's built-in set minus ioBuiltins.
func capabilities() *ast.Capabilities {
	caps := ast.CapabilitiesForThisVersion()
	kept := caps.Builtins[:0:0]
	for _, b := range caps.Builtins {
		if !ioBuiltins[b.Name] {
			kept = append(kept, b)
		}
	}
	caps.Builtins = kept
	return caps
}

// PolicyError is a Rego parse or compile error at file:line:col. It wraps
// finding.ErrUsage (exit code 2).
type PolicyError struct {
	File    string
	Line    int
	Column  int
	Code    string
	Message string
}

// Error renders "file:line:col: code: message".
func (e PolicyError) Error() string {
	return fmt.Sprintf("%s:%d:%d: %s: %s", e.File, e.Line, e.Column, e.Code, e.Message)
}

// Unwrap makes every policy error a usage error.
func (e PolicyError) Unwrap() error { return finding.ErrUsage }

// PolicyErrors lists every error of one parse or compile step.
type PolicyErrors []PolicyError

// Error renders one error per line.
func (es PolicyErrors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap makes the list a usage error.
func (es PolicyErrors) Unwrap() error { return finding.ErrUsage }

// regoErrors converts OPA errors to PolicyErrors sorted by position.
func regoErrors(errs ast.Errors) PolicyErrors {
	errs.Sort()
	out := make(PolicyErrors, 0, len(errs))
	for _, e := range errs {
		pe := PolicyError{Code: e.Code, Message: e.Message}
		if e.Location != nil {
			pe.File, pe.Line, pe.Column = e.Location.File, e.Location.Row, e.Location.Col
		}
		out = append(out, pe)
	}
	return out
}
