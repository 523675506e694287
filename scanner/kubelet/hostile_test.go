package kubelet_test

import (
	"context"
	"crypto/tls"
	"io"
	"log"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kubelet-audit/kubelet-audit/scanner/facts"
	"github.com/kubelet-audit/kubelet-audit/scanner/kubelet"
	"github.com/kubelet-audit/kubelet-audit/scanner/kubelet/kubelettest"
)

// short timeouts for hostile servers: each misbehaviour must cost at most
// about these (asserted loosely, < 3x).
const hostileTimeout = 200 * time.Millisecond

var hostileOpts = kubelet.Options{ConnectTimeout: hostileTimeout, TLSTimeout: hostileTimeout, RequestTimeout: hostileTimeout, Deadline: 20 * time.Second}

// rawServer accepts TCP connections on loopback and hands each to serve.
type rawServer struct {
	l     net.Listener
	wg    sync.WaitGroup
	conns atomic.Int64
}

func newRawServer(t *testing.T, serve func(net.Conn)) *rawServer {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &rawServer{l: l}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			s.conns.Add(1)
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				defer c.Close()
				serve(c)
			}()
		}
	}()
	t.Cleanup(func() { _ = l.Close(); s.wg.Wait() })
	return s
}

func (s *rawServer) port() int { return s.l.Addr().(*net.TCPAddr).Port }

// hostileTLS is a server TLS config for raw hostile servers.
func hostileTLS(t *testing.T) *tls.Config {
	t.Helper()
	return &tls.Config{Certificates: []tls.Certificate{newSelfSigned(t)}, MinVersion: tls.VersionTLS12}
}

// tlsThen wraps a raw handler behind a TLS handshake.
func tlsThen(cfg *tls.Config, serve func(net.Conn)) func(net.Conn) {
	return func(c net.Conn) {
		tc := tls.Server(c, cfg)
		_ = tc.SetDeadline(time.Now().Add(10 * time.Second))
		if err := tc.Handshake(); err != nil {
			return
		}
		serve(tc)
	}
}

// readRequest consumes request headers so the client sees a server that
// listened.
func readRequest(c net.Conn) bool {
	buf := make([]byte, 4096)
	var got []byte
	for !strings.Contains(string(got), "\r\n\r\n") {
		n, err := c.Read(buf)
		if err != nil {
			return false
		}
		got = append(got, buf[:n]...)
	}
	return true
}

func TestHostileServers(t *testing.T) {
	cfg := hostileTLS(t)
	never := func(c net.Conn) { _, _ = io.Copy(io.Discard, c) }
	slowloris := tlsThen(cfg, func(c net.Conn) {
		if !readRequest(c) {
			return
		}
		for _, b := range []byte("HTTP/1.1 200 OK\r\nX-Slow: " + strings.Repeat("a", 1000)) {
			if _, err := c.Write([]byte{b}); err != nil {
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
	endless := tlsThen(cfg, func(c net.Conn) {
		for readRequest(c) {
			if _, err := io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n"); err != nil {
				return
			}
			chunk := []byte(strings.Repeat("A", 32<<10))
			for written := 0; written < 1<<30; written += len(chunk) { // "1 GiB"
				if _, err := c.Write(chunk); err != nil {
					return
				}
			}
		}
	})
	dribbleBody := tlsThen(cfg, func(c net.Conn) {
		for readRequest(c) {
			_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
			for range 1000 {
				if _, err := c.Write([]byte("x")); err != nil {
					return
				}
				time.Sleep(20 * time.Millisecond)
			}
		}
	})
	hugeHeaders := tlsThen(cfg, func(c net.Conn) {
		if readRequest(c) {
			_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nX-Big: "+strings.Repeat("b", 1<<20)+"\r\n\r\n")
		}
	})
	// Like a plain-HTTP server, answers the TLS ClientHello as a bad request.
	plainHTTP := func(c net.Conn) {
		_ = c.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
		_, _ = c.Read(make([]byte, 1024))
		_, _ = io.WriteString(c, "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n400 Bad Request")
	}
	garbage := func(c net.Conn) { _, _ = io.WriteString(c, "SSH-2.0-OpenSSH_9.6\r\n"); _, _ = io.Copy(io.Discard, c) }
	closeAtOnce := func(net.Conn) {}

	tests := []struct {
		name   string
		serve  func(net.Conn)
		state  string
		budget time.Duration // loose bound on the node's whole cost
	}{
		{"never answers", never, facts.StateTimeout, 3 * hostileTimeout},
		{"slowloris headers", slowloris, facts.StateTimeout, 3 * 4 * hostileTimeout},
		{"plain HTTP on the TLS port", plainHTTP, facts.StateProtocol, 3 * hostileTimeout},
		{"garbage", garbage, facts.StateProtocol, 3 * hostileTimeout},
		{"closes at once", closeAtOnce, facts.StateProtocol, 3 * hostileTimeout},
		{"huge headers", hugeHeaders, facts.StateProtocol, 3 * 4 * hostileTimeout},
		{"endless 1 GiB body", endless, facts.StateChecked, 3 * 12 * hostileTimeout},
		{"body dribbled forever", dribbleBody, facts.StateChecked, 3 * 12 * hostileTimeout},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newRawServer(t, tt.serve)
			before := goroutines()
			var ms0, ms1 runtime.MemStats
			runtime.ReadMemStats(&ms0)
			start := time.Now()
			ks := kubelet.Probe(context.Background(), []kubelet.Target{{Host: "127.0.0.1", Port: srv.port()}}, hostileOpts)
			elapsed := time.Since(start)
			runtime.ReadMemStats(&ms1)
			k := ks[0]
			if k.State != tt.state {
				t.Errorf("state %q (%s), want %q", k.State, k.Error, tt.state)
			}
			if tt.state != facts.StateChecked && k.Error == "" {
				t.Error("a could-not-check state needs an error message")
			}
			if elapsed > tt.budget {
				t.Errorf("took %v, budget %v", elapsed, tt.budget)
			}
			if alloc := ms1.TotalAlloc - ms0.TotalAlloc; alloc > 64<<20 {
				t.Errorf("allocated %d MiB probing one hostile server", alloc>>20)
			}
			for _, p := range k.Probes {
				if p.Outcome == facts.OutcomeAllowed && len(p.Evidence) > 300 {
					t.Errorf("evidence not capped: %d bytes", len(p.Evidence))
				}
			}
			assertNoLeak(t, before)
		})
	}
}

func TestHostileReadOnlyPort(t *testing.T) {
	fake := kubelettest.New(t, kubelettest.Config{})
	// A Go TLS server answers plain HTTP with a 400 "Client sent an HTTP
	// request to an HTTPS server"; other TLS servers send an alert.
	goTLS := &http.Server{Handler: http.NotFoundHandler(), ReadHeaderTimeout: time.Second, ErrorLog: log.New(io.Discard, "", 0)}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = goTLS.Serve(tls.NewListener(l, hostileTLS(t))) }()
	t.Cleanup(func() { _ = goTLS.Close() })
	alert := newRawServer(t, tlsThen(hostileTLS(t), func(net.Conn) {}))
	silent := newRawServer(t, func(c net.Conn) { _, _ = io.Copy(io.Discard, c) })

	for name, port := range map[string]int{"go TLS": l.Addr().(*net.TCPAddr).Port, "TLS alert": alert.port()} {
		tgt := kubelet.Target{Host: "127.0.0.1", Port: fake.Port(), ReadOnlyPort: port}
		k := kubelet.Probe(context.Background(), []kubelet.Target{tgt}, hostileOpts)[0]
		if k.ReadOnly == nil || k.ReadOnly.Open || k.ReadOnly.State != facts.StateProtocol {
			t.Errorf("%s on the read-only port: %+v, want protocol-error, not open", name, k.ReadOnly)
		}
	}
	tgt := kubelet.Target{Host: "127.0.0.1", Port: fake.Port(), ReadOnlyPort: silent.port()}
	start := time.Now()
	k := kubelet.Probe(context.Background(), []kubelet.Target{tgt}, hostileOpts)[0]
	if k.ReadOnly.State != facts.StateTimeout || k.ReadOnly.Open {
		t.Errorf("silent read-only port: %+v, want timeout", k.ReadOnly)
	}
	if time.Since(start) > 3*4*hostileTimeout {
		t.Errorf("silent read-only port took %v", time.Since(start))
	}
}

func TestRedirectNotFollowed(t *testing.T) {
	var hits atomic.Int64
	elsewhere := newRawServer(t, func(net.Conn) { hits.Add(1) })
	cfg := hostileTLS(t)
	redirect := newRawServer(t, tlsThen(cfg, func(c net.Conn) {
		for readRequest(c) {
			_, _ = io.WriteString(c, "HTTP/1.1 302 Found\r\nLocation: https://127.0.0.1:"+itoa(elsewhere.port())+"/pods\r\nContent-Length: 0\r\n\r\n")
		}
	}))
	k := kubelet.Probe(context.Background(), []kubelet.Target{{Host: "127.0.0.1", Port: redirect.port()}}, hostileOpts)[0]
	if k.State != facts.StateChecked {
		t.Fatalf("state %q: %s", k.State, k.Error)
	}
	for _, p := range k.Probes {
		if p.Status != 302 || p.Outcome != facts.OutcomeUnexpected || !strings.Contains(p.Evidence, "302") {
			t.Errorf("%s %s: status %d outcome %q evidence %q", p.Method, p.Path, p.Status, p.Outcome, p.Evidence)
		}
	}
	if k.Anonymous != "unknown" {
		t.Errorf("redirects prove nothing about anonymous auth, got %q", k.Anonymous)
	}
	if hits.Load() != 0 {
		t.Errorf("redirect target contacted %d times", hits.Load())
	}
}

func TestDeadlineAndConcurrency(t *testing.T) {
	never := newRawServer(t, func(c net.Conn) { _, _ = io.Copy(io.Discard, c) })
	targets := make([]kubelet.Target, 6)
	for i := range targets {
		targets[i] = kubelet.Target{Host: "127.0.0.1", Port: never.port()}
	}
	o := hostileOpts
	o.Concurrency, o.TLSTimeout, o.Deadline = 1, time.Second, 300*time.Millisecond
	start := time.Now()
	ks := kubelet.Probe(context.Background(), targets, o)
	if elapsed := time.Since(start); elapsed > 3*o.Deadline {
		t.Errorf("run took %v with a %v deadline", elapsed, o.Deadline)
	}
	for i, k := range ks {
		if k.State != facts.StateTimeout {
			t.Errorf("target %d: state %q, want timeout", i, k.State)
		}
	}
	if !strings.Contains(ks[len(ks)-1].Error, "deadline") {
		t.Errorf("unstarted target error %q should name the deadline", ks[len(ks)-1].Error)
	}

	// At most Concurrency connections are open at once, through an
	// injected dialer (the hook the real-kubelet test bed uses).
	fleet := kubelettest.NewFleet(t, 10, kubelettest.Config{Anonymous: true, Debug: true})
	var open, peak atomic.Int64
	o = fast
	o.Concurrency = 3
	o.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		var d net.Dialer
		c, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		if n := open.Add(1); n > peak.Load() {
			peak.Store(n)
		}
		return &countedConn{Conn: c, open: &open}, nil
	}
	var tgts []kubelet.Target
	for _, n := range fleet.Nodes() {
		tgts = append(tgts, kubelet.Target{Host: n.Host, Port: n.Port})
	}
	for _, k := range kubelet.Probe(context.Background(), tgts, o) {
		if k.State != facts.StateChecked || k.Anonymous != "enabled" {
			t.Errorf("%s: %q %q", k.Target, k.State, k.Error)
		}
	}
	if peak.Load() > 3 || peak.Load() == 0 {
		t.Errorf("peak open connections %d, want 1..3", peak.Load())
	}
	if open.Load() != 0 {
		t.Errorf("%d connections left open", open.Load())
	}
}

type countedConn struct {
	net.Conn
	open *atomic.Int64
	once sync.Once
}

func (c *countedConn) Close() error {
	c.once.Do(func() { c.open.Add(-1) })
	return c.Conn.Close()
}

func TestCanceledContext(t *testing.T) {
	fake := kubelettest.New(t, kubelettest.Config{Anonymous: true})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	k := kubelet.Probe(ctx, []kubelet.Target{target(fake)}, fast)[0]
	if k.State == facts.StateChecked || len(fake.Requests()) != 0 {
		t.Errorf("canceled run: state %q, %d requests sent", k.State, len(fake.Requests()))
	}
}

// goroutines is the current count after letting finished ones exit.
func goroutines() int {
	runtime.GC()
	return runtime.NumGoroutine()
}

// assertNoLeak waits for the goroutine count to settle back to before.
func assertNoLeak(t *testing.T, before int) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for {
		now := goroutines()
		if now <= before {
			return
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Errorf("goroutines: %d before, %d after\n%s", before, now, buf[:runtime.Stack(buf, true)])
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}
