package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/kubelet-audit/kubelet-audit/scanner"
	"github.com/kubelet-audit/kubelet-audit/scanner/baseline"
	"github.com/kubelet-audit/kubelet-audit/scanner/finding"
)

func newBaselineCmd() *cobra.Command {
	var (
		src    sourceFlags
		policy policyFlags
		output string
	)
	cmd := &cobra.Command{
		Use:   "baseline [PATH...]",
		Short: "Write the current open findings to a baseline file (accepted findings)",
		Long: `baseline scans like 'scan' and writes every open finding to a baseline file. Later
'scan --baseline FILE' reports those findings as baselined (they do not fail the gate), fails only on
new ones, and lists baseline entries that no longer match as stale.`,
		Example: `  kubelet-audit baseline deploy/ -o .kubelet-audit-baseline.json
  kubelet-audit scan deploy/ --baseline .kubelet-audit-baseline.json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts, err := src.options(cmd, args)
			if err != nil {
				return err
			}
			eng, err := policy.engine(cmd.Context())
			if err != nil {
				return err
			}
			opts.Engine, opts.Log = eng, cmd.ErrOrStderr()
			r, err := scanner.Scan(cmd.Context(), opts)
			if err != nil {
				return err
			}
			b := baseline.FromReport(r)
			if err := b.WriteFile(output); err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "wrote %d finding(s) to %s\n", len(b.Findings), output)
			if len(r.Errors) > 0 {
				return fmt.Errorf("%w: the baseline covers only what could be checked (%d error(s))", finding.ErrPartial, len(r.Errors))
			}
			return nil
		},
	}
	src.register(cmd)
	policy.register(cmd)
	cmd.Flags().StringVarP(&output, "output", "o", ".kubelet-audit-baseline.json", "baseline file to write")
	return cmd
}
