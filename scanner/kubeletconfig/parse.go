// Package kubeletconfig decodes KubeletConfiguration files and live /configz
// bodies into facts.KubeletConfig with the defaults the kubelet itself
// applies, keeping the line of every audited field so findings point at it.
//
// Semantics mirrored from the kubelet (v1.37): YAML is read like
// sigs.k8s.io/yaml reads it (yes/no/on/off are booleans), keys are matched
// case-sensitively, unknown fields are ignored (the kubelet's lenient
// fallback), and SetDefaults_KubeletConfiguration runs on file contents —
// including its quirk that a written zero duration means "use the default".
package kubeletconfig

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	kjson "k8s.io/apimachinery/pkg/util/json"
	kubeletv1beta1 "k8s.io/kubelet/config/v1beta1"

	"github.com/kubelet-audit/kubelet-audit/scanner/facts"
	"github.com/kubelet-audit/kubelet-audit/scanner/finding"
	"github.com/kubelet-audit/kubelet-audit/scanner/inventory"
)

// Identity of the audited documents.
const (
	APIVersion = "kubelet.config.k8s.io/v1beta1"
	Kind       = "KubeletConfiguration"
	// Stage names this collector in finding.ScanError.
	Stage = "config"
	// configzKey wraps the config in a /configz answer: {"kubeletconfig":{...}}.
	configzKey = "kubeletconfig"
	// maxFileSize caps what ParseFiles reads of one file.
	maxFileSize = 8 << 20
)

// Origins accepted by Parse.
const (
	OriginFile    = "file"
	OriginConfigz = "configz"
)

// Parse decodes one KubeletConfiguration (YAML or JSON) or one saved /configz
// body, and applies the kubelet's file defaults (origin "file") or fills only
// absent fields (origin "configz", already defaulted by the kubelet). loc
// names the source; when loc.Line > 0, data is taken to start at that line,
// so FieldLines are file lines.
func Parse(data []byte, loc finding.Location, origin string) (*facts.KubeletConfig, error) {
	m, err := modeFor(origin)
	if err != nil {
		return nil, err
	}
	docs := splitDocs(data)
	if len(docs) != 1 {
		return nil, fmt.Errorf("parse kubelet config %s: want one document, found %d", loc, len(docs))
	}
	d := docs[0]
	if d.err != nil {
		return nil, fmt.Errorf("parse kubelet config %s: %w", loc, d.err)
	}
	if loc.Line > 1 {
		d = shift(d, loc.Line-1)
	}
	cfg, err := decodeDoc(d, m, nil)
	if err != nil {
		return nil, fmt.Errorf("parse kubelet config %s: %w", loc, err)
	}
	cfg.Location = finding.Location{File: loc.File, Line: max(d.start, loc.Line), URI: loc.URI}
	cfg.Name = nameFor("", cfg.Location)
	return cfg, nil
}

// ParseConfigz decodes a live /configz answer ({"kubeletconfig":{...}}) read
// from node. The kubelet already defaulted it, so only absent fields get the
// file defaults. Findings point at k8s://node/<node>/configz.
func ParseConfigz(body []byte, node string) (*facts.KubeletConfig, error) {
	loc := finding.Location{URI: "k8s://node/" + node + "/configz"}
	docs := splitDocs(body)
	if len(docs) != 1 || docs[0].err != nil {
		return nil, fmt.Errorf("parse configz of node %s: %w", node, firstErr(docs, "not a single JSON object"))
	}
	if _, ok := docs[0].value[configzKey].(map[string]any); !ok {
		return nil, fmt.Errorf("parse configz of node %s: no %q object in the body (not a kubelet /configz answer)", node, configzKey)
	}
	cfg, err := decodeDoc(docs[0], modeConfigz, nil)
	if err != nil {
		return nil, fmt.Errorf("parse configz of node %s: %w", node, err)
	}
	cfg.FieldLines = nil // lines of an HTTP body mean nothing to a reader
	cfg.Node, cfg.Location, cfg.Name = node, loc, nameFor(node, loc)
	return cfg, nil
}

// FromRaw decodes a KubeletConfiguration the manifest loader found. Its JSON
// is re-encoded, so findings point at the document start (obj.Source).
func FromRaw(obj inventory.RawObject) (*facts.KubeletConfig, error) {
	if obj.Kind != Kind {
		return nil, fmt.Errorf("kubelet config %s: kind %q is not %s", obj.Source, obj.Kind, Kind)
	}
	docs := splitDocs(obj.JSON)
	if len(docs) != 1 || docs[0].err != nil {
		return nil, fmt.Errorf("kubelet config %s: %w", obj.Source, firstErr(docs, "not a single JSON object"))
	}
	cfg, err := decodeDoc(docs[0], modeFile, nil)
	if err != nil {
		return nil, fmt.Errorf("kubelet config %s: %w", obj.Source, err)
	}
	cfg.FieldLines = nil
	cfg.Location, cfg.Name = obj.Source, nameFor("", obj.Source)
	return cfg, nil
}

// ParseFiles reads KubeletConfiguration files (one or more documents each).
// Only KubeletConfiguration documents and saved /configz bodies are audited.
// Documents of a kubeadm configuration (kubeadm.k8s.io kinds and their
// KubeProxyConfiguration) set kubeadm defaults for the file's
// KubeletConfiguration and are otherwise skipped silently; every other kind,
// non-YAML input and templates become ScanErrors naming file:line, and the
// other files and documents go on.
func ParseFiles(paths []string) ([]facts.KubeletConfig, []finding.ScanError) {
	cfgs := []facts.KubeletConfig{}
	var errs []finding.ScanError
	for _, p := range paths {
		c, e := parseFile(p)
		cfgs = append(cfgs, c...)
		errs = append(errs, e...)
	}
	return cfgs, errs
}

func parseFile(path string) ([]facts.KubeletConfig, []finding.ScanError) {
	fail := func(line int, format string, args ...any) []finding.ScanError {
		return []finding.ScanError{{Stage: Stage, Source: path, Line: line, Message: fmt.Sprintf(format, args...)}}
	}
	data, err := readCapped(path)
	if err != nil {
		return nil, fail(0, "read kubelet config: %v", err)
	}
	if line, marker := templateLine(data); line > 0 {
		return nil, fail(line, "template syntax %q: this is a Jinja/Helm/Go template, not a KubeletConfiguration; render it first (ansible template, helm template, ...) and scan the rendered file", marker)
	}
	docs := splitDocs(data)
	ka := kubeadmOf(docs)
	var cfgs []facts.KubeletConfig
	var errs []finding.ScanError
	for _, d := range docs {
		cfg, skip, err := fileDoc(d, ka)
		switch {
		case err != nil:
			errs = append(errs, fail(errLine(err), "%s", message(err))...)
		case cfg != nil:
			cfg.Location = finding.Location{File: path, Line: d.start}
			cfg.Name = nameFor("", cfg.Location)
			cfgs = append(cfgs, *cfg)
		case !skip:
			errs = append(errs, fail(d.start, "skipped: %s is not a KubeletConfiguration; only KubeletConfiguration documents are audited", describeKind(d))...)
		}
	}
	if len(cfgs) == 0 && len(errs) == 0 {
		errs = fail(0, "no KubeletConfiguration document found")
	}
	return cfgs, errs
}

// fileDoc decodes one document of a file: a config, or skip=true for kubeadm
// context documents, or neither for documents of other kinds.
func fileDoc(d doc, ka *kubeadmContext) (cfg *facts.KubeletConfig, skip bool, err error) {
	if d.err != nil {
		return nil, false, d.err
	}
	kind, apiVersion := kindOf(d.value)
	switch {
	case kind == Kind || isConfigz(d.value):
		cfg, err := decodeDoc(d, modeFile, ka)
		return cfg, false, err
	case ka != nil && (isKubeadm(apiVersion) || strings.HasPrefix(apiVersion, "kubeproxy.config.k8s.io/")):
		return nil, true, nil
	}
	return nil, false, nil
}

// decodeDoc decodes a KubeletConfiguration document, or the config inside a
// /configz body (which switches to configz defaulting).
func decodeDoc(d doc, m mode, ka *kubeadmContext) (*facts.KubeletConfig, error) {
	if isConfigz(d.value) {
		d, m, ka = unwrapConfigz(d), modeConfigz, nil
	}
	kind, apiVersion := kindOf(d.value)
	switch {
	case m == modeConfigz && kind == "" && apiVersion == "":
		// /configz of some kubelets carries no type meta.
	case kind != Kind:
		return nil, errAt(lineOr(d, "kind"), "kind %q is not %s", kind, Kind)
	case apiVersion != APIVersion:
		return nil, errAt(lineOr(d, "apiVersion"), "unsupported apiVersion %q for %s (want %s)", apiVersion, Kind, APIVersion)
	}
	if err := checkDurations(d); err != nil {
		return nil, err
	}
	kc, err := typed(d)
	if err != nil {
		return nil, err
	}
	cfg := build(kc, d, m, ka)
	return &cfg, nil
}

var structField = regexp.MustCompile(`Go struct field [A-Za-z0-9_]+\.([A-Za-z0-9_.]+) of type`)

// typed decodes the document into the versioned kubelet type the way the
// kubelet does: case-sensitive keys, unknown fields ignored.
func typed(d doc) (*kubeletv1beta1.KubeletConfiguration, error) {
	raw, err := kjson.Marshal(d.value)
	if err != nil {
		return nil, errAt(d.start, "encode document: %v", err)
	}
	var kc kubeletv1beta1.KubeletConfiguration
	if err := kjson.Unmarshal(raw, &kc); err != nil {
		line := d.start
		if m := structField.FindStringSubmatch(err.Error()); m != nil {
			line = lineOr(d, m[1])
		}
		return nil, errAt(line, "decode %s: %s", Kind, strings.TrimPrefix(err.Error(), "json: "))
	}
	return &kc, nil
}

// checkDurations names the line of an unparsable audited duration, which the
// JSON decoder would report without its field.
func checkDurations(d doc) error {
	for _, p := range []string{PathAuthnCacheTTL, PathAuthzAuthorizedTTL, PathAuthzUnauthorizedTTL, PathStreamingIdle} {
		v, ok := lookup(d.value, p)
		if !ok || v == nil {
			continue
		}
		s, isString := v.(string)
		if !isString {
			return errAt(lineOr(d, p), "%s: duration must be a string like \"4h\" or \"30s\", got %v", p, v)
		}
		if _, err := parseDuration(s); err != nil {
			return errAt(lineOr(d, p), "%s: %v", p, err)
		}
	}
	return nil
}

func lookup(m map[string]any, path string) (any, bool) {
	parts := strings.Split(path, ".")
	var cur any = m
	for _, p := range parts {
		obj, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = obj[p]; !ok {
			return nil, false
		}
	}
	return cur, true
}

func isConfigz(v map[string]any) bool {
	_, ok := v[configzKey].(map[string]any)
	_, hasKind := v["kind"]
	return ok && !hasKind
}

// unwrapConfigz returns the config inside {"kubeletconfig":{...}}; its
// location is the wrapper key's line.
func unwrapConfigz(d doc) doc {
	prefix := configzKey + "."
	out := doc{value: d.value[configzKey].(map[string]any), lines: map[string]int{}, start: lineOr(d, configzKey)}
	for p, l := range d.lines {
		if rest, ok := strings.CutPrefix(p, prefix); ok {
			out.lines[rest] = l
		}
	}
	return out
}

func kindOf(v map[string]any) (kind, apiVersion string) {
	kind, _ = v["kind"].(string)
	apiVersion, _ = v["apiVersion"].(string)
	return kind, apiVersion
}

func isKubeadm(apiVersion string) bool { return strings.HasPrefix(apiVersion, "kubeadm.k8s.io/") }

// kubeadmOf returns the kubeadm context of a file, nil when it holds no
// kubeadm documents.
func kubeadmOf(docs []doc) *kubeadmContext {
	var ka *kubeadmContext
	for _, d := range docs {
		kind, apiVersion := kindOf(d.value)
		if d.err != nil || !isKubeadm(apiVersion) {
			continue
		}
		if ka == nil {
			ka = &kubeadmContext{certDir: defaultKubeadmCertDir}
		}
		if dir, ok := d.value["certificatesDir"].(string); ok && kind == "ClusterConfiguration" && dir != "" {
			ka.certDir = dir
		}
	}
	return ka
}

func describeKind(d doc) string {
	kind, apiVersion := kindOf(d.value)
	switch {
	case kind == "":
		return "a document without kind"
	case apiVersion == "":
		return fmt.Sprintf("kind %s", kind)
	}
	return fmt.Sprintf("kind %s (%s)", kind, apiVersion)
}

// lineOr is the line of path in d, else the document start.
func lineOr(d doc, path string) int {
	if l := d.lines[path]; l > 0 {
		return l
	}
	return d.start
}

func shift(d doc, by int) doc {
	out := doc{value: d.value, lines: make(map[string]int, len(d.lines)), start: d.start + by}
	for p, l := range d.lines {
		if l > 0 {
			l += by
		}
		out.lines[p] = l
	}
	return out
}

func modeFor(origin string) (mode, error) {
	switch origin {
	case OriginFile:
		return modeFile, nil
	case OriginConfigz:
		return modeConfigz, nil
	}
	return modeFile, fmt.Errorf("parse kubelet config: unknown origin %q (want %q or %q)", origin, OriginFile, OriginConfigz)
}

// nameFor is what findings call a config: node, file base name, or URI.
func nameFor(node string, loc finding.Location) string {
	switch {
	case node != "":
		return node
	case loc.File != "":
		return filepath.Base(loc.File)
	}
	return loc.URI
}

func firstErr(docs []doc, fallback string) error {
	for _, d := range docs {
		if d.err != nil {
			return d.err
		}
	}
	return errors.New(fallback)
}

// message is an error's text without the "line N: " prefix that ScanError
// renders itself.
func message(err error) string {
	var le *lineError
	if errors.As(err, &le) {
		return le.msg
	}
	return err.Error()
}

func readCapped(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxFileSize {
		return nil, fmt.Errorf("file is larger than %d bytes; not a KubeletConfiguration", maxFileSize)
	}
	return data, nil
}
