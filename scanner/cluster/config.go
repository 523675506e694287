// Package cluster collects live-cluster facts for `scan --cluster`: the RBAC
// inventory with k8s:// locations, workloads attributed to their top owner,
// kubelet targets per node, SubjectAccessReview cross-checks, /configz
// through the API server proxy and the scanner's own identity. It reads only;
// RequiredPermissions lists every permission it uses.
package cluster

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// Client-side rate limits sized for big clusters: a 50,000-pod cluster at
// PageSize 500 needs ~100 list pages for pods alone.
const (
	DefaultQPS   float32 = 50
	DefaultBurst         = 100
)

// userAgent identifies the scanner in API server audit logs.
const userAgent = "kubelet-audit"

// Config builds a rest.Config: the explicit kubeconfig path, else KUBECONFIG,
// else ~/.kube/config, else the in-cluster config. context overrides the
// kubeconfig's current context. qps/burst <= 0 take DefaultQPS/DefaultBurst.
func Config(kubeconfig, context string, qps float32, burst int) (*rest.Config, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = kubeconfig
	overrides := &clientcmd.ConfigOverrides{CurrentContext: context}
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, overrides).ClientConfig()
	if err != nil {
		if clientcmd.IsEmptyConfig(err) {
			return nil, errors.New("kubeconfig: no kubeconfig found (--kubeconfig, KUBECONFIG, ~/.kube/config) and not running in a cluster")
		}
		return nil, fmt.Errorf("kubeconfig: %w", err)
	}
	if qps <= 0 {
		qps = DefaultQPS
	}
	if burst <= 0 {
		burst = DefaultBurst
	}
	cfg.QPS, cfg.Burst = qps, burst
	cfg.UserAgent = userAgent
	return cfg, nil
}

// BearerToken returns the bearer token cfg authenticates with, for the
// low-privilege authenticated kubelet probe. As in client-go, a readable
// BearerTokenFile (in-cluster: the projected, rotating token) takes
// precedence over the inline BearerToken. It returns "" when cfg
// authenticates otherwise (client certificates, exec or auth-provider
// plugins).
func BearerToken(cfg *rest.Config) string {
	if cfg == nil {
		return ""
	}
	if cfg.BearerTokenFile != "" {
		if b, err := os.ReadFile(cfg.BearerTokenFile); err == nil {
			if tok := strings.TrimSpace(string(b)); tok != "" {
				return tok
			}
		}
	}
	return strings.TrimSpace(cfg.BearerToken)
}
