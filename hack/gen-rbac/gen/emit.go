package gen

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Objects per cluster-scoped YAML file.
const (
	rolesPerFile    = 500
	bindingsPerFile = 1000
)

// emit writes the corpus: cluster/ holds ClusterRoles and
// ClusterRoleBindings in multi-document YAML files plus one JSON v1 List
// (the bindings to built-in roles, as `kubectl get -o json` writes them);
// namespaces/<ns>.yaml holds each namespace's Namespace, ServiceAccounts,
// workloads, Roles and RoleBindings.
func (c *corpus) emit(dir string) (Counts, error) {
	e := &emitter{counts: Counts{
		Namespaces: len(c.ns), ClusterRoles: len(c.cluster), Roles: len(c.roles),
		ClusterRoleBindings: len(c.crbs), RoleBindings: len(c.rbs), Workloads: len(c.workloads),
		ServiceAccounts: len(c.ns) * c.saPerNS, NodeRoles: c.nodeRoles, Traps: c.traps,
	}}
	for _, sub := range []string{"cluster", "namespaces"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return e.counts, fmt.Errorf("create %s: %w", sub, err)
		}
	}
	for i := 0; i < len(c.cluster); i += rolesPerFile {
		chunk := c.cluster[i:min(i+rolesPerFile, len(c.cluster))]
		err := e.file(filepath.Join(dir, "cluster", fmt.Sprintf("clusterroles-%03d.yaml", i/rolesPerFile)), func(b *strings.Builder) {
			for _, r := range chunk {
				e.role(b, r)
			}
		})
		if err != nil {
			return e.counts, err
		}
	}
	if err := c.emitClusterBindings(e, dir); err != nil {
		return e.counts, err
	}
	if err := c.emitNamespaces(e, dir); err != nil {
		return e.counts, err
	}
	return e.counts, nil
}

func (c *corpus) emitClusterBindings(e *emitter, dir string) error {
	var yamlCRBs, jsonCRBs []*binding
	for _, b := range c.crbs {
		if b.json {
			jsonCRBs = append(jsonCRBs, b)
		} else {
			yamlCRBs = append(yamlCRBs, b)
		}
	}
	for i := 0; i < len(yamlCRBs); i += bindingsPerFile {
		chunk := yamlCRBs[i:min(i+bindingsPerFile, len(yamlCRBs))]
		err := e.file(filepath.Join(dir, "cluster", fmt.Sprintf("clusterrolebindings-%03d.yaml", i/bindingsPerFile)), func(b *strings.Builder) {
			for _, x := range chunk {
				e.binding(b, x)
			}
		})
		if err != nil {
			return err
		}
	}
	return e.jsonList(filepath.Join(dir, "cluster", "builtin-bindings.json"), jsonCRBs)
}

func (c *corpus) emitNamespaces(e *emitter, dir string) error {
	wl := map[string][]workload{}
	for _, w := range c.workloads {
		wl[w.ns] = append(wl[w.ns], w)
	}
	rbs := map[string][]*binding{}
	for _, b := range c.rbs {
		rbs[b.ns] = append(rbs[b.ns], b)
	}
	for _, ns := range c.ns {
		err := e.file(filepath.Join(dir, "namespaces", ns+".yaml"), func(b *strings.Builder) {
			e.doc(b, "v1", "Namespace", "", ns)
			for s := range c.saPerNS {
				e.doc(b, "v1", "ServiceAccount", ns, fmt.Sprintf("sa-%d", s))
			}
			for _, w := range wl[ns] {
				e.workload(b, w)
			}
			for _, r := range c.rolesByNS[ns] {
				e.role(b, r)
			}
			for _, x := range rbs[ns] {
				e.binding(b, x)
			}
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// emitter writes YAML documents and counts them.
type emitter struct {
	counts Counts
}

// file builds one file's text and writes it.
func (e *emitter) file(path string, fill func(*strings.Builder)) error {
	var b strings.Builder
	fill(&b)
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	e.counts.Files++
	return nil
}

// header starts a document; it counts the object.
func (e *emitter) header(b *strings.Builder, apiVersion, kind, ns, name string) {
	e.counts.Objects++
	fmt.Fprintf(b, "---\napiVersion: %s\nkind: %s\nmetadata:\n  name: %s\n", apiVersion, kind, q(name))
	if ns != "" {
		fmt.Fprintf(b, "  namespace: %s\n", q(ns))
	}
}

// doc writes an object with metadata only.
func (e *emitter) doc(b *strings.Builder, apiVersion, kind, ns, name string) {
	e.header(b, apiVersion, kind, ns, name)
}

func (e *emitter) role(b *strings.Builder, r *role) {
	kind := "ClusterRole"
	if r.ns != "" {
		kind = "Role"
	}
	e.header(b, "rbac.authorization.k8s.io/v1", kind, r.ns, r.name)
	if len(r.labels) > 0 {
		b.WriteString("  labels:\n")
		for _, l := range r.labels {
			fmt.Fprintf(b, "    %s: %s\n", q(l[0]), q(l[1]))
		}
	}
	if r.agg >= 0 {
		fmt.Fprintf(b, "aggregationRule:\n  clusterRoleSelectors:\n  - matchLabels:\n      %s: %s\n", q(labelAggTo), q(fmt.Sprintf("agg-%d", r.agg)))
		fmt.Fprintf(b, "  - matchExpressions:\n    - key: %s\n      operator: In\n      values: [%s, %s]\n", q(labelTier), q(fmt.Sprintf("t%d", r.agg)), q("unused"))
	}
	if len(r.rules) == 0 {
		b.WriteString("rules: []\n")
		return
	}
	b.WriteString("rules:\n")
	for _, ru := range r.rules {
		fmt.Fprintf(b, "- apiGroups: %s\n  resources: %s\n  verbs: %s\n", list(ru.groups), list(ru.resources), list(ru.verbs))
		if len(ru.names) > 0 {
			fmt.Fprintf(b, "  resourceNames: %s\n", list(ru.names))
		}
	}
}

func (e *emitter) binding(b *strings.Builder, x *binding) {
	kind := "ClusterRoleBinding"
	if x.ns != "" {
		kind = "RoleBinding"
	}
	e.header(b, "rbac.authorization.k8s.io/v1", kind, x.ns, x.name)
	fmt.Fprintf(b, "roleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: %s\n  name: %s\nsubjects:\n", x.roleKind, q(x.roleName))
	for _, s := range x.subjects {
		switch {
		case s.kind != "ServiceAccount":
			fmt.Fprintf(b, "- kind: %s\n  apiGroup: rbac.authorization.k8s.io\n  name: %s\n", s.kind, q(s.name))
		case s.omitNS || s.ns == "":
			fmt.Fprintf(b, "- kind: ServiceAccount\n  name: %s\n", q(s.name))
		default:
			fmt.Fprintf(b, "- kind: ServiceAccount\n  name: %s\n  namespace: %s\n", q(s.name), q(s.ns))
		}
	}
}

func (e *emitter) workload(b *strings.Builder, w workload) {
	e.header(b, "apps/v1", w.kind, w.ns, w.name)
	fmt.Fprintf(b, "spec:\n  selector:\n    matchLabels: {app: %s}\n  template:\n    metadata:\n      labels: {app: %s}\n    spec:\n", q(w.name), q(w.name))
	if w.sa != "" {
		fmt.Fprintf(b, "      serviceAccountName: %s\n", q(w.sa))
	}
	if w.noAutomount {
		b.WriteString("      automountServiceAccountToken: false\n")
	}
	b.WriteString("      containers:\n      - name: app\n        image: registry.example/app:1.0\n")
}

// jsonList writes bindings as one v1 List.
func (e *emitter) jsonList(path string, bs []*binding) error {
	type subj struct {
		Kind      string `json:"kind"`
		APIGroup  string `json:"apiGroup,omitempty"`
		Name      string `json:"name"`
		Namespace string `json:"namespace,omitempty"`
	}
	items := make([]map[string]any, 0, len(bs))
	for _, x := range bs {
		subs := make([]subj, 0, len(x.subjects))
		for _, s := range x.subjects {
			js := subj{Kind: s.kind, Name: s.name, Namespace: s.ns}
			if s.kind != "ServiceAccount" {
				js.APIGroup = "rbac.authorization.k8s.io"
			}
			subs = append(subs, js)
		}
		items = append(items, map[string]any{
			"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
			"metadata": map[string]any{"name": x.name},
			"roleRef":  map[string]any{"apiGroup": "rbac.authorization.k8s.io", "kind": x.roleKind, "name": x.roleName},
			"subjects": subs,
		})
	}
	body, err := json.MarshalIndent(map[string]any{"apiVersion": "v1", "kind": "List", "items": items}, "", "  ")
	if err != nil {
		return fmt.Errorf("encode %s: %w", path, err)
	}
	if err := os.WriteFile(path, append(body, '\n'), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	e.counts.Objects += len(items)
	e.counts.Files++
	return nil
}

// q quotes s as a YAML double-quoted scalar (JSON string syntax).
func q(s string) string { return strconv.Quote(s) }

// list renders a YAML flow sequence of quoted strings.
func list(xs []string) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = q(x)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}
