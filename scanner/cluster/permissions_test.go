package cluster

import (
	"strings"
	"testing"
)

func TestRequiredPermissions(t *testing.T) {
	seen := map[string]bool{}
	for _, p := range RequiredPermissions() {
		key := p.Verb + " " + p.Qualified()
		if seen[key] {
			t.Errorf("duplicate row %s", key)
		}
		seen[key] = true
		if p.Purpose == "" || p.Verb == "" || p.Resource == "" {
			t.Errorf("incomplete row %+v", p)
		}
		switch p.Feature {
		case FeatureScan:
			if p.Verb != "list" || p.Dangerous || strings.Contains(p.Resource, "/") {
				t.Errorf("the base scan must only list whole resources: %+v", p)
			}
		case FeatureVerify, FeatureConfigz, FeatureWhoAmI:
		default:
			t.Errorf("unknown feature %q", p.Feature)
		}
		if strings.HasPrefix(p.Resource, "nodes/") && !p.Dangerous {
			t.Errorf("node subresource %s must be marked dangerous", p.Resource)
		}
	}
	if got := permission("roles", "list").Needs(); got != "list roles.rbac.authorization.k8s.io" {
		t.Errorf("Needs %q", got)
	}
	if got := permission("pods", "list").Needs(); got != "list pods" {
		t.Errorf("Needs %q", got)
	}
	if ConfigzPermission != permission("nodes/proxy", "get").Verb+" "+permission("nodes/proxy", "get").Resource {
		t.Errorf("ConfigzPermission %q disagrees with the table", ConfigzPermission)
	}
}

func TestPermissionPanicsOnUnknownRow(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("no panic for a permission missing from the table")
		}
	}()
	permission("secrets", "list")
}

func TestPermissionsMarkdown(t *testing.T) {
	md := PermissionsMarkdown()
	lines := strings.Split(strings.TrimSpace(md), "\n")
	if len(lines) != 2+len(RequiredPermissions()) {
		t.Fatalf("%d lines, want header + %d rows:\n%s", len(lines), len(RequiredPermissions()), md)
	}
	for _, want := range []string{
		"| `scan --cluster` | list | roles.rbac.authorization.k8s.io |",
		"| `--verify` | create | subjectaccessreviews.authorization.k8s.io |",
		"| `--configz` | get | nodes/proxy | **DANGEROUS**",
		"system:basic-user",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
}
