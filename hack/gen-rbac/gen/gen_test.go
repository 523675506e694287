package gen

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/kubelet-audit/kubelet-audit/scanner/facts"
)

// digest hashes every file under dir (names and bytes) in walk order.
func digest(t *testing.T, dir string) string {
	t.Helper()
	h := sha256.New()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		h.Write([]byte(rel))
		h.Write(b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func TestWriteIsDeterministic(t *testing.T) {
	size, _ := SizeByName("S")
	a, b, c := t.TempDir(), t.TempDir(), t.TempDir()
	ansA, err := Write(a, size, 7)
	if err != nil {
		t.Fatal(err)
	}
	ansB, err := Write(b, size, 7)
	if err != nil {
		t.Fatal(err)
	}
	if digest(t, a) != digest(t, b) || !reflect.DeepEqual(ansA, ansB) {
		t.Error("same size and seed gave different corpora")
	}
	if _, err := Write(c, size, 8); err != nil {
		t.Fatal(err)
	}
	if digest(t, a) == digest(t, c) {
		t.Error("different seeds gave the same corpus")
	}
}

func TestWriteMatchesSize(t *testing.T) {
	for _, name := range []string{"S", "M"} {
		size, err := SizeByName(name)
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		a, err := Write(dir, size, DefaultSeed)
		if err != nil {
			t.Fatal(err)
		}
		c := a.Counts
		if got := c.ClusterRoles + c.Roles; got != size.Roles {
			t.Errorf("%s: %d roles, want %d", name, got, size.Roles)
		}
		if got := c.ClusterRoleBindings + c.RoleBindings; got != size.Bindings {
			t.Errorf("%s: %d bindings, want %d", name, got, size.Bindings)
		}
		if c.Namespaces != size.Namespaces {
			t.Errorf("%s: %d namespaces, want %d", name, c.Namespaces, size.Namespaces)
		}
		// About 2% of roles grant node access; traps are present.
		if lo, hi := size.Roles/100, size.Roles/20+8; c.NodeRoles < lo || c.NodeRoles > hi {
			t.Errorf("%s: %d node roles, want %d..%d", name, c.NodeRoles, lo, hi)
		}
		if c.Traps == 0 {
			t.Errorf("%s: no look-alike traps", name)
		}
		if docs := countDocs(t, filepath.Join(dir, ManifestsDir)); docs != c.Objects {
			t.Errorf("%s: %d objects on disk, answer counts %d", name, docs, c.Objects)
		}
		read, err := ReadAnswer(filepath.Join(dir, AnswerFile))
		if err != nil || !reflect.DeepEqual(read, a) {
			t.Errorf("%s: answer.json does not round-trip: %v", name, err)
		}
	}
}

// countDocs counts YAML documents and JSON List items (one "kind": line
// per object in the indented JSON, minus the List itself).
func countDocs(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if strings.HasSuffix(p, ".json") {
			n += strings.Count(string(b), "\n      \"kind\": \"ClusterRoleBinding\"")
			return nil
		}
		n += strings.Count(string(b), "---\n")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestAnswerCoversEveryCase checks the answer at size S holds each kind of
// subject and the intended holders of the built-in and aggregated roles.
func TestAnswerCoversEveryCase(t *testing.T) {
	size, _ := SizeByName("S")
	a, err := Write(t.TempDir(), size, DefaultSeed)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.WhoCan) != len(facts.Subresources) {
		t.Fatalf("answer has %d subresources, want %d", len(a.WhoCan), len(facts.Subresources))
	}
	kinds := map[string]bool{}
	for _, sub := range facts.Subresources {
		for _, verb := range Verbs {
			for _, id := range a.Holders(sub, verb) {
				kind, _, _ := strings.Cut(id, ":")
				kinds[kind] = true
				if strings.HasPrefix(id, "Group:system:") || strings.HasPrefix(id, "User:system:anonymous") {
					kinds["special"] = true
				}
			}
		}
	}
	for _, k := range []string{"User", "Group", "ServiceAccount", "special"} {
		if !kinds[k] {
			t.Errorf("no %s among the holders", k)
		}
	}
	// cluster-admin reaches every subresource, so checkpoint (rare in node
	// rules) has holders too.
	if len(a.Holders("checkpoint", "create")) == 0 {
		t.Error("no holder of create nodes/checkpoint: cluster-admin bindings missing")
	}
}

func TestSizeByName(t *testing.T) {
	if s, err := SizeByName("xl"); err != nil || s.Roles != 100000 || s.Bindings != 250000 {
		t.Errorf("SizeByName(xl) = %+v, %v", s, err)
	}
	if _, err := SizeByName("XXL"); err == nil || !strings.Contains(err.Error(), "S, M, L, XL") {
		t.Errorf("SizeByName(XXL) error = %v", err)
	}
}

func TestMaskIntent(t *testing.T) {
	tests := []struct {
		verbs []string
		subs  []string
		want  mask
	}{
		{[]string{"get", "list"}, []string{"proxy"}, 1 << bitOf(subIndex("proxy"), 0)},
		{[]string{"list", "watch"}, []string{"proxy"}, 0},
		{[]string{"*"}, []string{"log"}, subMask("log")},
		{[]string{"create"}, []string{"stats", "metrics"}, 1<<bitOf(subIndex("stats"), 1) | 1<<bitOf(subIndex("metrics"), 1)},
	}
	for _, tt := range tests {
		if got := verbMask(tt.verbs, tt.subs...); got != tt.want {
			t.Errorf("verbMask(%v, %v) = %b, want %b", tt.verbs, tt.subs, got, tt.want)
		}
	}
	if allMask() != subMask(facts.Subresources...) {
		t.Error("allMask is not every verb on every subresource")
	}
}
