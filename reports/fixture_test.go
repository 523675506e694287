package reports

import (
	"github.com/kubelet-audit/kubelet-audit/scanner/finding"
)

// fixtureRoot is the scan root of the fixture; its files live under it
// except one, so SARIF shows both relative and absolute artifact URIs.
const fixtureRoot = "/src/repo"

// fixtureReport covers every feature the writers render: all severities, a
// manifest finding, live k8s:// findings, a suppressed and a baselined
// finding, a finding whose rule is not in the catalogue, markup in
// untrusted text, scan errors, a stale baseline entry and access edges.
// Findings are deliberately out of order: writers sort.
func fixtureReport() *finding.Report {
	return &finding.Report{
		SchemaVersion: finding.SchemaVersion,
		Tool:          finding.Tool{Name: "kubelet-audit", Version: "v1.2.3", PolicyHash: "sha256:0f1e2d", URI: "https://github.com/kubelet-audit/kubelet-audit"},
		Mode:          "offline",
		Sources:       []string{"/src/repo/manifests", "/tmp/extra"},
		Rules:         fixtureRules(),
		Findings:      fixtureFindings(),
		Errors: []finding.ScanError{
			{Stage: "probe", Source: "node/worker-2:10250", Message: "connection refused"},
			{Stage: "load", Source: "/src/repo/manifests/broken.yaml", Line: 7, Message: "yaml: line 7: mapping values are not allowed in this context"},
			{Stage: "resolve", Source: "/src/repo/manifests/bind.yaml", Line: 4, Message: "ClusterRoleBinding orphan refers to missing ClusterRole gone"},
		},
		Access:  fixtureAccess(),
		Summary: finding.Summary{Stale: []string{"9c1d4e7a2b3f4051"}},
	}
}

func fixtureRules() []finding.Rule {
	return []finding.Rule{
		{ID: "KA-RBAC-003", Title: "Node stats/metrics readable by broad groups", Severity: finding.SeverityMedium,
			Description: "Broad groups can read nodes/stats or nodes/metrics, which expose pod names and resource use of every pod.",
			Remediation: "Bind nodes/metrics and nodes/stats only to the monitoring agent's ServiceAccount.",
			Tags:        []string{"rbac", "kubelet"}, Source: "builtin"},
		{ID: "KA-RBAC-001", Title: "nodes/proxy granted to a broad group or a workload", Severity: finding.SeverityCritical,
			Description: "nodes/proxy get/create lets the holder run commands in every pod on the node through the kubelet API.",
			Remediation: "Remove nodes/proxy from the role, or bind it only to the API server's kubelet client identity.",
			References:  []string{"https://kubernetes.io/docs/reference/access-authn-authz/kubelet-authn-authz/", "CIS 5.1.x"},
			Tags:        []string{"rbac", "kubelet"}, CIS: []string{"5.1.1"}, Source: "builtin"},
		{ID: "KA-RBAC-002", Title: "nodes/proxy granted to a named user or group", Severity: finding.SeverityHigh,
			Description: "A named identity can exec into any pod through the kubelet.",
			Remediation: "Grant nodes/proxy only for the duration of an incident, to named nodes.",
			Tags:        []string{"rbac"}, Source: "builtin"},
		{ID: "KA-RBAC-004", Title: "Built-in system binding with node access", Severity: finding.SeverityInfo,
			Description: "Expected Kubernetes system identities hold node access.", Remediation: "None needed; listed for completeness.",
			Tags: []string{"rbac", "system"}, Source: "builtin"},
		{ID: "KA-KUBELET-001", Title: "Kubelet answers anonymous requests", Severity: finding.SeverityCritical,
			Description: "The kubelet serves its API to unauthenticated clients.",
			Remediation: "Set authentication.anonymous.enabled: false and authorization.mode: Webhook in the KubeletConfiguration.",
			References:  []string{"https://kubernetes.io/docs/reference/config-api/kubelet-config.v1beta1/"},
			Tags:        []string{"kubelet"}, Source: "builtin"},
	}
}

func fixtureFindings() []finding.Finding {
	return []finding.Finding{
		{RuleID: "KA-RBAC-003", Severity: finding.SeverityMedium, Title: "Node stats/metrics readable by broad groups",
			Message:  "Group system:serviceaccounts can get nodes/metrics through ClusterRoleBinding metrics-all; every pod's ServiceAccount token can scrape every kubelet.",
			Subject:  "Group:system:serviceaccounts",
			Resource: finding.Resource{Kind: "ClusterRoleBinding", Name: "metrics-all"}, Location: finding.Location{URI: "k8s://clusterrolebinding/metrics-all"},
			Status: finding.StatusBaselined, StatusReason: "in baseline .kubelet-audit-baseline.json", Fingerprint: "3b1f0c9e8d7a6b5c"},
		{RuleID: "KA-RBAC-001", Severity: finding.SeverityCritical, Title: "nodes/proxy granted to a broad group or a workload",
			Message:  "ServiceAccount tools/debug can get, create nodes/proxy (exec into any pod); Deployment tools/debug-shell runs as it.",
			Subject:  "ServiceAccount:tools/debug",
			Resource: finding.Resource{Kind: "ClusterRoleBinding", Name: "debug-proxy"}, Location: finding.Location{File: "/src/repo/manifests/debug.yaml", Line: 12, Column: 3},
			Path:     "ClusterRoleBinding debug-proxy -> ClusterRole debug (rule #1 at manifests/debug.yaml:8) -> nodes/proxy get,create",
			Evidence: map[string]string{"verbs": "get,create", "workload": "Deployment/tools/debug-shell"},
			Status:   finding.StatusOpen, Fingerprint: "a1b2c3d4e5f60718"},
		{RuleID: "KA-KUBELET-001", Severity: finding.SeverityCritical, Title: "Kubelet answers anonymous requests",
			Message:  "GET /pods on worker-1:10250 returned 200 without credentials.",
			Resource: finding.Resource{Kind: "Node", Name: "worker-1"}, Location: finding.Location{URI: "k8s://node/worker-1:10250"},
			Evidence: map[string]string{"endpoint": "/pods", "status": "200"},
			Status:   finding.StatusOpen, Fingerprint: "c0ffee0000000001"},
		{RuleID: "KA-RBAC-001", Severity: finding.SeverityCritical, Title: "nodes/proxy granted to a broad group or a workload",
			Message:  "Every authenticated user can get nodes/proxy.",
			Subject:  "Group:system:authenticated",
			Resource: finding.Resource{Kind: "ClusterRoleBinding", Name: "anon-proxy"}, Location: finding.Location{File: "/src/repo/manifests/anon proxy.yaml", Line: 3},
			Path:   "ClusterRoleBinding anon-proxy -> ClusterRole debug -> nodes/proxy get",
			Status: finding.StatusOpen, Fingerprint: "a1b2c3d4e5f60719"},
		{RuleID: "KA-RBAC-002", Severity: finding.SeverityHigh, Title: "nodes/proxy granted to a named user or group",
			Message:  "User alice can get nodes/proxy on node worker-1.",
			Subject:  "User:alice",
			Resource: finding.Resource{Kind: "ClusterRoleBinding", Name: "alice-proxy"}, Location: finding.Location{File: "/src/repo/manifests/alice.yaml", Line: 5},
			Status: finding.StatusSuppressed, StatusReason: "break-glass account, reviewed 2024-05 by SRE", Fingerprint: "b2c3d4e5f6071829"},
		{RuleID: "KA-RBAC-003", Severity: finding.SeverityMedium, Title: "Node stats/metrics readable by broad groups",
			Message:  "ServiceAccount monitoring/agent can get nodes/metrics and nodes/stats on every node, which is expected for a metrics agent but exposes every pod's name and resource use.",
			Subject:  "ServiceAccount:monitoring/agent",
			Resource: finding.Resource{Kind: "ClusterRoleBinding", Name: "agent"}, Location: finding.Location{File: "/src/repo/manifests/observability/monitoring/prometheus-node-exporter/clusterrolebinding.yaml", Line: 21},
			Status: finding.StatusOpen, Fingerprint: "d4e5f60718293a4b"},
		{RuleID: "KA-CUSTOM-001", Severity: finding.SeverityLow, Title: "Custom: look-alike resource",
			Message:  `ClusterRole "x<script>alert(1)</script>" lists nodes/* | which matches *nothing* [see docs]`,
			Resource: finding.Resource{Kind: "ClusterRole", Name: "x<script>alert(1)</script>"}, Location: finding.Location{File: "/tmp/extra/role.yaml", Line: 2},
			Remediation: "Use nodes/proxy or nodes/metrics explicitly; nodes/* is a literal.",
			Status:      finding.StatusOpen, Fingerprint: "e5f60718293a4b5c"},
		{RuleID: "KA-RBAC-004", Severity: finding.SeverityInfo, Title: "Built-in system binding with node access",
			Message:  "Group system:masters holds * on nodes/* through cluster-admin (expected).",
			Subject:  "Group:system:masters",
			Resource: finding.Resource{Kind: "ClusterRoleBinding", Name: "cluster-admin"}, Location: finding.Location{URI: "k8s://clusterrolebinding/cluster-admin"},
			Status: finding.StatusOpen, Fingerprint: "f60718293a4b5c6d"},
	}
}

func fixtureAccess() []finding.Access {
	crb := func(subject, binding, role, sub string, verbs []string, nodes, workloads []string, file string, line int) finding.Access {
		return finding.Access{Subject: subject, Subresource: sub, Verbs: verbs, Nodes: nodes, Binding: "ClusterRoleBinding/" + binding,
			Role: "ClusterRole/" + role, Location: finding.Location{File: file, Line: line}, Workloads: workloads}
	}
	return []finding.Access{
		crb("ServiceAccount:monitoring/agent", "agent", "metrics-reader", "metrics", []string{"get"}, nil, []string{"DaemonSet/monitoring/node-exporter"}, "/src/repo/manifests/agent.yaml", 4),
		crb("ServiceAccount:tools/debug", "debug-proxy", "debug", "proxy", []string{"get", "create"}, nil, []string{"Deployment/tools/debug-shell"}, "/src/repo/manifests/debug.yaml", 12),
		crb("Group:system:authenticated", "anon-proxy", "debug", "proxy", []string{"get"}, nil, nil, "/src/repo/manifests/anon proxy.yaml", 3),
		crb("ServiceAccount:monitoring/agent", "agent", "metrics-reader", "stats", []string{"get"}, nil, []string{"DaemonSet/monitoring/node-exporter"}, "/src/repo/manifests/agent.yaml", 4),
		crb("Group:system:serviceaccounts", "metrics-all", "metrics-reader", "metrics", []string{"get"}, nil, nil, "", 0),
		crb("User:alice", "alice-proxy", "node-proxier", "proxy", []string{"get"}, []string{"worker-1"}, nil, "/src/repo/manifests/alice.yaml", 5),
		crb("Group:system:masters", "cluster-admin", "cluster-admin", "proxy", []string{"*"}, nil, nil, "", 0),
	}
}
