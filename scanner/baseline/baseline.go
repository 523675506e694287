// Package baseline records known findings so a CI gate fails only on new
// ones. A baseline is a JSON file of fingerprints (finding.Fingerprint) with
// enough context for a reviewer to read it; entries that no longer match any
// finding are reported as stale.
package baseline

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"

	"github.com/kubelet-audit/kubelet-audit/scanner/finding"
)

// SchemaVersion of the baseline file.
const SchemaVersion = "kubelet-audit/baseline/v1"

// Entry is one accepted finding.
type Entry struct {
	Fingerprint string `json:"fingerprint"`
	RuleID      string `json:"ruleId"`
	Resource    string `json:"resource"`
	Subject     string `json:"subject,omitempty"`
	Message     string `json:"message"`
}

// File is the baseline document.
type File struct {
	SchemaVersion string  `json:"schemaVersion"`
	Findings      []Entry `json:"findings"`
}

// FromReport builds a baseline of the report's open findings.
func FromReport(r *finding.Report) *File {
	f := &File{SchemaVersion: SchemaVersion, Findings: []Entry{}}
	seen := map[string]bool{}
	for _, fd := range r.Findings {
		if fd.Status != finding.StatusOpen || seen[fd.Fingerprint] {
			continue
		}
		seen[fd.Fingerprint] = true
		f.Findings = append(f.Findings, Entry{
			Fingerprint: fd.Fingerprint, RuleID: fd.RuleID, Resource: fd.Resource.String(),
			Subject: fd.Subject, Message: fd.Message,
		})
	}
	sort.Slice(f.Findings, func(i, j int) bool {
		a, b := f.Findings[i], f.Findings[j]
		if a.RuleID != b.RuleID {
			return a.RuleID < b.RuleID
		}
		return a.Fingerprint < b.Fingerprint
	})
	return f
}

// Write encodes the baseline.
func (f *File) Write(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(f)
}

// WriteFile writes the baseline to path.
func (f *File) WriteFile(path string) error {
	out, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("write baseline: %w", err)
	}
	if err := f.Write(out); err != nil {
		out.Close()
		return fmt.Errorf("write baseline %s: %w", path, err)
	}
	return out.Close()
}

// Read loads a baseline file; a wrong schemaVersion is an error.
func Read(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read baseline: %w", err)
	}
	var f File
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("read baseline %s: %w", path, err)
	}
	if f.SchemaVersion != SchemaVersion {
		return nil, fmt.Errorf("read baseline %s: schemaVersion %q, want %q", path, f.SchemaVersion, SchemaVersion)
	}
	return &f, nil
}

// Apply marks open findings whose fingerprint is in the baseline as
// baselined and records baseline entries that matched nothing as stale.
func (f *File) Apply(r *finding.Report) {
	known := make(map[string]Entry, len(f.Findings))
	for _, e := range f.Findings {
		known[e.Fingerprint] = e
	}
	matched := map[string]bool{}
	for i := range r.Findings {
		fd := &r.Findings[i]
		if _, ok := known[fd.Fingerprint]; !ok {
			continue
		}
		matched[fd.Fingerprint] = true
		if fd.Status == finding.StatusOpen {
			fd.Status = finding.StatusBaselined
			fd.StatusReason = "accepted in baseline"
		}
	}
	var stale []string
	for _, e := range f.Findings {
		if !matched[e.Fingerprint] {
			stale = append(stale, fmt.Sprintf("%s %s %s (%s)", e.Fingerprint, e.RuleID, e.Resource, e.Subject))
		}
	}
	sort.Strings(stale)
	r.Summary.Stale = stale
}
