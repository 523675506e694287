package cli

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kubelet-audit/kubelet-audit/internal/gcfloor"
	"github.com/kubelet-audit/kubelet-audit/scanner"
	"github.com/kubelet-audit/kubelet-audit/scanner/finding"
	"github.com/kubelet-audit/kubelet-audit/scanner/kubelet"
)

// sourceFlags select what a scan reads: manifests, kubelet configs, a cluster.
type sourceFlags struct {
	kubeletConfig bool
	maxFileSize   int64

	cluster      bool
	kubeconfig   string
	context      string
	qps          float32
	burst        int
	pageSize     int64
	probe        bool
	authProbe    bool
	verify       bool
	configz      bool
	nodeSelector string
	nodeLimit    int
	readOnlyPort int

	kubelet kubeletFlags
}

func (s *sourceFlags) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.BoolVar(&s.kubeletConfig, "kubelet-config", false, "the PATHs are KubeletConfiguration files (or saved /configz bodies) to audit")
	f.Int64Var(&s.maxFileSize, "max-file-size", 256<<20, "skip (and report) manifest files larger than this many bytes")
	f.BoolVar(&s.cluster, "cluster", false, "scan the live cluster of the kubeconfig (or in-cluster config)")
	f.StringVar(&s.kubeconfig, "kubeconfig", "", "kubeconfig file (default: KUBECONFIG, ~/.kube/config, in-cluster)")
	f.StringVar(&s.context, "context", "", "kubeconfig context")
	f.Float32Var(&s.qps, "qps", 50, "client-side API requests per second")
	f.IntVar(&s.burst, "burst", 100, "client-side API burst")
	f.Int64Var(&s.pageSize, "page-size", 500, "objects per API list page")
	f.BoolVar(&s.probe, "probe", true, "with --cluster: probe every node's kubelet (safe, anonymous)")
	f.BoolVar(&s.authProbe, "auth-probe", true, "with --cluster: re-probe /pods and /healthz with the scanner's own token when it holds no node permission (detects AlwaysAllow)")
	f.BoolVar(&s.verify, "verify", false, "with --cluster: cross-check the resolver with SubjectAccessReview")
	f.BoolVar(&s.configz, "configz", false, "with --cluster: read /configz through the API server node proxy (needs get nodes/proxy: exec-equivalent, see README)")
	f.StringVar(&s.nodeSelector, "nodes", "", "with --cluster: label selector for the nodes to probe")
	f.IntVar(&s.nodeLimit, "node-limit", 0, "with --cluster: probe at most this many nodes (0 = all)")
	f.IntVar(&s.readOnlyPort, "read-only-port", 10255, "with --cluster: read-only port to check on every node (0 = skip)")
	s.kubelet.register(cmd, false)
}

// options builds scanner options for the given paths.
func (s *sourceFlags) options(cmd *cobra.Command, paths []string) (scanner.Options, error) {
	opts := scanner.Options{
		Paths: paths, Stdin: cmd.InOrStdin(), MaxFileSize: s.maxFileSize, Version: version,
		InputSized: gcfloor.ForInput, FactsBuilt: gcfloor.KeepHeap,
	}
	if s.kubeletConfig {
		if len(paths) == 0 {
			return opts, fmt.Errorf("%w: --kubelet-config needs KubeletConfiguration files", finding.ErrUsage)
		}
		opts.Paths, opts.KubeletConfigs = nil, paths
	}
	if !s.cluster {
		for _, name := range []string{"kubeconfig", "context", "verify", "configz", "nodes", "node-limit", "read-only-port"} {
			if cmd.Flags().Changed(name) {
				return opts, fmt.Errorf("%w: --%s needs --cluster", finding.ErrUsage, name)
			}
		}
		return opts, nil
	}
	kopts, err := s.kubelet.options()
	if err != nil {
		return opts, err
	}
	opts.Cluster = &scanner.ClusterOptions{
		Kubeconfig: s.kubeconfig, Context: s.context, QPS: s.qps, Burst: s.burst, PageSize: s.pageSize,
		Probe: s.probe, AuthProbe: s.authProbe, Verify: s.verify, Configz: s.configz,
		NodeSelector: s.nodeSelector, NodeLimit: s.nodeLimit, Kubelet: kopts, ReadOnlyPort: s.readOnlyPort,
	}
	return opts, nil
}

func newScanCmd() *cobra.Command {
	var (
		src    sourceFlags
		out    outputFlags
		policy policyFlags
		prof   profileFlags
	)
	cmd := &cobra.Command{
		Use:   "scan [PATH...]",
		Short: "Scan manifests, kubelet configs or a live cluster for kubelet exposure",
		Example: `  kubelet-audit scan deploy/                      # manifests (files, dirs, '-' = stdin)
  kubelet-audit scan --kubelet-config /var/lib/kubelet/config.yaml testdata/kubelet/*.yaml
  kubelet-audit scan --cluster --verify --format sarif -o kubelet.sarif`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := out.validateFormats(); err != nil {
				return err
			}
			opts, err := src.options(cmd, args)
			if err != nil {
				return err
			}
			if prof.timings {
				opts.Timings = cmd.ErrOrStderr()
			}
			return prof.run(func() error { return runScan(cmd, opts, &out, &policy) })
		},
	}
	src.register(cmd)
	out.register(cmd)
	policy.register(cmd)
	prof.register(cmd)
	return cmd
}

// runScan loads policies, scans, writes reports and returns the verdict.
func runScan(cmd *cobra.Command, opts scanner.Options, out *outputFlags, policy *policyFlags) error {
	ctx, cancel := context.WithTimeout(cmd.Context(), out.timeout)
	defer cancel()
	start := time.Now()
	eng, err := policy.engine(ctx)
	if err != nil {
		return err
	}
	scanner.Timed(opts.Timings, "policies", start)
	opts.Engine, opts.Baseline, opts.Log = eng, out.baseline, out.log(cmd)
	r, err := scanner.Scan(ctx, opts)
	if r != nil {
		start = time.Now()
		if werr := out.finish(cmd, r); werr != nil && err == nil {
			err = werr
		}
		scanner.Timed(opts.Timings, "reports", start)
	}
	return err
}

// kubeletFlags configure the kubelet prober.
type kubeletFlags struct {
	concurrency    int
	connectTimeout time.Duration
	tlsTimeout     time.Duration
	requestTimeout time.Duration
	deadline       time.Duration
	caFile         string
	// Credentials: probe command only.
	token     string
	tokenFile string
	certFile  string
	keyFile   string
}

func (k *kubeletFlags) register(cmd *cobra.Command, credentials bool) {
	f := cmd.Flags()
	f.IntVar(&k.concurrency, "concurrency", 16, "kubelets probed at once (probes of one kubelet are sequential)")
	f.DurationVar(&k.connectTimeout, "connect-timeout", 3*time.Second, "TCP connect timeout per kubelet")
	f.DurationVar(&k.tlsTimeout, "tls-timeout", 5*time.Second, "TLS handshake timeout")
	f.DurationVar(&k.requestTimeout, "request-timeout", 10*time.Second, "timeout per HTTP request")
	f.DurationVar(&k.deadline, "probe-deadline", 5*time.Minute, "give up probing after this long")
	f.StringVar(&k.caFile, "ca-file", "", "CA bundle to verify kubelet serving certificates (otherwise reported, not verified)")
	if credentials {
		f.StringVar(&k.token, "token", "", "bearer token for an authenticated pass (sent only to the given kubelets)")
		f.StringVar(&k.tokenFile, "token-file", "", "file holding the bearer token")
		f.StringVar(&k.certFile, "cert", "", "client certificate for an authenticated pass")
		f.StringVar(&k.keyFile, "key", "", "client key for --cert")
	}
}

func (k *kubeletFlags) options() (kubelet.Options, error) {
	opts := kubelet.Options{
		Concurrency: k.concurrency, ConnectTimeout: k.connectTimeout, TLSTimeout: k.tlsTimeout,
		RequestTimeout: k.requestTimeout, Deadline: k.deadline,
	}
	if k.caFile != "" {
		pem, err := os.ReadFile(k.caFile)
		if err != nil {
			return opts, fmt.Errorf("%w: --ca-file: %v", finding.ErrUsage, err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return opts, fmt.Errorf("%w: --ca-file %s: no PEM certificates", finding.ErrUsage, k.caFile)
		}
		opts.RootCAs = pool
	}
	opts.Token = k.token
	if k.tokenFile != "" {
		b, err := os.ReadFile(k.tokenFile)
		if err != nil {
			return opts, fmt.Errorf("%w: --token-file: %v", finding.ErrUsage, err)
		}
		opts.Token = strings.TrimSpace(string(b))
	}
	if (k.certFile == "") != (k.keyFile == "") {
		return opts, fmt.Errorf("%w: --cert and --key go together", finding.ErrUsage)
	}
	if k.certFile != "" {
		cert, err := tls.LoadX509KeyPair(k.certFile, k.keyFile)
		if err != nil {
			return opts, fmt.Errorf("%w: --cert/--key: %v", finding.ErrUsage, err)
		}
		opts.ClientCert = &cert
	}
	return opts, nil
}
