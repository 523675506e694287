package kubelet

import (
	"fmt"
	"net"
	"strconv"
	"strings"
)

// Default kubelet ports.
const (
	DefaultPort         = 10250
	DefaultReadOnlyPort = 10255
)

// Target is one kubelet to probe.
type Target struct {
	Host string
	// Port is the authenticated HTTPS port (10250).
	Port int
	// ReadOnlyPort is the plain-HTTP read-only port (10255); 0 skips T7.
	ReadOnlyPort int
	// Node is the node name when known (cluster mode); it names the location.
	Node string
}

// ParseTarget parses "host", "host:port" or "[ipv6]:port"; a bare IPv6
// address ("::1") is accepted too. The port defaults to 10250 and the
// read-only port to 10255.
func ParseTarget(s string) (Target, error) {
	s = strings.TrimSpace(s)
	t := Target{Port: DefaultPort, ReadOnlyPort: DefaultReadOnlyPort}
	if s == "" {
		return t, fmt.Errorf("parse target: empty host")
	}
	if strings.Contains(s, "://") {
		return t, fmt.Errorf("parse target %q: want host[:port], not a URL", s)
	}
	host, port, err := net.SplitHostPort(s)
	switch {
	case err == nil:
		p, perr := strconv.Atoi(port)
		if perr != nil || p < 1 || p > 65535 {
			return t, fmt.Errorf("parse target %q: invalid port %q", s, port)
		}
		t.Port = p
	case net.ParseIP(s) != nil:
		host = s // bare IPv4/IPv6 address
	case strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") && net.ParseIP(s[1:len(s)-1]) != nil:
		host = s[1 : len(s)-1] // [ipv6] without a port
	case strings.ContainsAny(s, ":[]"):
		return t, fmt.Errorf("parse target %q: %w", s, err)
	default:
		host = s
	}
	if host == "" || strings.ContainsAny(host, " /?#@") {
		return t, fmt.Errorf("parse target %q: invalid host", s)
	}
	t.Host = host
	return t, nil
}

// Addr is host:port of the authenticated port.
func (t Target) Addr() string { return net.JoinHostPort(t.Host, strconv.Itoa(t.Port)) }

// String is the location URI: k8s://node/<node>:<port> when the node is
// known, else kubelet://<host>:<port>.
func (t Target) String() string {
	if t.Node != "" {
		return "k8s://node/" + t.Node + ":" + strconv.Itoa(t.Port)
	}
	return "kubelet://" + t.Addr()
}
