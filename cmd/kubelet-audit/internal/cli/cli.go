// Package cli holds the kubelet-audit cobra commands. Commands fill an options
// struct, call the library and return an error; Run alone maps errors to exit
// codes (README "Exit codes").
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/kubelet-audit/kubelet-audit/scanner/finding"
)

// version is set at build time with -ldflags.
var version = "dev"

// Exit codes (README "Exit codes").
const (
	ExitOK       = 0
	ExitFindings = 1
	ExitError    = 2
	ExitPartial  = 3
)

// Run executes the CLI with args (args[0] is the program name) and returns the exit code.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := newRoot(stdin, stdout, stderr)
	root.SetArgs(args[1:])
	err := root.ExecuteContext(ctx)
	return exitCode(err, stderr)
}

// exitCode maps sentinel errors to exit codes. Findings are already in the
// report, so ErrFindings prints only a one-line reason.
func exitCode(err error, stderr io.Writer) int {
	switch {
	case err == nil:
		return ExitOK
	case errors.Is(err, finding.ErrFindings):
		fmt.Fprintln(stderr, "kubelet-audit:", err)
		return ExitFindings
	case errors.Is(err, finding.ErrPartial):
		fmt.Fprintln(stderr, "kubelet-audit:", err)
		return ExitPartial
	default:
		fmt.Fprintln(stderr, "kubelet-audit:", err)
		return ExitError
	}
}

func newRoot(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "kubelet-audit",
		Short: "Who and what can reach the kubelet, and how badly could that be abused",
		Long: `kubelet-audit finds who can reach the kubelet (RBAC grants on node subresources,
escalation paths, workloads running as those identities), probes kubelets safely for anonymous
access, and audits kubelet configuration. Reports: table, json, sarif, markdown, html.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return fmt.Errorf("%w: %v", finding.ErrUsage, err)
	})
	root.AddCommand(newScanCmd(), newProbeCmd(), newWhoCanCmd(), newRulesCmd(),
		newTestPoliciesCmd(), newBaselineCmd(), newEndpointsCmd(), newVersionCmd())
	return root
}

func newVersionCmd() *cobra.Command {
	var policy policyFlags
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the version and the policy bundle hash",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			eng, err := policy.engine(cmd.Context())
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "kubelet-audit %s (policies %s, %d rules)\n", version, eng.Hash(), len(eng.Rules()))
			return err
		},
	}
	policy.register(cmd)
	return cmd
}
