package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/kubelet-audit/kubelet-audit/scanner"
	"github.com/kubelet-audit/kubelet-audit/scanner/finding"
	"github.com/kubelet-audit/kubelet-audit/scanner/kubelet"
)

func newProbeCmd() *cobra.Command {
	var (
		kf       kubeletFlags
		out      outputFlags
		policy   policyFlags
		readOnly int
	)
	cmd := &cobra.Command{
		Use:   "probe HOST[:PORT]...",
		Short: "Safely probe kubelets for anonymous or unauthenticated access",
		Long: `probe runs the safe probe plan against each kubelet (default port 10250): TLS facts,
/healthz, /pods (capped), exec-family endpoints with made-up pod names (nothing ever runs), /configz,
/metrics, the read-only port and debug handlers. Anonymous probes never carry credentials;
--token/--token-file/--cert add an authenticated pass for that identity.`,
		Example: `  kubelet-audit probe 10.0.0.11 10.0.0.12:10250
  kubelet-audit probe node1 --token-file sa.token --format json`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := out.validateFormats(); err != nil {
				return err
			}
			kopts, err := kf.options()
			if err != nil {
				return err
			}
			targets := make([]kubelet.Target, 0, len(args))
			for _, a := range args {
				t, err := kubelet.ParseTarget(a)
				if err != nil {
					return fmt.Errorf("%w: %v", finding.ErrUsage, err)
				}
				t.ReadOnlyPort = readOnly
				targets = append(targets, t)
			}
			opts := scanner.Options{Probe: &scanner.ProbeOptions{Targets: targets, Kubelet: kopts}, Version: version}
			return runScan(cmd, opts, &out, &policy)
		},
	}
	kf.register(cmd, true)
	cmd.Flags().IntVar(&readOnly, "read-only-port", 10255, "read-only port to check (0 = skip)")
	out.register(cmd)
	policy.register(cmd)
	return cmd
}
