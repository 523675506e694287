package testbed

import (
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"go.etcd.io/etcd/server/v3/embed"
	"k8s.io/apiserver/pkg/storage/storagebackend"
	"k8s.io/client-go/rest"
	apitesting "k8s.io/kubernetes/cmd/kube-apiserver/app/testing"
)

// startEtcd runs a single-member etcd on two free loopback ports. fsync is
// off: the data is thrown away with the test bed.
func startEtcd(dir, logFile string) (*embed.Etcd, string, error) {
	ports, err := freePorts(2)
	if err != nil {
		return nil, "", err
	}
	cfg := embed.NewConfig()
	cfg.Name = "testbed"
	cfg.Dir = filepath.Join(dir, "etcd")
	// Always a fresh cluster: a kept directory from an earlier run would
	// hold another member on other ports.
	if err := os.RemoveAll(cfg.Dir); err != nil {
		return nil, "", fmt.Errorf("etcd dir: %w", err)
	}
	cfg.UnsafeNoFsync = true
	cfg.LogLevel = "error"
	cfg.LogOutputs = []string{logFile}
	client := url.URL{Scheme: "http", Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[0]))}
	peer := url.URL{Scheme: "http", Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[1]))}
	cfg.ListenClientUrls, cfg.AdvertiseClientUrls = []url.URL{client}, []url.URL{client}
	cfg.ListenPeerUrls, cfg.AdvertisePeerUrls = []url.URL{peer}, []url.URL{peer}
	cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)
	e, err := embed.StartEtcd(cfg)
	if err != nil {
		return nil, "", fmt.Errorf("start etcd: %w", err)
	}
	select {
	case <-e.Server.ReadyNotify():
		return e, client.String(), nil
	case <-time.After(60 * time.Second):
		e.Close()
		return nil, "", fmt.Errorf("start etcd: not ready after 60s")
	}
}

// apiServer is a running kube-apiserver and how to stop it.
type apiServer struct {
	config   *rest.Config
	tearDown func()
}

// startAPIServer runs a real kube-apiserver in-process: Node,RBAC
// authorization, client certificates signed by caFile, ServiceAccount tokens
// and anonymous authentication on (the kubelet-audit threat model needs it).
func startAPIServer(tb *fakeTB, etcdURL, caFile string) (*apiServer, error) {
	storage := storagebackend.NewDefaultConfig("/testbed-"+strconv.FormatInt(time.Now().UnixNano(), 36), nil)
	storage.Transport.ServerList = []string{etcdURL}
	flags := []string{
		"--authorization-mode=Node,RBAC",
		"--client-ca-file=" + caFile,
		"--anonymous-auth=true",
	}
	opts := &apitesting.TestServerInstanceOptions{EnableCertAuth: true, DisableInvariantChecks: true}
	type result struct {
		srv apitesting.TestServer
		err error
	}
	done := make(chan result, 1)
	// StartTestServer may call tb.Fatalf, which ends the calling goroutine
	// (runtime.Goexit): run it on its own goroutine so TestMain survives.
	go func() {
		r := result{err: fmt.Errorf("kube-apiserver start aborted (see log)")}
		defer func() { done <- r }()
		r.srv, r.err = apitesting.StartTestServer(tb, opts, flags, storage)
	}()
	r := <-done
	if r.err != nil {
		return nil, fmt.Errorf("start kube-apiserver: %w", r.err)
	}
	return &apiServer{config: rest.CopyConfig(r.srv.ClientConfig), tearDown: r.srv.TearDownFn}, nil
}

// freePorts reserves n distinct loopback ports and releases them for the caller.
func freePorts(n int) ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	ports := make([]int, 0, n)
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("reserve port: %w", err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// openLog opens (appending) the test bed's log file.
func openLog(path string) (io.WriteCloser, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open log: %w", err)
	}
	return f, nil
}
