package kubelet_test

import (
	"context"
	"syscall"
	"testing"

	"github.com/kubelet-audit/kubelet-audit/scanner/facts"
	"github.com/kubelet-audit/kubelet-audit/scanner/kubelet"
	"github.com/kubelet-audit/kubelet-audit/scanner/kubelet/kubelettest"
)

// BenchmarkProbe1000 probes 1,000 fake kubelets on loopback (one listener
// each, plus a read-only port) at the default concurrency and timeouts.
// Run it with -benchtime=1x; it needs about 2,100 file descriptors.
func BenchmarkProbe1000(b *testing.B) {
	const n = 1000
	raiseNoFile(b, 4*n+256)
	fleet := kubelettest.NewFleet(b, n, kubelettest.Config{Anonymous: true, FineGrained: true, Debug: true, ReadOnly: true, Pods: 3})
	targets := make([]kubelet.Target, 0, n)
	for _, node := range fleet.Nodes() {
		targets = append(targets, kubelet.Target{Host: node.Host, Port: node.Port, ReadOnlyPort: node.ReadOnlyPort})
	}
	b.ResetTimer()
	for b.Loop() {
		for _, k := range kubelet.Probe(context.Background(), targets, kubelet.Options{}) {
			if k.State != facts.StateChecked || k.Anonymous != "enabled" || !k.ReadOnly.Open {
				b.Fatalf("%s: state %q anonymous %q error %s", k.Target, k.State, k.Anonymous, k.Error)
			}
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "nodes/s")
}

// raiseNoFile lifts the soft RLIMIT_NOFILE towards want (Go already raises
// it to the hard limit on Linux; this makes the need explicit).
func raiseNoFile(b *testing.B, want uint64) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		b.Skipf("getrlimit: %v", err)
	}
	if lim.Cur >= want {
		return
	}
	lim.Cur = min(want, lim.Max)
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil || lim.Cur < want {
		b.Skipf("need %d file descriptors, limit %d (%v)", want, lim.Cur, err)
	}
}
