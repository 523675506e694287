// Package gen builds deterministic synthetic RBAC corpora for benchmarks and
// scale tests, together with the true answer to "who can get/create each
// node subresource".
//
// The answer is computed from the generator's own construction: every role
// carries the node access the generator meant it to grant (a bit mask of
// subresource x {get, create}), aggregated roles get the union of the
// masks of the roles the generator labeled into them, and every
// ClusterRoleBinding hands its role's mask to its subjects. Nothing here
// calls the resolver in scanner/rbac, so comparing the two is not circular.
//
// The corpus mixes ordinary roles with the cases a resolver gets wrong:
// wildcard roles, aggregated ClusterRoles (own selectors and the built-in
// view/edit/admin chain), resourceNames-narrowed rules, special groups,
// RoleBindings to node-granting ClusterRoles (grant nothing on nodes),
// look-alikes (nodes/*, nodes/logs, node/proxy, wrong API group, verbs the
// kubelet never checks), stale stored rules of aggregated roles, bindings
// to missing roles and bindings to built-in cluster-admin and
// system:kubelet-api-admin.
//
// Built-in subjects: the resolver adds bootstrap roles a corpus references
// but never the bootstrap bindings (system:masters -> cluster-admin, ...),
// so built-in holders appear on neither side of the comparison; the
// generator never emits system identities (system:masters, system:nodes,
// kube-system ServiceAccounts) as subjects.
package gen

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kubelet-audit/kubelet-audit/scanner/facts"
)

// Version changes whenever the generated output for a given size and seed
// changes; caches key on it.
const Version = 1

// DefaultSeed is the seed used when none is given.
const DefaultSeed uint64 = 1

// AnswerFile is the name of the answer written into the output directory,
// next to ManifestsDir (outside it, so scanning the manifests never reads
// the answer).
const AnswerFile = "answer.json"

// ManifestsDir is the subdirectory of the output directory that holds the
// manifests: scan DIR/manifests.
const ManifestsDir = "manifests"

// Verbs are the verbs the answer covers.
var Verbs = []string{"get", "create"}

// Size is a corpus size: Roles counts Roles plus ClusterRoles, Bindings
// counts RoleBindings plus ClusterRoleBindings.
type Size struct {
	Name       string `json:"name"`
	Roles      int    `json:"roles"`
	Bindings   int    `json:"bindings"`
	Namespaces int    `json:"namespaces"`
}

// Sizes are the presets of issue 7, smallest first.
var Sizes = []Size{
	{Name: "S", Roles: 200, Bindings: 400, Namespaces: 50},
	{Name: "M", Roles: 2000, Bindings: 5000, Namespaces: 150},
	{Name: "L", Roles: 20000, Bindings: 50000, Namespaces: 500},
	{Name: "XL", Roles: 100000, Bindings: 250000, Namespaces: 500},
}

// SizeByName returns the preset called name (case-insensitive).
func SizeByName(name string) (Size, error) {
	for _, s := range Sizes {
		if strings.EqualFold(s.Name, name) {
			return s, nil
		}
	}
	names := make([]string, len(Sizes))
	for i, s := range Sizes {
		names[i] = s.Name
	}
	return Size{}, fmt.Errorf("unknown size %q (want one of %s)", name, strings.Join(names, ", "))
}

// Counts describe what a corpus holds.
type Counts struct {
	Namespaces          int `json:"namespaces"`
	ClusterRoles        int `json:"clusterRoles"`
	Roles               int `json:"roles"`
	ClusterRoleBindings int `json:"clusterRoleBindings"`
	RoleBindings        int `json:"roleBindings"`
	ServiceAccounts     int `json:"serviceAccounts"`
	Workloads           int `json:"workloads"`
	// Objects counts every object written (List items one by one).
	Objects int `json:"objects"`
	Files   int `json:"files"`
	// NodeRoles are roles the generator gave real node access (before
	// aggregation); Traps are rules written to look like node access that
	// grant none.
	NodeRoles int `json:"nodeRoles"`
	Traps     int `json:"traps"`
}

// Answer is the true answer for one corpus.
type Answer struct {
	Version int    `json:"version"`
	Size    Size   `json:"size"`
	Seed    uint64 `json:"seed"`
	Counts  Counts `json:"counts"`
	// WhoCan maps subresource (facts.Subresources) -> verb (Verbs) -> the
	// sorted subject IDs ("User:x", "Group:x", "ServiceAccount:ns/name")
	// holding it through a ClusterRoleBinding, on every node or on the
	// nodes a resourceNames list names.
	WhoCan map[string]map[string][]string `json:"whoCan"`
}

// Holders returns the subjects holding verb on nodes/<subresource>.
func (a *Answer) Holders(subresource, verb string) []string {
	return a.WhoCan[subresource][verb]
}

// Write generates the corpus of size with seed into dir/manifests (created
// if needed; existing generated files are overwritten) and writes
// dir/answer.json.
func Write(dir string, size Size, seed uint64) (*Answer, error) {
	c := build(size, seed)
	counts, err := c.emit(filepath.Join(dir, ManifestsDir))
	if err != nil {
		return nil, fmt.Errorf("generate %s: %w", size.Name, err)
	}
	a := c.answer(counts)
	b, err := json.MarshalIndent(a, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("generate %s: encode answer: %w", size.Name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, AnswerFile), append(b, '\n'), 0o644); err != nil {
		return nil, fmt.Errorf("generate %s: %w", size.Name, err)
	}
	return a, nil
}

// ReadAnswer reads an answer.json.
func ReadAnswer(path string) (*Answer, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read answer: %w", err)
	}
	var a Answer
	if err := json.Unmarshal(b, &a); err != nil {
		return nil, fmt.Errorf("read answer %s: %w", path, err)
	}
	return &a, nil
}

// answer turns the CRB grants into the sorted who-can table.
func (c *corpus) answer(counts Counts) *Answer {
	a := &Answer{Version: Version, Size: c.size, Seed: c.seed, Counts: counts, WhoCan: map[string]map[string][]string{}}
	sets := make([]map[string]bool, len(facts.Subresources)*len(Verbs))
	for i := range sets {
		sets[i] = map[string]bool{}
	}
	for _, b := range c.crbs {
		m := c.bindingMask(b)
		if m == 0 {
			continue
		}
		for _, s := range b.subjects {
			id := s.id("")
			if id == "" {
				continue
			}
			for bit := range sets {
				if m&(1<<bit) != 0 {
					sets[bit][id] = true
				}
			}
		}
	}
	for si, sub := range facts.Subresources {
		a.WhoCan[sub] = map[string][]string{}
		for vi, verb := range Verbs {
			ids := make([]string, 0, len(sets[bitOf(si, vi)]))
			for id := range sets[bitOf(si, vi)] {
				ids = append(ids, id)
			}
			slices.Sort(ids)
			a.WhoCan[sub][verb] = ids
		}
	}
	return a
}

// BenchSizeEnv names the environment variable that picks the corpus size
// of the per-stage Go benchmarks (default M).
const BenchSizeEnv = "KUBELET_AUDIT_BENCH_SIZE"

// BenchSize is the size the Go benchmarks generate: $KUBELET_AUDIT_BENCH_SIZE, or M.
func BenchSize() (Size, error) {
	name := os.Getenv(BenchSizeEnv)
	if name == "" {
		name = "M"
	}
	return SizeByName(name)
}

// BenchCorpus writes the benchmark corpus (BenchSize, DefaultSeed) into a
// temporary directory of tb and returns the manifests directory and the
// answer; any failure stops the benchmark.
func BenchCorpus(tb testing.TB) (string, *Answer) {
	tb.Helper()
	size, err := BenchSize()
	if err != nil {
		tb.Fatal(err)
	}
	return writeTemp(tb, size)
}

// Corpus writes the corpus of the named size (S, M, L, XL) with DefaultSeed
// into a temporary directory of tb and returns the manifests directory.
func Corpus(tb testing.TB, name string) string {
	tb.Helper()
	size, err := SizeByName(name)
	if err != nil {
		tb.Fatal(err)
	}
	dir, _ := writeTemp(tb, size)
	return dir
}

func writeTemp(tb testing.TB, size Size) (string, *Answer) {
	tb.Helper()
	dir := tb.TempDir()
	a, err := Write(dir, size, DefaultSeed)
	if err != nil {
		tb.Fatal(err)
	}
	return filepath.Join(dir, ManifestsDir), a
}
