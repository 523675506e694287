// Package scanner runs one kubelet-audit scan: it collects facts from the
// requested sources (manifests, kubelet configuration files, a live cluster,
// kubelet probes), evaluates the policies once and returns the report.
// Data flows one way: load -> facts -> policies -> findings -> report.
package scanner

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"time"

	"github.com/kubelet-audit/kubelet-audit/scanner/baseline"
	"github.com/kubelet-audit/kubelet-audit/scanner/engine"
	"github.com/kubelet-audit/kubelet-audit/scanner/facts"
	"github.com/kubelet-audit/kubelet-audit/scanner/finding"
	"github.com/kubelet-audit/kubelet-audit/scanner/inventory"
	"github.com/kubelet-audit/kubelet-audit/scanner/kubelet"
)

// Options select the sources of one scan. At least one source is required.
type Options struct {
	// Paths are manifest files or directories; "-" reads Stdin.
	Paths       []string
	Stdin       io.Reader
	MaxFileSize int64
	// InputSized, when set, is called with the total size of the manifest
	// files once they are found, before any is read (the CLI sizes the
	// collector's heap floor by it, internal/gcfloor).
	InputSized func(bytes int64)
	// FactsBuilt, when set, is called once the facts are built, before the
	// memory they took is collected and the policies are evaluated (the CLI
	// keeps the collector's heap floor at the heap in use then,
	// internal/gcfloor).
	FactsBuilt func()
	// KubeletConfigs are KubeletConfiguration files to audit.
	KubeletConfigs []string
	// Probe lists kubelets to probe directly (the probe command).
	Probe *ProbeOptions
	// Cluster scans a live cluster.
	Cluster *ClusterOptions
	// Engine holds the compiled policies (engine.Load).
	Engine *engine.Engine
	// Baseline is a baseline file whose findings are marked baselined.
	Baseline string
	// Version is the tool version for the report.
	Version string
	// Log receives progress notes and warnings (stderr); nil discards.
	Log io.Writer
	// Timings, when set, receives the wall time of each stage (developers:
	// the hidden --timings flag; docs/benchmarks.md).
	Timings io.Writer
}

// ProbeOptions probe kubelets given by address.
type ProbeOptions struct {
	Targets []kubelet.Target
	Kubelet kubelet.Options
}

// scan is the state of one run.
type scan struct {
	opts    Options
	doc     *facts.Document
	inv     *inventory.Inventory
	errs    []finding.ScanError
	sources []string
	// checked counts sources that were read successfully (files, configs,
	// API lists, reachable kubelets); zero means nothing could be scanned.
	checked int
	// rbacInput is true when RBAC was a requested source (manifests, cluster).
	rbacInput bool
	live      bool
	cluster   *clusterState
	// annotations indexes objects' annotations for suppressions; the
	// inventory itself is released once facts are built.
	annotations map[string]map[string]string
	// access and mode outlive the facts document (released before evaluation).
	access []finding.Access
	mode   string
}

// Scan runs the scan. The returned error is nil, finding.ErrNothingScanned
// (nothing could be checked) or finding.ErrUsage (bad options); the CI
// verdict comes from finding.Gate on the report.
func Scan(ctx context.Context, opts Options) (*finding.Report, error) {
	if opts.Engine == nil {
		return nil, fmt.Errorf("%w: no policy engine", finding.ErrUsage)
	}
	if len(opts.Paths) == 0 && len(opts.KubeletConfigs) == 0 && opts.Probe == nil && opts.Cluster == nil {
		return nil, fmt.Errorf("%w: nothing to scan: give manifest paths, --kubelet-config, --cluster or probe targets", finding.ErrUsage)
	}
	if opts.Log == nil {
		opts.Log = io.Discard
	}
	var known *baseline.File
	if opts.Baseline != "" {
		// Read before scanning: a wrong path should not cost a whole scan.
		b, err := baseline.Read(opts.Baseline)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", finding.ErrUsage, err)
		}
		known = b
	}
	s := &scan{opts: opts, doc: facts.New(mode(opts)), inv: newInventory(), mode: mode(opts)}
	if err := s.collect(ctx); err != nil {
		return nil, err
	}
	if s.checked == 0 {
		return s.report(nil), fmt.Errorf("%w: %d error(s)", finding.ErrNothingScanned, len(s.errs))
	}
	start := time.Now()
	// Reports need the access edges of every subject; policies need only
	// the policy view. Keep the edges and let the rest of the facts go, so
	// the evaluation's own memory does not add to them.
	view := s.doc.PolicyView()
	s.access = accessEdges(s.doc.Subjects)
	s.doc = nil
	if opts.FactsBuilt != nil {
		opts.FactsBuilt()
	}
	// The typed objects and the full facts are garbage now, most of the
	// heap on a large cluster. Collect them at once: otherwise the next
	// collection waits until the heap doubles the size it had while they
	// were live, and the evaluation's allocations fill that room.
	runtime.GC()
	found, err := opts.Engine.EvaluateReleasing(ctx, view)
	if err != nil {
		return nil, fmt.Errorf("evaluate policies: %w", err)
	}
	// Likewise the evaluation's Rego values: collect them before the
	// reports are rendered.
	runtime.GC()
	s.timed("evaluate", start)
	start = time.Now()
	r := s.report(found)
	s.timed("findings", start)
	if known != nil {
		known.Apply(r)
		r.Summarize()
	}
	return r, nil
}

func newInventory() *inventory.Inventory { return &inventory.Inventory{} }

func mode(opts Options) string {
	switch {
	case opts.Cluster != nil:
		return "cluster"
	case len(opts.Paths) > 0:
		return "manifests"
	case opts.Probe != nil:
		return "probe"
	default:
		return "kubelet-config"
	}
}

// collect gathers facts from every requested source.
func (s *scan) collect(ctx context.Context) error {
	start := time.Now()
	if len(s.opts.Paths) > 0 {
		s.loadManifests(ctx)
		s.timed("load", start)
	}
	if len(s.opts.KubeletConfigs) > 0 {
		s.loadKubeletConfigs()
	}
	if s.opts.Cluster != nil {
		if err := s.loadCluster(ctx); err != nil {
			return err
		}
	}
	// Every object is in now: index the suppression annotations before the
	// resolver releases the bindings. The facts hold what policies and
	// reports need; on a large cluster the typed objects are most of the
	// heap, so they go as soon as they are resolved.
	s.annotations = annotationIndex(s.inv)
	if s.rbacInput {
		start = time.Now()
		s.resolve()
		s.timed("resolve", start)
	}
	s.inv = nil
	if s.opts.Probe != nil {
		s.probe(ctx, s.opts.Probe.Targets, s.opts.Probe.Kubelet)
	}
	if s.opts.Cluster != nil {
		s.clusterFollowUps(ctx)
	}
	return nil
}

// timed writes a stage's wall time to Options.Timings.
func (s *scan) timed(stage string, start time.Time) { Timed(s.opts.Timings, stage, start) }

// Timed writes the wall time since start of a stage to w (nil: nothing);
// the CLI uses it for the stages around Scan.
func Timed(w io.Writer, stage string, start time.Time) {
	if w != nil {
		fmt.Fprintf(w, "timing: %-9s %v\n", stage, time.Since(start).Round(time.Millisecond))
	}
}

// report assembles the report from the evaluated findings.
func (s *scan) report(found []finding.Finding) *finding.Report {
	r := &finding.Report{
		SchemaVersion: finding.SchemaVersion,
		Tool: finding.Tool{
			Name: "kubelet-audit", Version: s.opts.Version,
			PolicyHash: s.opts.Engine.Hash(),
			URI:        "https://github.com/kubelet-audit/kubelet-audit",
		},
		Mode:     s.mode,
		Sources:  s.sources,
		Rules:    s.opts.Engine.Rules(),
		Findings: s.postProcess(found),
		Errors:   append([]finding.ScanError{}, s.errs...),
		Access:   s.access,
	}
	finding.Sort(r.Findings)
	finding.SortErrors(r.Errors)
	r.Summarize()
	return r
}
