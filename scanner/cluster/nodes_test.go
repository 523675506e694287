package cluster

import (
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func addr(t corev1.NodeAddressType, a string) corev1.NodeAddress {
	return corev1.NodeAddress{Type: t, Address: a}
}

func TestTargets(t *testing.T) {
	tests := []struct {
		name       string
		node       *corev1.Node
		wantTarget string
		wantType   string
		wantErr    string
	}{
		{name: "InternalIP preferred whatever the order",
			node: node("n1", 10250, addr(corev1.NodeHostName, "n1.local"), addr(corev1.NodeExternalIP, "127.0.0.2"),
				addr(corev1.NodeInternalIP, "127.0.0.1")),
			wantTarget: "127.0.0.1:10250", wantType: "InternalIP"},
		{name: "ExternalIP before Hostname",
			node:       node("n2", 10250, addr(corev1.NodeHostName, "n2.local"), addr(corev1.NodeExternalIP, "127.0.0.2")),
			wantTarget: "127.0.0.2:10250", wantType: "ExternalIP"},
		{name: "Hostname last",
			node:       node("n3", 10250, addr(corev1.NodeInternalDNS, "n3.internal"), addr(corev1.NodeHostName, "n3.local")),
			wantTarget: "n3.local:10250", wantType: "Hostname"},
		{name: "custom kubelet port",
			node:       node("n4", 10350, addr(corev1.NodeInternalIP, "127.0.0.1")),
			wantTarget: "127.0.0.1:10350", wantType: "InternalIP"},
		{name: "port 0 means the default",
			node:       node("n5", 0, addr(corev1.NodeInternalIP, "127.0.0.1")),
			wantTarget: "127.0.0.1:10250", wantType: "InternalIP"},
		{name: "IPv6 is bracketed",
			node:       node("n6", 10250, addr(corev1.NodeInternalIP, "::1")),
			wantTarget: "[::1]:10250", wantType: "InternalIP"},
		{name: "empty address skipped",
			node:       node("n7", 10250, addr(corev1.NodeInternalIP, ""), addr(corev1.NodeExternalIP, "127.0.0.9")),
			wantTarget: "127.0.0.9:10250", wantType: "ExternalIP"},
		{name: "no addresses", node: node("n8", 10250),
			wantErr: "k8s://node/n8: could not check kubelet: node n8 has no InternalIP, ExternalIP or Hostname address"},
		{name: "only InternalDNS", node: node("n9", 10250, addr(corev1.NodeInternalDNS, "n9.internal")),
			wantErr: "node n9 has no InternalIP"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, errs := Targets([]corev1.Node{*tt.node})
			if tt.wantErr != "" {
				if len(got) != 0 || len(errs) != 1 || !strings.Contains(errs[0].Error(), tt.wantErr) || errs[0].Stage != "cluster" {
					t.Fatalf("got %+v, errors %+v; want error %q", got, errs, tt.wantErr)
				}
				return
			}
			if len(errs) != 0 || len(got) != 1 {
				t.Fatalf("got %+v, errors %+v", got, errs)
			}
			if got[0].Target() != tt.wantTarget || got[0].AddressType != tt.wantType || got[0].Name != tt.node.Name {
				t.Errorf("got %s via %s (%s), want %s via %s", got[0].Target(), got[0].AddressType, got[0].Name, tt.wantTarget, tt.wantType)
			}
		})
	}
}

func TestNodeURI(t *testing.T) {
	if got := (Node{Name: "n1", Address: "127.0.0.1", Port: 10250}).URI(); got != "k8s://node/n1:10250" {
		t.Errorf("URI %q", got)
	}
}

func TestSelectNodes(t *testing.T) {
	nodes := []Node{
		{Name: "a", Labels: map[string]string{"pool": "gpu", "zone": "x"}},
		{Name: "b", Labels: map[string]string{"pool": "cpu", "zone": "x"}},
		{Name: "c", Labels: map[string]string{"pool": "gpu", "zone": "y"}},
		{Name: "d"},
	}
	tests := []struct {
		selector string
		limit    int
		want     []string
		wantErr  bool
	}{
		{selector: "", want: []string{"a", "b", "c", "d"}},
		{selector: "pool=gpu", want: []string{"a", "c"}},
		{selector: "pool=gpu,zone=y", want: []string{"c"}},
		{selector: "pool notin (gpu)", want: []string{"b", "d"}},
		{selector: "!pool", want: []string{"d"}},
		{selector: "zone=x", limit: 1, want: []string{"a"}},
		{selector: "", limit: 3, want: []string{"a", "b", "c"}},
		{selector: "pool in (gpu", wantErr: true},
	}
	for _, tt := range tests {
		got, err := SelectNodes(nodes, tt.selector, tt.limit)
		if (err != nil) != tt.wantErr {
			t.Errorf("%q: error %v, want error %v", tt.selector, err, tt.wantErr)
			continue
		}
		var names []string
		for _, n := range got {
			names = append(names, n.Name)
		}
		if !reflect.DeepEqual(names, tt.want) {
			t.Errorf("%q limit %d: %v, want %v", tt.selector, tt.limit, names, tt.want)
		}
	}
}
