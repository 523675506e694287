package scanner

import (
	"context"
	"fmt"

	"github.com/kubelet-audit/kubelet-audit/scanner/facts"
	"github.com/kubelet-audit/kubelet-audit/scanner/finding"
	"github.com/kubelet-audit/kubelet-audit/scanner/kubelet"
	"github.com/kubelet-audit/kubelet-audit/scanner/kubeletconfig"
	"github.com/kubelet-audit/kubelet-audit/scanner/load"
	"github.com/kubelet-audit/kubelet-audit/scanner/rbac"
)

// loadManifests reads manifest paths into the inventory; KubeletConfiguration
// documents among them are audited too.
func (s *scan) loadManifests(ctx context.Context) {
	s.rbacInput = true
	s.sources = append(s.sources, s.opts.Paths...)
	res, err := load.Load(ctx, s.opts.Paths, load.Options{Stdin: s.opts.Stdin, MaxFileSize: s.opts.MaxFileSize, Sized: s.opts.InputSized})
	if res != nil {
		s.errs = append(s.errs, res.Errors...)
		// Only documents that parsed as objects count: a directory of junk
		// is "nothing scannable", not a clean scan.
		s.checked += res.Documents
		s.inv.Merge(res.Inventory)
	}
	// err only summarises per-file errors; keep it when there are none.
	if err != nil && (res == nil || len(res.Errors) == 0) {
		s.errs = append(s.errs, finding.ScanError{Stage: "load", Message: err.Error()})
	}
	s.auditRawConfigs()
}

// auditRawConfigs audits KubeletConfiguration documents found among
// manifests. A file holding only KubeletConfiguration documents is parsed
// again by the config parser, which keeps each field's line; otherwise the
// findings point at the document start.
func (s *scan) auditRawConfigs() {
	perFile := map[string]int{}
	for _, raw := range s.inv.KubeletConfigs {
		perFile[raw.Source.File]++
	}
	done := map[string]bool{}
	for _, raw := range s.inv.KubeletConfigs {
		file := raw.Source.File
		if done[file] {
			continue
		}
		if file != "-" && file != "" {
			if cfgs, errs := kubeletconfig.ParseFiles([]string{file}); len(errs) == 0 && len(cfgs) == perFile[file] {
				s.doc.KubeletConfigs = append(s.doc.KubeletConfigs, cfgs...)
				done[file] = true
				continue
			}
		}
		cfg, err := kubeletconfig.FromRaw(raw)
		if err != nil {
			s.errs = append(s.errs, finding.ScanError{Stage: "config", Source: file, Line: raw.Source.Line, Message: err.Error()})
			continue
		}
		s.doc.KubeletConfigs = append(s.doc.KubeletConfigs, *cfg)
	}
}

// loadKubeletConfigs audits KubeletConfiguration files.
func (s *scan) loadKubeletConfigs() {
	s.sources = append(s.sources, s.opts.KubeletConfigs...)
	cfgs, errs := kubeletconfig.ParseFiles(s.opts.KubeletConfigs)
	s.errs = append(s.errs, errs...)
	s.doc.KubeletConfigs = append(s.doc.KubeletConfigs, cfgs...)
	s.checked += len(cfgs)
}

// resolve computes effective node access from the inventory.
func (s *scan) resolve() {
	res, errs := rbac.Resolve(s.inv, rbac.Options{Live: s.live, ReleaseBindings: true})
	s.errs = append(s.errs, errs...)
	s.doc.Subjects = appendOrTake(s.doc.Subjects, res.Subjects)
	s.doc.Roles = appendOrTake(s.doc.Roles, res.Roles)
	s.doc.Bindings = appendOrTake(s.doc.Bindings, res.Bindings)
}

// appendOrTake appends add to list, or returns add itself when list is
// empty: the resolver's result is not used again, and a copy of it is
// about 100 MB on a cluster with 250,000 bindings.
func appendOrTake[T any](list, add []T) []T {
	if len(list) == 0 {
		return add
	}
	return append(list, add...)
}

// probe runs the safe probe plan; unreachable kubelets and probes without an
// answer become scan errors, never passes.
func (s *scan) probe(ctx context.Context, targets []kubelet.Target, opts kubelet.Options) {
	results := kubelet.Probe(ctx, targets, opts)
	for i := range results {
		k := &results[i]
		s.sources = append(s.sources, k.Target)
		src := k.Target
		if k.Node != "" {
			src = "node " + k.Node + " (" + k.Target + ")"
		}
		if k.State != facts.StateChecked {
			s.errs = append(s.errs, finding.ScanError{Stage: "probe", Source: src,
				Message: fmt.Sprintf("could not check kubelet: %s: %s", k.State, k.Error)})
			continue
		}
		s.checked++
		for _, p := range k.Probes {
			if p.Outcome == facts.OutcomeError {
				s.errs = append(s.errs, finding.ScanError{Stage: "probe", Source: src,
					Message: fmt.Sprintf("could not check %s %s %s: %s", p.ID, p.Method, p.Path, p.Error)})
			}
		}
		s.attachConfigz(k)
	}
	s.doc.Kubelets = append(s.doc.Kubelets, results...)
}

// attachConfigz parses a /configz body the anonymous or authenticated probe read.
func (s *scan) attachConfigz(k *facts.Kubelet) {
	if len(k.ConfigzBody) == 0 || k.Config != nil {
		return
	}
	cfg, err := kubeletconfig.ParseConfigz(k.ConfigzBody, nodeOrTarget(k))
	if err != nil {
		s.errs = append(s.errs, finding.ScanError{Stage: "config", Source: nodeOrTarget(k), Message: "parse /configz: " + err.Error()})
		return
	}
	cfg.Location = k.Location
	k.Config = cfg
}

func nodeOrTarget(k *facts.Kubelet) string {
	if k.Node != "" {
		return k.Node
	}
	return k.Target
}
