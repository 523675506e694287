package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/kubelet-audit/kubelet-audit/scanner/finding"
	"github.com/kubelet-audit/kubelet-audit/scanner/kubelet"
)

func newEndpointsCmd() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "endpoints",
		Short: "List the kubelet endpoint catalogue: path -> RBAC subresource and verb -> what an attacker gets",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return writeEndpoints(cmd.OutOrStdout(), kubelet.Endpoints(), format)
		},
	}
	cmd.Flags().StringVarP(&format, "format", "f", "table", "table|json|markdown")
	return cmd
}

func writeEndpoints(w io.Writer, eps []kubelet.Endpoint, format string) error {
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(eps)
	case "table":
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "METHOD\tPATH\tCHECKS\tVERB\tEXEC\tGIVES")
		for _, e := range eps {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%v\t%s\n", e.Method, e.Path, checks(e), e.Verb, e.Exec, e.Gives)
		}
		return tw.Flush()
	case "markdown":
		var b strings.Builder
		b.WriteString("| method | path | RBAC check (nodes/…) | verb | exec | what an attacker gets |\n|---|---|---|---|---|---|\n")
		for _, e := range eps {
			exec := ""
			if e.Exec {
				exec = "yes"
			}
			fmt.Fprintf(&b, "| %s | `%s` | %s | %s | %s | %s |\n", e.Method, e.Path, checks(e), e.Verb, exec, mdEscape(e.Gives))
		}
		_, err := io.WriteString(w, b.String())
		return err
	default:
		return fmt.Errorf("%w: unknown endpoints format %q (table|json|markdown)", finding.ErrUsage, format)
	}
}

// checks renders the subresources the kubelet checks, fine-grained first.
func checks(e kubelet.Endpoint) string {
	if e.FineGrained != "" {
		return e.FineGrained + ", then " + e.Subresource
	}
	return e.Subresource
}
