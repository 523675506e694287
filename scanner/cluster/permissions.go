package cluster

import (
	"fmt"
	"strings"
)

// Features that need permissions beyond the base read-only scan.
const (
	// FeatureScan is the base `scan --cluster` (everything Load lists).
	FeatureScan = "scan"
	// FeatureVerify is `--verify` (SubjectAccessReview cross-checks).
	FeatureVerify = "verify"
	// FeatureConfigz is `--configz` (/configz through the API server node proxy).
	FeatureConfigz = "configz"
	// FeatureWhoAmI is the scanner asking who it is (low-privilege kubelet probe).
	FeatureWhoAmI = "whoami"
)

// Permission is one RBAC permission the scanner uses. RequiredPermissions is
// the single source for Load's list calls, its forbidden-error messages, the
// deploy/ ClusterRoles (checked by a test) and the README table.
type Permission struct {
	// Group is the API group ("" = core).
	Group string
	// Resource is the plural resource, with "/subresource" when there is one.
	Resource string
	Verb     string
	// Feature is one of the Feature* constants.
	Feature string
	Purpose string
	// Builtin is true when every authenticated user already holds the
	// permission (system:basic-user), so no ClusterRole needs to grant it.
	Builtin bool
	// Dangerous marks permissions that are themselves critical grants.
	Dangerous bool
}

// Qualified is the resource as kubectl names it: "roles.rbac.authorization.k8s.io", "pods".
func (p Permission) Qualified() string {
	if p.Group == "" {
		return p.Resource
	}
	return p.Resource + "." + p.Group
}

// Needs renders the permission for messages: "list roles.rbac.authorization.k8s.io".
func (p Permission) Needs() string { return p.Verb + " " + p.Qualified() }

var permissions = []Permission{
	{Group: "rbac.authorization.k8s.io", Resource: "clusterroles", Verb: "list", Feature: FeatureScan,
		Purpose: "ClusterRoles as stored (aggregated ones with the rules the controller wrote)"},
	{Group: "rbac.authorization.k8s.io", Resource: "clusterrolebindings", Verb: "list", Feature: FeatureScan,
		Purpose: "who is bound to which ClusterRole"},
	{Group: "rbac.authorization.k8s.io", Resource: "roles", Verb: "list", Feature: FeatureScan,
		Purpose: "namespaced Roles (escalation paths, ineffective node grants)"},
	{Group: "rbac.authorization.k8s.io", Resource: "rolebindings", Verb: "list", Feature: FeatureScan,
		Purpose: "namespaced bindings, including RoleBindings to ClusterRoles"},
	{Group: "", Resource: "serviceaccounts", Verb: "list", Feature: FeatureScan,
		Purpose: "ServiceAccounts and their automountServiceAccountToken"},
	{Group: "", Resource: "nodes", Verb: "list", Feature: FeatureScan,
		Purpose: "kubelet targets (addresses and kubelet port)"},
	{Group: "", Resource: "pods", Verb: "list", Feature: FeatureScan,
		Purpose: "running workloads and the ServiceAccount each runs as"},
	{Group: "apps", Resource: "replicasets", Verb: "list", Feature: FeatureScan,
		Purpose: "owner chain Pod -> ReplicaSet -> Deployment"},
	{Group: "batch", Resource: "jobs", Verb: "list", Feature: FeatureScan,
		Purpose: "owner chain Pod -> Job -> CronJob"},
	{Group: "authorization.k8s.io", Resource: "subjectaccessreviews", Verb: "create", Feature: FeatureVerify,
		Purpose: "ask the API server what each subject may do (--verify)"},
	{Group: "", Resource: "nodes/proxy", Verb: "get", Feature: FeatureConfigz, Dangerous: true,
		Purpose: "read /configz through the API server node proxy (--configz); exec-equivalent, grant only for the scan"},
	{Group: "authentication.k8s.io", Resource: "selfsubjectreviews", Verb: "create", Feature: FeatureWhoAmI, Builtin: true,
		Purpose: "learn the scanner's own identity (low-privilege kubelet probe)"},
}

// RequiredPermissions returns every permission the scanner uses, in a stable order.
func RequiredPermissions() []Permission {
	return append([]Permission(nil), permissions...)
}

// PermissionsFor returns the permissions of one feature.
func PermissionsFor(feature string) []Permission {
	var out []Permission
	for _, p := range permissions {
		if p.Feature == feature {
			out = append(out, p)
		}
	}
	return out
}

// permission returns the row for resource and verb; it panics on a missing
// row, which is a programming error caught by every test of Load.
func permission(resource, verb string) Permission {
	for _, p := range permissions {
		if p.Resource == resource && p.Verb == verb {
			return p
		}
	}
	panic(fmt.Sprintf("cluster: no permission row for %s %s", verb, resource))
}

// PermissionsMarkdown renders the permission table for README and deploy docs.
func PermissionsMarkdown() string {
	var b strings.Builder
	b.WriteString("| mode | verb | resource | why |\n|---|---|---|---|\n")
	for _, p := range permissions {
		why := p.Purpose
		if p.Builtin {
			why += " (every authenticated user holds it via system:basic-user)"
		}
		if p.Dangerous {
			why = "**DANGEROUS** " + why
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", modeName(p.Feature), p.Verb, p.Qualified(), why)
	}
	return b.String()
}

func modeName(feature string) string {
	switch feature {
	case FeatureScan:
		return "`scan --cluster`"
	case FeatureVerify:
		return "`--verify`"
	case FeatureConfigz:
		return "`--configz`"
	default:
		return "`--auth-probe`"
	}
}
