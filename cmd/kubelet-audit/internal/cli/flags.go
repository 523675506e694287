package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/kubelet-audit/kubelet-audit/reports"
	"github.com/kubelet-audit/kubelet-audit/scanner/baseline"
	"github.com/kubelet-audit/kubelet-audit/scanner/engine"
	"github.com/kubelet-audit/kubelet-audit/scanner/finding"
)

// policyFlags select the policies: built-ins plus --policy dirs, minus --disable.
type policyFlags struct {
	dirs     []string
	disabled []string
}

func (p *policyFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringArrayVar(&p.dirs, "policy", nil, "extra Rego policy directory (repeatable)")
	cmd.Flags().StringSliceVar(&p.disabled, "disable", nil, "rule ids to skip, comma-separated")
}

func (p *policyFlags) engine(ctx context.Context) (*engine.Engine, error) {
	return engine.Load(ctx, engine.Options{PolicyDirs: p.dirs, Disabled: p.disabled})
}

// outputFlags control report formats, destinations and the CI gate.
type outputFlags struct {
	formats       []string
	outputs       []string
	failOn        string
	baseline      string
	writeBaseline string
	quiet         bool
	noColor       bool
	timeout       time.Duration
}

func (o *outputFlags) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringArrayVarP(&o.formats, "format", "f", nil, "report format: "+strings.Join(reports.Formats(), "|")+" (repeatable; default table)")
	f.StringArrayVarP(&o.outputs, "output", "o", nil, "file for the matching --format (repeatable, paired in order; '-' or missing = stdout)")
	f.StringVar(&o.failOn, "fail-on", "high", "exit 1 when an open finding is at or above: none|info|low|medium|high|critical")
	f.StringVar(&o.baseline, "baseline", "", "baseline file: its findings are reported as baselined and do not fail")
	f.StringVar(&o.writeBaseline, "write-baseline", "", "write the open findings of this run to a baseline file")
	f.BoolVarP(&o.quiet, "quiet", "q", false, "no progress notes on stderr")
	f.BoolVar(&o.noColor, "no-color", false, "never colour the table (also: NO_COLOR env)")
	f.DurationVar(&o.timeout, "timeout", 10*time.Minute, "give up the whole scan after this long")
}

// threshold parses --fail-on.
func (o *outputFlags) threshold() (finding.Severity, error) {
	s, err := finding.ParseSeverity(o.failOn)
	if err != nil {
		return 0, fmt.Errorf("%w: --fail-on: %v", finding.ErrUsage, err)
	}
	return s, nil
}

// destination is one format written to one place.
type destination struct {
	format string
	path   string // "" or "-" = stdout
}

// destinations pairs --format and --output in order.
func (o *outputFlags) destinations() ([]destination, error) {
	formats := o.formats
	if len(formats) == 0 {
		formats = []string{"table"}
	}
	if len(o.outputs) > len(formats) {
		return nil, fmt.Errorf("%w: %d --output for %d --format", finding.ErrUsage, len(o.outputs), len(formats))
	}
	var out []destination
	stdout := 0
	files := map[string]bool{}
	for i, f := range formats {
		d := destination{format: f}
		if i < len(o.outputs) {
			d.path = o.outputs[i]
		}
		if d.path == "" || d.path == "-" {
			stdout++
		} else if p := filepath.Clean(d.path); files[p] {
			// Reports are written concurrently: two into one file would interleave.
			return nil, fmt.Errorf("%w: --output %s is given twice; give each --format its own file", finding.ErrUsage, d.path)
		} else {
			files[p] = true
		}
		out = append(out, d)
	}
	if stdout > 1 {
		return nil, fmt.Errorf("%w: only one --format can go to stdout; give --output FILE for the others", finding.ErrUsage)
	}
	return out, nil
}

// log returns where progress notes go.
func (o *outputFlags) log(cmd *cobra.Command) io.Writer {
	if o.quiet {
		return io.Discard
	}
	return cmd.ErrOrStderr()
}

// finish writes every report, the baseline if asked, and returns the verdict.
func (o *outputFlags) finish(cmd *cobra.Command, r *finding.Report) error {
	threshold, err := o.threshold()
	if err != nil {
		return err
	}
	dests, err := o.destinations()
	if err != nil {
		return err
	}
	// Writers only read the report (each renders a normalized copy), and at
	// most one goes to stdout, so the reports are written concurrently.
	errs := make([]error, len(dests))
	var wg sync.WaitGroup
	for i, d := range dests {
		wg.Go(func() { errs[i] = o.write(cmd, d, r) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	if o.writeBaseline != "" {
		if err := baseline.FromReport(r).WriteFile(o.writeBaseline); err != nil {
			return err
		}
	}
	return finding.Gate(r, threshold)
}

func (o *outputFlags) write(cmd *cobra.Command, d destination, r *finding.Report) error {
	root, _ := os.Getwd()
	toStdout := d.path == "" || d.path == "-"
	w, err := reports.New(d.format, reports.Options{Color: toStdout && o.color(cmd.OutOrStdout()), Root: root})
	if err != nil {
		return fmt.Errorf("%w: %v", finding.ErrUsage, err)
	}
	if toStdout {
		return w.Write(cmd.OutOrStdout(), r)
	}
	f, err := os.Create(d.path)
	if err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if err := w.Write(f, r); err != nil {
		f.Close()
		return fmt.Errorf("write %s report to %s: %w", d.format, d.path, err)
	}
	return f.Close()
}

// color is true only for a terminal, without --no-color or NO_COLOR.
func (o *outputFlags) color(w io.Writer) bool {
	if o.noColor || os.Getenv("NO_COLOR") != "" {
		return false
	}
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// validateFormats fails early on an unknown --format, before any scanning.
func (o *outputFlags) validateFormats() error {
	if _, err := o.threshold(); err != nil {
		return err
	}
	for _, f := range o.formats {
		if _, err := reports.New(f, reports.Options{}); err != nil {
			return fmt.Errorf("%w: %v", finding.ErrUsage, err)
		}
	}
	_, err := o.destinations()
	return err
}
