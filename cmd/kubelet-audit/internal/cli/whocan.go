package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/kubelet-audit/kubelet-audit/scanner"
	"github.com/kubelet-audit/kubelet-audit/scanner/finding"
)

func newWhoCanCmd() *cobra.Command {
	var (
		src     sourceFlags
		verb    string
		format  string
		timeout = defaultWhoCanTimeout
	)
	cmd := &cobra.Command{
		Use:   "who-can nodes/SUBRESOURCE [PATH...]",
		Short: "Who can reach a node subresource (from manifests or --cluster)",
		Example: `  kubelet-audit who-can nodes/proxy deploy/
  kubelet-audit who-can nodes/log --verb get --cluster`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			sr, err := scanner.ParseSubresource(args[0])
			if err != nil {
				return err
			}
			opts, err := src.options(cmd, args[1:])
			if err != nil {
				return err
			}
			if opts.Cluster != nil {
				opts.Cluster.Probe = false // who-can answers from RBAC only
			}
			if len(opts.Paths) == 0 && opts.Cluster == nil {
				return fmt.Errorf("%w: give manifest paths or --cluster", finding.ErrUsage)
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
			defer cancel()
			opts.Log = cmd.ErrOrStderr()
			doc, errs, err := scanner.Collect(ctx, opts)
			if err != nil {
				return err
			}
			for _, e := range errs {
				fmt.Fprintln(cmd.ErrOrStderr(), "could not check:", e.Error())
			}
			if err := writeHolders(cmd, scanner.WhoCan(doc, sr, verb), format, "nodes/"+sr, verb); err != nil {
				return err
			}
			if len(errs) > 0 {
				return fmt.Errorf("%w: the answer covers only what could be read", finding.ErrPartial)
			}
			return nil
		},
	}
	src.register(cmd)
	cmd.Flags().StringVar(&verb, "verb", "get", "verb the kubelet checks: get|create|update|patch|delete")
	cmd.Flags().StringVarP(&format, "format", "f", "table", "table|json")
	cmd.Flags().DurationVar(&timeout, "timeout", defaultWhoCanTimeout, "give up after this long")
	return cmd
}

const defaultWhoCanTimeout = 5 * time.Minute

func writeHolders(cmd *cobra.Command, hs []scanner.Holder, format, resource, verb string) error {
	w := cmd.OutOrStdout()
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(hs)
	case "table":
		if len(hs) == 0 {
			_, err := fmt.Fprintf(w, "nobody can %s %s (per RBAC)\n", verb, resource)
			return err
		}
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "SUBJECT\tSCOPE\tVERBS\tNODES\tVIA\tWORKLOADS")
		for _, h := range hs {
			nodes := "all"
			if len(h.Nodes) > 0 {
				nodes = strings.Join(h.Nodes, ",")
			}
			scope := h.Scope
			if h.System {
				scope += " (system)"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", h.Subject, scope, strings.Join(h.Verbs, ","), nodes, h.Path, strings.Join(h.Workloads, ","))
		}
		return tw.Flush()
	default:
		return fmt.Errorf("%w: unknown who-can format %q (table|json)", finding.ErrUsage, format)
	}
}
