// Package policies holds kubelet-audit's built-in Rego rules, one package per
// rule under policies/<area>/, each with a sibling *_test.rego. The files are
// embedded so a scan never depends on files next to the binary.
package policies

import (
	"embed"
	"io/fs"
)

// The pattern matches every .rego file one directory below policies/
// (rbac/, kubelet/, config/, cluster/, and any area added later). Rule and
// test files are both embedded: the engine compiles the rules and runs the
// tests (engine.Test).
//
//go:embed */*.rego
var files embed.FS

// FS is the built-in policy bundle; paths look like "rbac/broad_node_proxy.rego".
var FS fs.FS = files
