package load

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubelet-audit/kubelet-audit/internal/testfiles"
	"github.com/kubelet-audit/kubelet-audit/scanner/finding"
)

// TestLoadForms loads each input form and asserts every object's Source and
// rule lines exactly.
func TestLoadForms(t *testing.T) {
	multi, list, kubectl, workloads := testdata("multi.yaml"), testdata("list.yaml"), testdata("kubectl.json"), testdata("workloads.yaml")
	tests := []struct {
		name      string
		path      string
		want      []string
		wantErrs  []string
		documents int
		ignored   int
	}{
		{
			name: "multi-document YAML with empty and commented-out documents",
			path: multi,
			want: []string{
				"ClusterRole node-reader @" + multi + ":4 rules=[9 13]",
				"Role default/pod-reader @" + multi + ":32 rules=[37]",
				"ClusterRoleBinding node-reader @" + multi + ":22",
				"RoleBinding apps/pod-reader @" + multi + ":41",
				"ServiceAccount monitoring/agent @" + multi + ":61 automount=false",
			},
			documents: 6, ignored: 1, // the ConfigMap with {{ }} in data is not a template error
		},
		{
			name: "v1 List with aggregationRule, rules: null, a nested ClusterRoleList and a bad item",
			path: list,
			want: []string{
				"ClusterRole aggregated @" + list + ":6 rules=[]",
				"ClusterRole nested @" + list + ":18 rules=[23]",
				"RoleBinding default/last @" + list + ":31",
			},
			wantErrs:  []string{list + ":30: List item 3 is not a Kubernetes object"},
			documents: 1, ignored: 1,
		},
		{
			name: "kubectl get -o json output (ClusterRoleList)",
			path: kubectl,
			want: []string{
				"ClusterRole proxy-reader @" + kubectl + ":4 rules=[12 17]",
				"ClusterRole empty @" + kubectl + ":23 rules=[]",
			},
			documents: 1,
		},
		{
			name: "workloads, their ServiceAccounts and a KubeletConfiguration",
			path: workloads,
			want: []string{
				"Pod default/debug @" + workloads + ":1 sa=default automount=true",
				"Deployment monitoring/agent @" + workloads + ":8 sa=agent automount=false",
				"DaemonSet logging/logs @" + workloads + ":24 sa=legacy-sa automount=true",
				"StatefulSet data/db @" + workloads + ":33 sa=db automount=true",
				"ReplicaSet apps/rs @" + workloads + ":44 sa=rs-sa automount=true",
				"Job batch/once @" + workloads + ":50 sa=job-sa automount=true",
				"CronJob batch/nightly @" + workloads + ":56 sa=cron-sa automount=true",
				"KubeletConfiguration kubelet.config.k8s.io/v1beta1 @" + workloads + ":73",
			},
			documents: 9, ignored: 1, // the apps.openshift.io Deployment
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Load(context.Background(), []string{tc.path}, Options{})
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			diffLists(t, "objects", describe(res.Inventory), tc.want)
			assertErrors(t, res.Errors, tc.wantErrs)
			if res.Files != 1 || res.Documents != tc.documents || res.Ignored != tc.ignored {
				t.Errorf("files/documents/ignored = %d/%d/%d, want 1/%d/%d", res.Files, res.Documents, res.Ignored, tc.documents, tc.ignored)
			}
		})
	}
}

// TestLoadDecodedContent checks what was decoded, not only where: rule
// contents, v1beta1 relabelled as v1, subjects, annotations, raw kubelet JSON.
func TestLoadDecodedContent(t *testing.T) {
	res, err := Load(context.Background(), []string{testdata("multi.yaml"), testdata("workloads.yaml"), testdata("list.yaml")}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	inv := res.Inventory
	cr := inv.ClusterRoles[0]
	if got := cr.Rules[1].Resources[0] + " " + strings.Join(cr.Rules[1].Verbs, ","); got != "nodes/stats get,list" {
		t.Errorf("node-reader rule #2 = %q", got)
	}
	if inv.Roles[0].APIVersion != "rbac.authorization.k8s.io/v1" {
		t.Errorf("v1beta1 Role apiVersion = %q, want it decoded as v1", inv.Roles[0].APIVersion)
	}
	if s := inv.ClusterRoleBindings[0].Subjects[0]; s.Kind != "ServiceAccount" || s.Namespace != "monitoring" || s.Name != "agent" {
		t.Errorf("binding subject = %+v", s)
	}
	if got := inv.Workloads[1].Annotations["kubelet-audit.io/ignore"]; got != "KA-RBAC-001" {
		t.Errorf("Deployment annotation = %q", got)
	}
	if kc := string(inv.KubeletConfigs[0].JSON); !strings.Contains(kc, `"mode":"AlwaysAllow"`) || !strings.Contains(kc, `"readOnlyPort":10255`) {
		t.Errorf("kubelet config JSON = %s", kc)
	}
	var agg = inv.ClusterRoles[len(inv.ClusterRoles)-2] // list.yaml "aggregated"
	if agg.Name != "aggregated" || agg.AggregationRule == nil || agg.Rules != nil {
		t.Errorf("aggregated role = %+v", agg.ClusterRole)
	}
}

// TestLoadReaderErrors feeds bad input and asserts file:line in each
// message, and that the good documents around it still load.
func TestLoadReaderErrors(t *testing.T) {
	const good = "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: after}\n"
	tests := []struct {
		name    string
		in      string
		want    []string // error substrings, "x.yaml:LINE: ..." first
		objects []string // objects still loaded
	}{
		{
			name:    "broken YAML reports the parser line, next document loads",
			in:      "apiVersion: v1\nkind: ConfigMap\ndata:\n  a: [1, 2\n  b: c\n" + good,
			want:    []string{"x.yaml:4: invalid YAML: did not find expected ',' or ']'"},
			objects: []string{"ClusterRole after @x.yaml:7 rules=[]"},
		},
		{
			name:    "tab indentation",
			in:      "kind: ClusterRole\nmetadata:\n\tname: x\n" + good,
			want:    []string{"x.yaml:3: invalid YAML: found character that cannot start any token"},
			objects: []string{"ClusterRole after @x.yaml:5 rules=[]"},
		},
		{
			name:    "unquoted Helm template",
			in:      "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: {{ .Values.name }}\n" + good,
			want:    []string{"x.yaml:4: ClusterRole: looks like an unrendered Helm/Jinja template; render it first (helm template …)"},
			objects: []string{"ClusterRole after @x.yaml:6 rules=[]"},
		},
		{
			name: "quoted Helm template in a role is still a template",
			in:   "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: \"{{ .Values.name }}\"\n",
			want: []string{"x.yaml:4: ClusterRole \"{{ .Values.name }}\": looks like an unrendered Helm/Jinja template"},
		},
		{
			name: "Jinja block",
			in:   "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: r}\n{% if x %}\nrules: []\n{% endif %}\n",
			want: []string{"x.yaml:4: looks like an unrendered Helm/Jinja template"},
		},
		{
			name:    "template after lone CR and LS line breaks counts them",
			in:      "apiVersion: rbac.authorization.k8s.io/v1\r\nkind: ClusterRole\rmetadata:\u2028  name: \"{{ .Values.name }}\"\n" + good,
			want:    []string{"x.yaml:4: ClusterRole \"{{ .Values.name }}\": looks like an unrendered Helm/Jinja template"},
			objects: []string{"ClusterRole after @x.yaml:6 rules=[]"},
		},
		{
			name:    "template markers in an ignored ConfigMap are data",
			in:      "apiVersion: v1\nkind: ConfigMap\ndata:\n  t: '{{ .x }}'\n" + good,
			objects: []string{"ClusterRole after @x.yaml:6 rules=[]"},
		},
		{
			name:    "scalar document",
			in:      "hello\n" + good,
			want:    []string{`x.yaml:1: document is not a Kubernetes object (it is a scalar "hello")`},
			objects: []string{"ClusterRole after @x.yaml:3 rules=[]"},
		},
		{
			name: "list document",
			in:   "# comment\n- a\n- b\n",
			want: []string{"x.yaml:2: document is not a Kubernetes object (it is a list)"},
		},
		{
			name: "missing kind",
			in:   "\n\napiVersion: v1\nmetadata: {name: x}\n",
			want: []string{"x.yaml:3: not a Kubernetes object: missing kind"},
		},
		{
			name: "missing apiVersion on an RBAC kind",
			in:   "kind: ClusterRoleBinding\nmetadata: {name: b}\n",
			want: []string{`x.yaml:1: ClusterRoleBinding "b": missing apiVersion`},
		},
		{
			name:    "rules of the wrong type",
			in:      good + "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: bad}\nrules: \"x\"\n",
			want:    []string{`x.yaml:9: ClusterRole "bad": field rules: got string, want []v1.PolicyRule`},
			objects: []string{"ClusterRole after @x.yaml:2 rules=[]"},
		},
		{
			name: "nested wrong type points at the field",
			in:   "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: b}\nroleRef: {kind: Role, name: r}\nsubjects:\n- kind: User\n  name: [alice]\n",
			want: []string{`x.yaml:7: RoleBinding "b": field subjects.name: got array, want string`},
		},
		{
			name: "core v1 apiVersion on an RBAC kind",
			in:   "apiVersion: v1\nkind: ClusterRole\nmetadata: {name: c}\n",
			want: []string{`x.yaml:1: ClusterRole "c": unsupported apiVersion "v1" for an RBAC kind`},
		},
		{
			name:    "unknown RBAC version",
			in:      good + "---\napiVersion: rbac.authorization.k8s.io/v2\nkind: Role\nmetadata: {name: r}\n",
			want:    []string{`x.yaml:6: Role "r": unsupported apiVersion "rbac.authorization.k8s.io/v2"`},
			objects: []string{"ClusterRole after @x.yaml:2 rules=[]"},
		},
		{
			name:    "removed RBAC versions decode as v1",
			in:      "apiVersion: rbac.authorization.k8s.io/v1alpha1\nkind: ClusterRole\nmetadata: {name: old}\nrules:\n- {apiGroups: [''], resources: [nodes/proxy], verbs: [get]}\n",
			objects: []string{"ClusterRole old @x.yaml:1 rules=[5]"},
		},
		{
			name: "same kind name in another API group is not RBAC",
			in:   "apiVersion: iam.aws.crossplane.io/v1beta1\nkind: Role\nmetadata: {name: aws}\n",
		},
		{
			name: "mapping used as a key",
			in:   "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  ? {a: b}\n  : x\n",
			want: []string{`x.yaml:4: ServiceAccount: a mapping key is not a string`},
		},
		{
			name: "embedded struct names stay out of the field path",
			in:   "apiVersion: 1\nkind: Pod\nmetadata: {name: p}\n",
			want: []string{`x.yaml:1: Pod "p": field apiVersion: got number, want string`},
		},
		{
			name: "infinite number",
			in:   "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  priority: .inf\n",
			want: []string{`x.yaml:5: Pod "p": number ".inf" cannot be represented in JSON`},
		},
		{
			name: "items that are not a list",
			in:   "apiVersion: v1\nkind: List\nitems: {a: b}\n",
			want: []string{"x.yaml:3: List: items is not a list of objects"},
		},
		{
			name: "alias bomb",
			in: "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n" +
				"d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n" +
				"g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n" +
				"apiVersion: v1\nkind: Pod\nmetadata: {name: bomb}\n",
			want: []string{`Pod "bomb": aliases expand to too many nodes`},
		},
		{
			name: "anchors do not cross documents",
			in:   "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: &n shared}\n---\napiVersion: v1\nkind: ServiceAccount\nmetadata: {name: *n}\n",
			want: []string{`x.yaml:7: ServiceAccount "shared": alias *n refers to an anchor of another document`},
		},
		{
			name: "binary stream",
			in:   "apiVersion: v1\x00\x01\x02",
			want: []string{"x.yaml: binary file (contains NUL bytes)"},
		},
		{
			name:    "null, empty and comment-only documents are skipped",
			in:      "...\n---\n---\n~\n---\n# nothing\n...\n" + good,
			objects: []string{"ClusterRole after @x.yaml:9 rules=[]"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := LoadReader(context.Background(), "x.yaml", strings.NewReader(tc.in), Options{})
			if err != nil {
				t.Fatal(err)
			}
			assertErrors(t, res.Errors, tc.want)
			diffLists(t, "objects", describe(res.Inventory), tc.objects)
		})
	}
}

// TestLoadMergeAndAnchors checks YAML features Kubernetes manifests use:
// anchors shared between rules and merge keys.
func TestLoadMergeAndAnchors(t *testing.T) {
	in := `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: anchors}
rules:
- &base
  apiGroups: [""]
  resources: [nodes/proxy]
  verbs: [get]
- <<: *base
  verbs: [create]
- *base
`
	res, _ := LoadReader(context.Background(), "a.yaml", strings.NewReader(in), Options{})
	assertErrors(t, res.Errors, nil)
	diffLists(t, "objects", describe(res.Inventory), []string{"ClusterRole anchors @a.yaml:1 rules=[5 9 11]"})
	rules := res.Inventory.ClusterRoles[0].Rules
	got := []string{}
	for _, r := range rules {
		got = append(got, strings.Join(r.Resources, ",")+":"+strings.Join(r.Verbs, ","))
	}
	diffLists(t, "rules", got, []string{"nodes/proxy:get", "nodes/proxy:create", "nodes/proxy:get"})
}

// TestLoadPaths covers directories, missing and unreadable paths, stdin and
// the "nothing loaded" error.
func TestLoadPaths(t *testing.T) {
	junk := testdata("junk")
	t.Run("directory of mixed junk", func(t *testing.T) {
		res, err := Load(context.Background(), []string{junk}, Options{})
		if err != nil {
			t.Fatalf("Load: %v", err)
		}
		diffLists(t, "objects", describe(res.Inventory), []string{
			"ClusterRole good @" + filepath.Join(junk, "a-good.yaml") + ":1 rules=[6]",
			"ClusterRole after-broken @" + filepath.Join(junk, "b-broken.yaml") + ":8 rules=[]",
			"ServiceAccount kube-system/nested-sa @" + filepath.Join(junk, "sub", "g-nested.json") + ":1 automount=unset",
		})
		assertErrors(t, res.Errors, []string{
			filepath.Join(junk, "b-broken.yaml") + ":5: invalid YAML: did not find expected ',' or ']'",
			filepath.Join(junk, "c-helm.yaml") + ":1: looks like an unrendered Helm/Jinja template",
			filepath.Join(junk, "d-binary.yaml") + ": binary file",
			filepath.Join(junk, "e-scalar.yml") + ":1: document is not a Kubernetes object",
			filepath.Join(junk, "f-version.yaml") + `:1: ClusterRole "wrong-group": unsupported apiVersion "v1"`,
			filepath.Join(junk, "sub", "h-wrongtype.yaml") + `:5: ClusterRole "wrong-type": field rules: got string`,
		})
		// hidden files/dirs and .txt are not read: 8 manifest files are.
		if res.Files != 8 {
			t.Errorf("Files = %d, want 8", res.Files)
		}
	})
	t.Run("missing path among good ones", func(t *testing.T) {
		res, err := Load(context.Background(), []string{"nope.yaml", testdata("kubectl.json")}, Options{})
		if err != nil {
			t.Fatalf("Load: %v", err)
		}
		assertErrors(t, res.Errors, []string{"nope.yaml: cannot read: no such file or directory"})
		if len(res.Inventory.ClusterRoles) != 2 {
			t.Errorf("ClusterRoles = %d, want 2", len(res.Inventory.ClusterRoles))
		}
	})
	t.Run("nothing loadable", func(t *testing.T) {
		res, err := Load(context.Background(), []string{"nope.yaml", filepath.Join(junk, "c-helm.yaml")}, Options{})
		if !errors.Is(err, ErrNothingLoaded) || !errors.Is(err, finding.ErrNothingScanned) {
			t.Fatalf("err = %v, want ErrNothingLoaded wrapping finding.ErrNothingScanned", err)
		}
		assertErrors(t, res.Errors, []string{"nope.yaml: cannot read", "c-helm.yaml:1: looks like an unrendered"})
	})
	t.Run("unreadable file", func(t *testing.T) {
		p := filepath.Join(t.TempDir(), "secret.yaml")
		if err := os.WriteFile(p, []byte("kind: x\n"), 0o000); err != nil {
			t.Fatal(err)
		}
		if f, err := os.Open(p); err == nil {
			f.Close()
			t.Skip("running with privileges that ignore file modes (root)")
		}
		res, _ := Load(context.Background(), []string{p}, Options{})
		assertErrors(t, res.Errors, []string{p + ": cannot read: permission denied"})
	})
	t.Run("read error after open", func(t *testing.T) {
		const p = "/proc/self/mem" // opens fine, reading offset 0 fails with EIO
		if _, err := os.Stat(p); err != nil {
			t.Skipf("%s not available: %v", p, err)
		}
		res, _ := Load(context.Background(), []string{p}, Options{})
		assertErrors(t, res.Errors, []string{p + ":1: cannot read: input/output error; the rest is not read"})
	})
	t.Run("symlinks: a linked root is walked, a linked subdirectory is not", func(t *testing.T) {
		tmp := t.TempDir()
		real := filepath.Join(tmp, "real")
		if err := os.MkdirAll(filepath.Join(real, "sub"), 0o755); err != nil {
			t.Fatal(err)
		}
		sa := "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: %s, namespace: n}\n"
		for name, body := range map[string]string{"a.yaml": "a", filepath.Join("sub", "b.yml"): "b"} {
			if err := os.WriteFile(filepath.Join(real, name), []byte(fmt.Sprintf(sa, body)), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		link := filepath.Join(tmp, "link")
		if err := os.Symlink(real, link); err != nil {
			t.Skipf("symlinks not supported: %v", err)
		}
		if err := os.Symlink(filepath.Join(real, "sub"), filepath.Join(real, "loop")); err != nil {
			t.Fatal(err)
		}
		res, err := Load(context.Background(), []string{link}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		diffLists(t, "objects", describe(res.Inventory), []string{
			"ServiceAccount n/a @" + filepath.Join(link, "a.yaml") + ":1 automount=unset",
			"ServiceAccount n/b @" + filepath.Join(link, "sub", "b.yml") + ":1 automount=unset",
		})
	})
	t.Run("stdin", func(t *testing.T) {
		in := strings.NewReader("apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: s, namespace: n}\n")
		res, err := Load(context.Background(), []string{"-"}, Options{Stdin: in})
		if err != nil {
			t.Fatal(err)
		}
		diffLists(t, "objects", describe(res.Inventory), []string{"ServiceAccount n/s @-:1 automount=unset"})
	})
	t.Run("cancelled context", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		res, err := Load(ctx, []string{testdata("multi.yaml")}, Options{})
		if !errors.Is(err, context.Canceled) || res.Inventory.Len() != 0 {
			t.Fatalf("err = %v, objects = %d; want context.Canceled and nothing loaded", err, res.Inventory.Len())
		}
	})
}

// TestLoadSized: Options.Sized hears the total size of the files found
// (manifest names under directories, files named explicitly), once, before
// they are read; streams do not count.
func TestLoadSized(t *testing.T) {
	files := map[string]string{
		"a.yaml":       "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: a}\n",
		"sub/b.json":   `{"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "b"}}`,
		"notes.txt":    "not a manifest",
		".hidden.yaml": "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: h}\n",
	}
	dir := testfiles.Tree(t, files)
	extra := filepath.Join(dir, "notes.txt") // named explicitly: read whatever its extension
	want := int64(len(files["a.yaml"]) + len(files["sub/b.json"]) + len(files["notes.txt"]))
	var calls []int64
	opts := Options{Stdin: strings.NewReader(files["a.yaml"]), Sized: func(n int64) { calls = append(calls, n) }}
	if _, err := Load(context.Background(), []string{dir, extra, "-"}, opts); err != nil {
		t.Fatal(err)
	}
	if len(calls) != 1 || calls[0] != want {
		t.Errorf("Sized calls = %v, want one with %d bytes", calls, want)
	}
}

// TestLoadSizeLimit: a file over MaxFileSize is rejected from its size (a
// sparse 50 MB file, never read), a stream is cut at the limit.
func TestLoadSizeLimit(t *testing.T) {
	p := filepath.Join(t.TempDir(), "huge.yaml")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(50 << 20); err != nil { // sparse: costs no disk, and reading it would yield NULs
		t.Fatal(err)
	}
	f.Close()
	res, _ := Load(context.Background(), []string{p}, Options{MaxFileSize: 10 << 20})
	assertErrors(t, res.Errors, []string{p + ": file is 50.0 MiB, over the 10.0 MiB limit (MaxFileSize); not read"})
	if res.Files != 0 {
		t.Errorf("Files = %d, want 0 (not opened)", res.Files)
	}

	doc := "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: s}\n---\n"
	res, _ = LoadReader(context.Background(), "-", strings.NewReader(strings.Repeat(doc, 100)), Options{MaxFileSize: int64(len(doc)*10 + 5)})
	assertErrors(t, res.Errors, []string{"-:41: input is over the MaxFileSize limit"})
	if n := len(res.Inventory.ServiceAccounts); n != 10 {
		t.Errorf("loaded %d ServiceAccounts before the limit, want 10", n)
	}
}

// TestLoadBatchBoundaries: documents are parsed in batches of about 64 KiB;
// lines must stay exact across batches and around a broken document.
func TestLoadBatchBoundaries(t *testing.T) {
	const n, broken = 600, 321
	var sb strings.Builder
	for i := 0; i < n; i++ {
		// 6 lines per document: the role starts on line 6*i+2
		sb.WriteString("---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n")
		if i == broken {
			sb.WriteString("  name: [broken\n")
		} else {
			fmt.Fprintf(&sb, "  name: r%d\n", i)
		}
		sb.WriteString("rules: [{apiGroups: [''], resources: [nodes/proxy], verbs: [get]}]" + strings.Repeat(" ", 100) + "\n")
	}
	if sb.Len() < 2*batchSize {
		t.Fatalf("input of %d bytes does not span several batches", sb.Len())
	}
	res, _ := LoadReader(context.Background(), "big.yaml", strings.NewReader(sb.String()), Options{})
	assertErrors(t, res.Errors, []string{fmt.Sprintf("big.yaml:%d: invalid YAML", 6*broken+5)})
	roles := res.Inventory.ClusterRoles
	if len(roles) != n-1 {
		t.Fatalf("loaded %d roles, want %d", len(roles), n-1)
	}
	for _, r := range roles {
		var i int
		fmt.Sscanf(r.Name, "r%d", &i)
		if r.Source.Line != 6*i+2 || r.RuleLines[0] != 6*i+6 {
			t.Fatalf("role %s at line %d, rule at %v; want %d, [%d]", r.Name, r.Source.Line, r.RuleLines, 6*i+2, 6*i+6)
		}
	}
}
