package scanner

import (
	"context"
	"fmt"
	"strings"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/kubelet-audit/kubelet-audit/scanner/cluster"
	"github.com/kubelet-audit/kubelet-audit/scanner/facts"
	"github.com/kubelet-audit/kubelet-audit/scanner/finding"
	"github.com/kubelet-audit/kubelet-audit/scanner/kubelet"
	"github.com/kubelet-audit/kubelet-audit/scanner/kubeletconfig"
)

// ClusterOptions configure live mode.
type ClusterOptions struct {
	Kubeconfig string
	Context    string
	QPS        float32
	Burst      int
	PageSize   int64
	// Client replaces the client built from the kubeconfig (tests: fake clientsets).
	Client kubernetes.Interface
	// Probe probes every node's kubelet (anonymous pass).
	Probe   bool
	Kubelet kubelet.Options
	// ReadOnlyPort is the read-only port checked on every node (0 = skip).
	ReadOnlyPort int
	// Token overrides the bearer token of the authenticated probe (default:
	// the kubeconfig's own token).
	Token string
	// AuthProbe re-probes /pods and /healthz with the scanner's own token when
	// the resolver shows that identity holds no node permission at all: a 2xx
	// then proves the kubelet authorizes everyone (AlwaysAllow).
	AuthProbe bool
	// Verify cross-checks the resolver with SubjectAccessReview.
	Verify bool
	// Configz reads /configz through the API server node proxy.
	Configz bool
	// NodeSelector (label selector) and NodeLimit narrow the probed nodes.
	NodeSelector string
	NodeLimit    int
}

// loadCluster lists RBAC objects, workloads and nodes from the API server.
func (s *scan) loadCluster(ctx context.Context) error {
	co := s.opts.Cluster
	s.rbacInput, s.live = true, true
	client := co.Client
	var cfg *rest.Config
	if client == nil {
		var err error
		cfg, err = cluster.Config(co.Kubeconfig, co.Context, co.QPS, co.Burst)
		if err != nil {
			return fmt.Errorf("%w: %v", finding.ErrUsage, err)
		}
		if client, err = kubernetes.NewForConfig(cfg); err != nil {
			return fmt.Errorf("%w: build client: %v", finding.ErrUsage, err)
		}
		s.sources = append(s.sources, cfg.Host)
	}
	res, err := cluster.Load(ctx, client, cluster.LoadOptions{PageSize: co.PageSize})
	if err != nil {
		s.errs = append(s.errs, finding.ScanError{Stage: "cluster", Source: "api-server", Message: err.Error()})
		return nil
	}
	s.errs = append(s.errs, res.Errors...)
	for _, n := range res.Listed {
		if n >= 0 {
			s.checked++
		}
	}
	s.inv.Merge(res.Inventory)
	s.cluster = &clusterState{client: client, cfg: cfg, nodes: res.Nodes}
	return nil
}

// clusterState is what the follow-up steps of live mode need.
type clusterState struct {
	client kubernetes.Interface
	cfg    *rest.Config
	nodes  []cluster.Node
}

// clusterFollowUps probes kubelets, reads /configz and verifies with SAR.
func (s *scan) clusterFollowUps(ctx context.Context) {
	co, cs := s.opts.Cluster, s.cluster
	if cs == nil {
		return
	}
	nodes, err := cluster.SelectNodes(cs.nodes, co.NodeSelector, co.NodeLimit)
	if err != nil {
		s.errs = append(s.errs, finding.ScanError{Stage: "cluster", Source: "--nodes", Message: err.Error()})
	}
	if co.Probe {
		s.probe(ctx, targets(nodes, co.ReadOnlyPort), co.Kubelet)
		if co.AuthProbe {
			s.authProbe(ctx, nodes)
		}
	}
	if co.Configz {
		s.readConfigz(ctx, nodes)
	}
	if co.Verify {
		s.doc.Verifications = append(s.doc.Verifications, cluster.Verify(ctx, cs.client, verifyChecks(s.doc.Subjects))...)
	}
}

func targets(nodes []cluster.Node, readOnlyPort int) []kubelet.Target {
	out := make([]kubelet.Target, 0, len(nodes))
	for _, n := range nodes {
		out = append(out, kubelet.Target{Host: n.Address, Port: int(n.Port), ReadOnlyPort: readOnlyPort, Node: n.Name})
	}
	return out
}

// authProbe runs the low-privilege authenticated pass, only when the
// scanner's identity holds no node permission (else a 2xx proves nothing).
func (s *scan) authProbe(ctx context.Context, nodes []cluster.Node) {
	cs := s.cluster
	token := s.opts.Cluster.Token
	if token == "" && cs.cfg != nil {
		token = cluster.BearerToken(cs.cfg)
	}
	if token == "" {
		fmt.Fprintln(s.opts.Log, "note: authenticated kubelet probe skipped: the kubeconfig does not authenticate with a bearer token")
		return
	}
	user, groups, err := cluster.WhoAmI(ctx, cs.client)
	if err != nil {
		fmt.Fprintf(s.opts.Log, "note: authenticated kubelet probe skipped: cannot tell who the scanner is: %v\n", err)
		return
	}
	if holder := nodeAccessOf(s.doc.Subjects, user, groups); holder != "" {
		fmt.Fprintf(s.opts.Log, "note: authenticated kubelet probe skipped: the scanner identity %s holds node access through %s, so a 2xx would prove nothing\n", user, holder)
		return
	}
	opts := s.opts.Cluster.Kubelet
	opts.Token, opts.AuthProbeOnly, opts.SkipAnonymous = token, true, true
	results := kubelet.Probe(ctx, targets(nodes, 0), opts)
	s.mergeAuthProbes(results)
}

// mergeAuthProbes adds the authenticated probes to the anonymous results of
// the same target.
func (s *scan) mergeAuthProbes(results []facts.Kubelet) {
	byTarget := map[string]*facts.Kubelet{}
	for i := range s.doc.Kubelets {
		byTarget[s.doc.Kubelets[i].Target] = &s.doc.Kubelets[i]
	}
	for _, r := range results {
		if r.State != facts.StateChecked {
			s.errs = append(s.errs, finding.ScanError{Stage: "probe", Source: "node " + r.Node + " (" + r.Target + ")",
				Message: fmt.Sprintf("could not run the authenticated low-privilege probe: %s: %s", r.State, r.Error)})
			continue
		}
		if k, ok := byTarget[r.Target]; ok {
			k.Probes = append(k.Probes, r.Probes...)
			k.AuthPass = r.AuthPass
			continue
		}
		s.doc.Kubelets = append(s.doc.Kubelets, r)
	}
}

// nodeAccessOf returns the subject through which user/groups hold any node
// subresource permission, or "".
func nodeAccessOf(subjects []facts.Subject, user string, groups []string) string {
	ids := map[string]bool{"User:" + user: true}
	if rest, ok := strings.CutPrefix(user, "system:serviceaccount:"); ok {
		if ns, name, ok := strings.Cut(rest, ":"); ok {
			ids["ServiceAccount:"+ns+"/"+name] = true
		}
	}
	for _, g := range groups {
		ids["Group:"+g] = true
	}
	for _, sub := range subjects {
		if ids[sub.ID] && len(sub.Grants) > 0 {
			return sub.ID
		}
	}
	return ""
}

// readConfigz reads each node's /configz through the API server proxy.
func (s *scan) readConfigz(ctx context.Context, nodes []cluster.Node) {
	fmt.Fprintln(s.opts.Log, "warning: --configz reads /configz through the API server node proxy; the scanner needs get nodes/proxy (the API server node proxy checks nodes/proxy even on kubelets with fine-grained authorization), which is itself exec-equivalent — grant it only for the duration of the scan")
	for _, n := range nodes {
		body, err := cluster.Configz(ctx, s.cluster.client, n.Name)
		if err != nil {
			s.errs = append(s.errs, finding.ScanError{Stage: "config", Source: "node " + n.Name, Message: "read /configz: " + err.Error()})
			continue
		}
		cfg, err := kubeletconfig.ParseConfigz(body, n.Name)
		if err != nil {
			s.errs = append(s.errs, finding.ScanError{Stage: "config", Source: "node " + n.Name, Message: "parse /configz: " + err.Error()})
			continue
		}
		s.checked++
		s.doc.KubeletConfigs = append(s.doc.KubeletConfigs, *cfg)
	}
}

// verifyChecks asks, for every subject, whether it can get the main node
// subresources, with the resolver's answer as the expectation.
func verifyChecks(subjects []facts.Subject) []cluster.Check {
	var out []cluster.Check
	for _, sub := range subjects {
		for _, sr := range []string{"proxy", "stats", "metrics", "log"} {
			out = append(out, cluster.Check{Subject: sub, Subresource: sr, Verb: "get", Expected: grants(sub, sr, "get")})
		}
	}
	return out
}

// grants reports whether sub holds verb on nodes/<sr> for every node.
func grants(sub facts.Subject, sr, verb string) bool {
	for _, g := range sub.Grants {
		if g.Subresource != sr || len(g.Nodes) > 0 {
			continue
		}
		for _, v := range g.Verbs {
			if v == verb {
				return true
			}
		}
	}
	return false
}
