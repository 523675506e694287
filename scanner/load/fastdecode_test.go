package load

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	yaml "go.yaml.in/yaml/v3"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	kjson "sigs.k8s.io/json"

	"github.com/kubelet-audit/kubelet-audit/hack/gen-rbac/gen"
)

// fastDecodeTargets are fresh values of every type the node decoder handles.
var fastDecodeTargets = []func() any{
	func() any { return new(rbacv1.Role) },
	func() any { return new(rbacv1.ClusterRole) },
	func() any { return new(rbacv1.RoleBinding) },
	func() any { return new(rbacv1.ClusterRoleBinding) },
	func() any { return new(corev1.ServiceAccount) },
	func() any { return new(appsv1.Deployment) },
	func() any { return new(appsv1.DaemonSet) },
	func() any { return new(appsv1.StatefulSet) },
	func() any { return new(appsv1.ReplicaSet) },
	func() any { return new(batchv1.Job) },
	func() any { return new(corev1.Pod) },
}

// allFast is every type name of fastDecodeTargets.
const allFast = "Role,ClusterRole,RoleBinding,ClusterRoleBinding,ServiceAccount,Deployment,DaemonSet,StatefulSet,ReplicaSet,Job,Pod"

// checkDecode decodes n into each target type through both paths and
// reports any difference; it returns the types the node decoder took.
// ascii tells the node decoder that n comes from the fast parser.
func checkDecode(t *testing.T, name string, n *yaml.Node, ascii bool) []string {
	t.Helper()
	var took []string
	d := nodeDecoder{ascii: ascii}
	for _, mk := range fastDecodeTargets {
		fast, slow := mk(), mk()
		if !d.decode(n, fast) {
			if !reflect.DeepEqual(fast, mk()) {
				t.Errorf("%s: node decoder changed a %T it declined", name, fast)
			}
			continue
		}
		typ := reflect.TypeOf(fast).Elem().Name()
		took = append(took, typ)
		var enc jsonEncoder
		js, err := enc.encode(n)
		if err == nil {
			err = kjson.UnmarshalCaseSensitivePreserveInts(js, slow)
		}
		if err != nil {
			t.Errorf("%s: node decoder took a %s the JSON path rejects: %v", name, typ, err)
		} else if !reflect.DeepEqual(fast, slow) {
			t.Errorf("%s: %s differs:\nnode %#v\njson %#v", name, typ, fast, slow)
		}
	}
	return took
}

// checkDecodeText runs checkDecode on every object (List items included) of
// a YAML text parsed by yaml.v3, and by the fast parser when it takes the
// text; it returns how many objects the node decoder took.
func checkDecodeText(t *testing.T, name string, in []byte) int {
	t.Helper()
	docs, err := parseAll(in)
	if err != nil {
		return 0
	}
	took := checkDecodeDocs(t, name, docs, false)
	var p fastParser
	if fast, ok := p.parse(in); ok {
		checkDecodeDocs(t, name+" (fast parser)", fast, true)
	}
	return took
}

// checkDecodeDocs runs checkDecode on every object of docs.
func checkDecodeDocs(t *testing.T, name string, docs []*yaml.Node, ascii bool) int {
	t.Helper()
	took := 0
	for _, doc := range docs {
		if len(doc.Content) == 0 {
			continue
		}
		root := doc.Content[0]
		objs := []*yaml.Node{root}
		if items := field(root, "items"); items != nil && items.Kind == yaml.SequenceNode {
			objs = append(objs, items.Content...)
		}
		for _, o := range objs {
			if len(checkDecode(t, name, o, ascii)) > 0 {
				took++
			}
		}
	}
	return took
}

var fastDecodeCases = []struct {
	name, in string
	took     string // the type names the node decoder must take, comma-separated
}{
	{"role", "kind: Role\napiVersion: rbac.authorization.k8s.io/v1\nmetadata: {name: r, namespace: n, labels: {a: b}, annotations: {}}\nrules:\n- apiGroups: [\"\"]\n  resources: [pods]\n  resourceNames: [x]\n  verbs: [get]\n- nonResourceURLs: [/metrics]\n  verbs: ['*']\n", "Role,ClusterRole"},
	{"empty rules", "kind: Role\nrules: []\n", "Role,ClusterRole"},
	{"no fields", "{}", allFast},
	{"binding", "kind: RoleBinding\nmetadata: {name: b, uid: u, resourceVersion: \"1\", generateName: g}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: r}\nsubjects:\n- {kind: ServiceAccount, name: s, namespace: n}\n- {kind: Group, apiGroup: rbac.authorization.k8s.io, name: \"system:masters\"}\n", "RoleBinding,ClusterRoleBinding"},
	{"empty subjects", "subjects: []\nroleRef: {}\n", "RoleBinding,ClusterRoleBinding"},
	{"service account", "kind: ServiceAccount\nmetadata: {name: s}\nautomountServiceAccountToken: False\n", "ServiceAccount"},
	{"quoted strings", "metadata: {name: \"true\", namespace: '1'}\n", allFast},
	{"duplicate label", "metadata: {labels: {a: b, a: c}}\n", allFast},
	{"deployment", "kind: Deployment\nmetadata: {name: d, annotations: {a: b}}\nspec:\n  selector:\n    matchLabels: {app: x}\n  template:\n    metadata:\n      labels: {app: x}\n    spec:\n      serviceAccountName: s\n      serviceAccount: t\n      automountServiceAccountToken: false\n      containers:\n      - name: app\n        image: registry/app:1.0\n", "Deployment,DaemonSet,StatefulSet,ReplicaSet,Job"},
	{"empty workload parts", "spec: {selector: {}, template: {}}\n", "Deployment,DaemonSet,StatefulSet,ReplicaSet,Job"},
	{"pod", "kind: Pod\nspec: {serviceAccountName: s, containers: []}\n", "Pod"},
	{"replicas", "spec: {replicas: 2}\n", ""},
	{"container ports", "spec: {containers: [{name: a, ports: []}]}\n", ""},
	{"selector expressions", "spec: {selector: {matchExpressions: []}}\n", ""},
	{"null selector", "spec: {selector: null}\n", ""},
	{"int service account", "spec: {serviceAccountName: 1}\n", ""},
	{"duplicate field", "kind: Role\nkind: Role\n", ""},
	{"null rules", "kind: Role\nrules: null\n", ""},
	{"null name", "metadata: {name: ~}\n", ""},
	{"int name", "metadata: {name: 1}\n", ""},
	{"int label", "metadata: {labels: {a: 1}}\n", ""},
	{"timestamp name", "metadata: {name: 2001-12-14}\n", ""},
	{"tagged string", "metadata: {name: !foo x}\n", ""},
	{"string automount", "automountServiceAccountToken: yes\n", ""},
	{"tagged bool", "automountServiceAccountToken: !!bool true\n", ""},
	{"aggregation", "kind: ClusterRole\naggregationRule: {clusterRoleSelectors: []}\n", ""},
	{"managed fields", "metadata: {name: x, creationTimestamp: null}\n", ""},
	{"unknown field", "kind: Role\nstatus: {}\n", ""},
	{"unknown rule field", "rules: [{verbs: [get], Verbs: [list]}]\n", ""},
	{"alias", "metadata: {name: &a x, namespace: *a}\n", ""},
	{"merge key", "metadata:\n  <<: {name: x}\n", ""},
	{"rule not a mapping", "rules: [get]\n", ""},
	{"sa secrets", "secrets: [{name: x}]\n", ""},
}

// TestFastDecodeMatchesJSON pins which objects the node decoder takes and
// that it decodes them exactly as the JSON path does.
func TestFastDecodeMatchesJSON(t *testing.T) {
	for _, tc := range fastDecodeCases {
		t.Run(tc.name, func(t *testing.T) {
			docs, err := parseAll([]byte(tc.in))
			if err != nil || len(docs) != 1 {
				t.Fatalf("bad case: %v", err)
			}
			got := strings.Join(checkDecode(t, tc.name, docs[0].Content[0], false), ",")
			if got != tc.took {
				t.Errorf("node decoder took %q, want %q", got, tc.took)
			}
		})
	}
}

// TestFastDecodeFiles compares both paths on every object of the test data,
// the real-world corpus and a generated corpus.
func TestFastDecodeFiles(t *testing.T) {
	files, generated := fastTestFiles(t)
	took := 0
	for _, f := range append(files, generated...) {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		took += checkDecodeText(t, f, b)
	}
	if took == 0 {
		t.Error("node decoder took no object")
	}
	t.Logf("node decoder took %d objects", took)
}

// FuzzFastDecode: whenever the node decoder takes an object, the JSON path
// decodes it to an equal value without error.
func FuzzFastDecode(f *testing.F) {
	for _, tc := range fastDecodeCases {
		f.Add([]byte(tc.in))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		checkDecodeText(t, "input", in)
	})
}

// fastTestFiles lists the test data and real-world corpus files, and the
// YAML files of a freshly generated small corpus (the benchmark's shape).
func fastTestFiles(t *testing.T) (files, generated []string) {
	t.Helper()
	for _, pat := range []string{testdata("*"), filepath.Join(repoRoot(t), "..", "shared", "corpus", "*", "*")} {
		m, _ := filepath.Glob(pat)
		files = append(files, m...)
	}
	dir := gen.Corpus(t, "S")
	_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".yaml") {
			generated = append(generated, p)
		}
		return nil
	})
	if len(generated) == 0 {
		t.Fatal("generator wrote no YAML file")
	}
	return files, generated
}
