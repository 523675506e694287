package policies_test

import (
	"context"
	"io/fs"
	"strings"
	"testing"

	"github.com/kubelet-audit/kubelet-audit/policies"
	"github.com/kubelet-audit/kubelet-audit/scanner/engine"
)

// TestRegoUnitTests runs every embedded *_test.rego with OPA's tester, so
// `go test ./...` (make test) covers the Rego rules too.
func TestRegoUnitTests(t *testing.T) {
	results, err := engine.Test(context.Background(), nil, true)
	if err != nil {
		t.Fatalf("run Rego tests: %v", err)
	}
	if len(results) == 0 {
		t.Fatal("no Rego tests ran")
	}
	perFile := map[string]int{}
	for _, r := range results {
		perFile[r.File]++
		if r.Outcome() != "PASS" {
			t.Errorf("%s", r)
			if r.Output != "" {
				t.Logf("output of %s:\n%s", r.Name, r.Output)
			}
		}
	}
	t.Logf("%d Rego tests in %d files", len(results), len(perFile))
	requirePositiveAndNegative(t, perFile)
}

// requirePositiveAndNegative: the test file of every rule holds at least two
// tests (a positive and a negative case).
func requirePositiveAndNegative(t *testing.T, perFile map[string]int) {
	t.Helper()
	err := fs.WalkDir(policies.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(p, "_test.rego") || !strings.HasSuffix(p, ".rego") {
			return err
		}
		if ruleID(t, p) == "" {
			return nil
		}
		testFile := "policies/" + strings.TrimSuffix(p, ".rego") + "_test.rego"
		if perFile[testFile] < 2 {
			t.Errorf("%s has %d test(s), want a positive and a negative case", testFile, perFile[testFile])
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
