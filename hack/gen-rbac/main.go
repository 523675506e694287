// Command gen-rbac writes a deterministic synthetic RBAC corpus and its true
// answer (who can get/create each node subresource) for benchmarks and scale
// tests:
//
//	go run ./hack/gen-rbac -size M -out .cache/bench/M
//
// writes DIR/manifests/ (scan it) and DIR/answer.json. The same size and
// seed always give the same bytes.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/kubelet-audit/kubelet-audit/hack/gen-rbac/gen"
)

func main() {
	size := flag.String("size", "S", "corpus size: S, M, L or XL")
	out := flag.String("out", "", "output directory (required)")
	seed := flag.Uint64("seed", gen.DefaultSeed, "random seed")
	flag.Parse()
	if err := run(*size, *out, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "gen-rbac:", err)
		os.Exit(1)
	}
}

func run(sizeName, out string, seed uint64) error {
	if out == "" {
		return fmt.Errorf("-out DIR is required")
	}
	size, err := gen.SizeByName(sizeName)
	if err != nil {
		return err
	}
	a, err := gen.Write(out, size, seed)
	if err != nil {
		return err
	}
	c := a.Counts
	fmt.Printf("%s: %d objects in %d files (%d ClusterRoles, %d Roles, %d ClusterRoleBindings, %d RoleBindings) -> %s\n",
		size.Name, c.Objects, c.Files, c.ClusterRoles, c.Roles, c.ClusterRoleBindings, c.RoleBindings,
		filepath.Join(out, gen.ManifestsDir))
	return nil
}
