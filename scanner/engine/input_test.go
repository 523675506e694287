package engine

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/kubelet-audit/kubelet-audit/scanner/facts"
)

// jsonValue is the reference conversion: encoding/json, then OPA's decoder.
func jsonValue(t *testing.T, doc *facts.Document) ast.Value {
	t.Helper()
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	v, err := ast.ValueFromReader(strings.NewReader(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// richDoc fills kubelet, config and verification facts too, including nil
// and empty slices, pointers, maps and omitempty fields.
func richDoc() *facts.Document {
	doc := smallDoc()
	doc.Subjects[0].Workloads = []facts.Workload{{Kind: "Pod", Namespace: "a", Name: "p", AutomountToken: true}}
	doc.Subjects[0].Grants[0].Path.AggregatedFrom = &facts.Ref{Kind: "ClusterRole", Name: "x", Annotations: map[string]string{"k": "v"}}
	doc.Kubelets = []facts.Kubelet{{
		Target: "127.0.0.1:10250", State: facts.StateChecked, Anonymous: "enabled",
		TLS:    &facts.TLSFacts{Version: "TLS1.3", DaysLeft: -3, DNSNames: []string{}, IPAddresses: nil},
		Probes: []facts.Probe{{ID: "T1", Method: "GET", Path: "/healthz", Status: 403, PodCount: -1}},
		Config: &facts.KubeletConfig{Origin: "configz", ReadOnlyPort: 10255, FeatureGates: map[string]bool{"A": true}, FieldLines: map[string]int{}},
	}}
	doc.KubeletConfigs = []facts.KubeletConfig{{Origin: "file", Set: []string{"readOnlyPort"}, StreamingConnectionIdleTimeoutSeconds: 14400}}
	doc.Verifications = []facts.Verification{{Subject: "User:a", Subresource: "proxy", Verb: "get", APIServer: true}}
	return doc
}

func TestInputValueMatchesJSON(t *testing.T) {
	for name, doc := range map[string]*facts.Document{
		"empty": facts.New("manifests"), "small": smallDoc(), "rich": richDoc(), "large": largeDoc(300),
		"zero": {},
	} {
		got, err := InputValue(doc)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		want := jsonValue(t, doc)
		if got.Compare(want) != 0 {
			t.Errorf("%s: direct conversion differs from JSON:\n got %v\nwant %v", name, got, want)
		}
	}
}
