package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/kubelet-audit/kubelet-audit/scanner/engine"
	"github.com/kubelet-audit/kubelet-audit/scanner/finding"
)

func newTestPoliciesCmd() *cobra.Command {
	var builtin bool
	cmd := &cobra.Command{
		Use:   "test-policies DIR...",
		Short: "Run the Rego unit tests (*_test.rego) of policy directories",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			results, err := engine.Test(cmd.Context(), args, builtin)
			if err != nil {
				return fmt.Errorf("%w: %v", finding.ErrUsage, err)
			}
			return reportTests(cmd, results)
		},
	}
	cmd.Flags().BoolVar(&builtin, "with-builtin", false, "also run the built-in policies' tests")
	return cmd
}

// reportTests prints one line per test and fails when any test failed.
func reportTests(cmd *cobra.Command, results []engine.TestResult) error {
	w := cmd.OutOrStdout()
	var passed, failed, skipped int
	for _, r := range results {
		status := "PASS"
		switch {
		case r.Skipped:
			status = "SKIP"
			skipped++
		case r.Passed:
			passed++
		default:
			status = "FAIL"
			failed++
		}
		fmt.Fprintf(w, "%s %s.%s (%s:%d)", status, r.Package, r.Name, r.File, r.Line)
		if r.Error != "" {
			fmt.Fprintf(w, ": %s", r.Error)
		}
		fmt.Fprintln(w)
		if r.Output != "" && status == "FAIL" {
			fmt.Fprintln(w, r.Output)
		}
	}
	fmt.Fprintf(w, "%d passed, %d failed, %d skipped\n", passed, failed, skipped)
	if len(results) == 0 {
		return fmt.Errorf("%w: no tests found", finding.ErrUsage)
	}
	if failed > 0 {
		return fmt.Errorf("%w: %d policy test(s) failed", finding.ErrFindings, failed)
	}
	return nil
}
