package cluster

import (
	"fmt"
	"net"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/kubelet-audit/kubelet-audit/scanner/finding"
)

// DefaultKubeletPort is used when a node does not report its kubelet port.
const DefaultKubeletPort int32 = 10250

// addressPreference is the order in which node addresses are tried: the
// internal address is what the API server itself uses to reach kubelets.
var addressPreference = []corev1.NodeAddressType{
	corev1.NodeInternalIP, corev1.NodeExternalIP, corev1.NodeHostName,
}

// Node is one kubelet endpoint to probe.
type Node struct {
	Name    string
	Address string
	Port    int32
	// AddressType is the .status.addresses type used (InternalIP, ...).
	AddressType string
	// Labels are the node's labels, for --nodes selectors.
	Labels map[string]string
}

// Target is host:port, with brackets for IPv6 addresses.
func (n Node) Target() string {
	return net.JoinHostPort(n.Address, strconv.Itoa(int(n.Port)))
}

// URI is the node's location in reports: k8s://node/<name>:<port>.
func (n Node) URI() string {
	return fmt.Sprintf("k8s://node/%s:%d", n.Name, n.Port)
}

// Targets picks one kubelet endpoint per node: InternalIP, then ExternalIP,
// then Hostname, on .status.daemonEndpoints.kubeletEndpoint.Port (10250 when
// 0). A node without any usable address is returned as a ScanError (stage
// "cluster"), never silently skipped.
func Targets(nodes []corev1.Node) ([]Node, []finding.ScanError) {
	out := make([]Node, 0, len(nodes))
	var errs []finding.ScanError
	for i := range nodes {
		n, err := target(&nodes[i])
		if err != nil {
			errs = append(errs, finding.ScanError{
				Stage:   "cluster",
				Source:  "k8s://node/" + nodes[i].Name,
				Message: "could not check kubelet: " + err.Error(),
			})
			continue
		}
		out = append(out, n)
	}
	return out, errs
}

func target(node *corev1.Node) (Node, error) {
	port := node.Status.DaemonEndpoints.KubeletEndpoint.Port
	if port == 0 {
		port = DefaultKubeletPort
	}
	for _, want := range addressPreference {
		for _, a := range node.Status.Addresses {
			if a.Type == want && a.Address != "" {
				return Node{Name: node.Name, Address: a.Address, Port: port, AddressType: string(a.Type), Labels: node.Labels}, nil
			}
		}
	}
	return Node{}, fmt.Errorf("node %s has no InternalIP, ExternalIP or Hostname address in .status.addresses", node.Name)
}

// SelectNodes keeps the nodes whose labels match selector (label-selector
// syntax, "" = all), then the first limit of them (limit <= 0 = no limit).
// A bad selector selects nothing: probing every node is not what was asked.
func SelectNodes(nodes []Node, selector string, limit int) ([]Node, error) {
	sel, err := labels.Parse(selector)
	if err != nil {
		return nil, fmt.Errorf("node selector %q: %w", selector, err)
	}
	var out []Node
	for _, n := range nodes {
		if limit > 0 && len(out) >= limit {
			break
		}
		if sel.Matches(labels.Set(n.Labels)) {
			out = append(out, n)
		}
	}
	return out, nil
}
