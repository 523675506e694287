package engine

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/tester"

	"github.com/kubelet-audit/kubelet-audit/scanner/finding"
)

// TestResult is the outcome of one Rego unit test (a `test_` rule).
type TestResult struct {
	// Package is the test's package, e.g. data.kubelet_audit.rbac.x_test.
	Package string `json:"package"`
	// Name is the test rule's name, e.g. test_anonymous_binding.
	Name string `json:"name"`
	File string `json:"file"`
	Line int    `json:"line"`
	// Passed is true when the test rule evaluated to true.
	Passed bool `json:"passed"`
	// Skipped is true for tests named todo_test_*.
	Skipped bool `json:"skipped,omitempty"`
	// Error is an evaluation error (a failed test has none).
	Error string `json:"error,omitempty"`
	// Output is what print() wrote during the test.
	Output   string        `json:"output,omitempty"`
	Duration time.Duration `json:"duration"`
}

// String renders "file:line: package.name: PASS|FAIL|SKIP|ERROR [error]".
func (r TestResult) String() string {
	s := fmt.Sprintf("%s:%d: %s.%s: %s", r.File, r.Line, r.Package, r.Name, r.Outcome())
	if r.Error != "" {
		s += ": " + r.Error
	}
	return s
}

// Outcome is PASS, FAIL, SKIP or ERROR.
func (r TestResult) Outcome() string {
	switch {
	case r.Skipped:
		return "SKIP"
	case r.Error != "":
		return "ERROR"
	case r.Passed:
		return "PASS"
	default:
		return "FAIL"
	}
}

// Test runs the *_test.rego files of dirs with OPA's tester, compiled
// together with the built-in policies (so user tests may import them and
// their rules are checked against the METADATA contract). With
// includeBuiltin the built-in tests run too. Results are sorted by file and
// line; a compile error wraps finding.ErrUsage and names file:line:col.
func Test(ctx context.Context, dirs []string, includeBuiltin bool) ([]TestResult, error) {
	srcs, err := testSources(dirs, includeBuiltin)
	if err != nil {
		return nil, fmt.Errorf("test policies: %w", err)
	}
	mods, err := parseSources(srcs)
	if err != nil {
		return nil, fmt.Errorf("test policies: %w", err)
	}
	builtin := map[string]bool{}
	for _, s := range srcs {
		builtin[s.name] = s.builtin
	}
	if _, err := catalogue(mods, builtin); err != nil {
		return nil, fmt.Errorf("test policies: %w", err)
	}
	ch, err := tester.NewRunner().
		SetCompiler(newCompiler()).
		SetModules(mods).
		CapturePrintOutput(true).
		RaiseBuiltinErrors(true).
		RunTests(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("test policies: %w", wrapCompileError(err))
	}
	var out []TestResult
	for r := range ch {
		out = append(out, testResult(r))
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].File != out[j].File {
			return out[i].File < out[j].File
		}
		return out[i].Line < out[j].Line
	})
	return out, nil
}

// testSources is every built-in file (tests only with includeBuiltin) plus
// every .rego file of dirs.
func testSources(dirs []string, includeBuiltin bool) ([]source, error) {
	all, err := builtinSources()
	if err != nil {
		return nil, err
	}
	var srcs []source
	for _, s := range all {
		if includeBuiltin || !s.isTest() {
			srcs = append(srcs, s)
		}
	}
	for _, d := range dirs {
		ds, err := dirSources(d, false)
		if err != nil {
			return nil, err
		}
		if len(ds) == 0 {
			return nil, fmt.Errorf("policy dir %s: %w: no .rego files", d, finding.ErrUsage)
		}
		srcs = append(srcs, ds...)
	}
	return srcs, nil
}

// wrapCompileError turns OPA compile errors into PolicyErrors.
func wrapCompileError(err error) error {
	var errs ast.Errors
	if errors.As(err, &errs) {
		return regoErrors(errs)
	}
	return err
}

func testResult(r *tester.Result) TestResult {
	tr := TestResult{
		Package:  r.Package,
		Name:     r.Name,
		Passed:   r.Pass(),
		Skipped:  r.Skip,
		Output:   strings.TrimRight(string(r.Output), "\n"),
		Duration: r.Duration,
	}
	if r.Location != nil {
		tr.File, tr.Line = r.Location.File, r.Location.Row
	}
	if r.Error != nil {
		tr.Error = r.Error.Error()
	}
	return tr
}
