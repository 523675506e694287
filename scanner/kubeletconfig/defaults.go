package kubeletconfig

import (
	"maps"
	"sort"
	"strings"
	"time"

	kubeletv1beta1 "k8s.io/kubelet/config/v1beta1"

	"github.com/kubelet-audit/kubelet-audit/scanner/facts"
)

// Field paths (JSON names) of the audited settings; FieldLines and Set use them.
const (
	PathAnonymous            = "authentication.anonymous.enabled"
	PathWebhookAuthn         = "authentication.webhook.enabled"
	PathAuthnCacheTTL        = "authentication.webhook.cacheTTL"
	PathClientCAFile         = "authentication.x509.clientCAFile"
	PathAuthorizationMode    = "authorization.mode"
	PathAuthzAuthorizedTTL   = "authorization.webhook.cacheAuthorizedTTL"
	PathAuthzUnauthorizedTTL = "authorization.webhook.cacheUnauthorizedTTL"
	PathReadOnlyPort         = "readOnlyPort"
	PathStreamingIdle        = "streamingConnectionIdleTimeout"
	PathMakeIPTablesChains   = "makeIPTablesUtilChains"
	PathHostnameOverride     = "hostnameOverride"
	PathEventRecordQPS       = "eventRecordQPS"
	PathTLSCertFile          = "tlsCertFile"
	PathTLSPrivateKeyFile    = "tlsPrivateKeyFile"
	PathServerTLSBootstrap   = "serverTLSBootstrap"
	PathRotateCertificates   = "rotateCertificates"
	PathTLSCipherSuites      = "tlsCipherSuites"
	PathTLSMinVersion        = "tlsMinVersion"
	PathPodPidsLimit         = "podPidsLimit"
	PathDebuggingHandlers    = "enableDebuggingHandlers"
	PathProfilingHandler     = "enableProfilingHandler"
	PathProtectKernel        = "protectKernelDefaults"
	PathFeatureGates         = "featureGates"
)

var auditedPaths = []string{
	PathAnonymous, PathWebhookAuthn, PathAuthnCacheTTL, PathClientCAFile, PathAuthorizationMode,
	PathAuthzAuthorizedTTL, PathAuthzUnauthorizedTTL, PathReadOnlyPort, PathStreamingIdle,
	PathMakeIPTablesChains, PathHostnameOverride, PathEventRecordQPS, PathTLSCertFile,
	PathTLSPrivateKeyFile, PathServerTLSBootstrap, PathRotateCertificates, PathTLSCipherSuites,
	PathTLSMinVersion, PathPodPidsLimit, PathDebuggingHandlers, PathProfilingHandler,
	PathProtectKernel, PathFeatureGates,
}

// File defaults of SetDefaults_KubeletConfiguration
// (kubernetes pkg/kubelet/apis/config/v1beta1/defaults.go, v1.37) for the
// audited fields. Fields not listed default to their zero value
// (readOnlyPort 0, rotateCertificates false, serverTLSBootstrap false, ...).
const (
	defaultAnonymous         = false
	defaultWebhookAuthn      = true
	defaultAuthnCacheTTL     = 2 * time.Minute
	defaultAuthorizationMode = string(kubeletv1beta1.KubeletAuthorizationModeWebhook)
	defaultAuthorizedTTL     = 5 * time.Minute
	defaultUnauthorizedTTL   = 30 * time.Second
	defaultStreamingIdle     = 4 * time.Hour
	defaultMakeIPTables      = true
	defaultEventRecordQPS    = 50
	defaultPodPidsLimit      = -1
	defaultDebugging         = true
	defaultProfiling         = true
)

// kubeadm defaults (kubernetes cmd/kubeadm/app/componentconfigs/kubelet.go
// Default): the client CA is <certificatesDir>/ca.crt and certificate
// rotation is forced on; its other security defaults equal the file defaults.
const (
	defaultKubeadmCertDir = "/etc/kubernetes/pki"
	kubeadmCACertName     = "ca.crt"
)

// mode says how absent or zero fields are defaulted.
type mode int

const (
	// modeFile: the kubelet's config-file decoding, which also replaces zero
	// durations (even when written) with the default.
	modeFile mode = iota
	// modeConfigz: a /configz body is already defaulted; only absent fields
	// get the file default, written zeros stay.
	modeConfigz
)

// kubeadmContext is set when a file holds kubeadm configuration documents.
type kubeadmContext struct {
	certDir string
}

// builder fills one facts.KubeletConfig from a decoded document.
type builder struct {
	d   doc
	m   mode
	out facts.KubeletConfig
}

// build turns a decoded KubeletConfiguration into facts with defaults applied.
func build(kc *kubeletv1beta1.KubeletConfiguration, d doc, m mode, ka *kubeadmContext) facts.KubeletConfig {
	b := &builder{d: d, m: m, out: facts.KubeletConfig{
		Origin:        OriginFile,
		Set:           []string{},
		ZeroDefaulted: []string{},
		FeatureGates:  map[string]bool{},
	}}
	if m == modeConfigz {
		b.out.Origin = OriginConfigz
	}
	b.auth(kc)
	b.tls(kc)
	b.server(kc)
	if ka != nil {
		applyKubeadm(&b.out, ka)
	}
	b.out.Set, b.out.FieldLines = writtenFields(d)
	return b.out
}

func (b *builder) written(p string) bool { _, ok := b.d.lines[p]; return ok }

// dur returns a duration in seconds. The kubelet's file defaulting replaces
// zero (even a written zero) with the default; a /configz value is already
// effective, so only an absent one gets the default.
func (b *builder) dur(p string, v, def time.Duration) int64 {
	if v == 0 && (b.m == modeFile || !b.written(p)) {
		if b.written(p) {
			b.out.ZeroDefaulted = append(b.out.ZeroDefaulted, p)
		}
		v = def
	}
	return int64(v / time.Second)
}

func (b *builder) auth(kc *kubeletv1beta1.KubeletConfiguration) {
	a, w, out := kc.Authentication, kc.Authorization.Webhook, &b.out
	out.AnonymousAuth = boolOr(a.Anonymous.Enabled, defaultAnonymous)
	out.WebhookAuthn = boolOr(a.Webhook.Enabled, defaultWebhookAuthn)
	out.AuthnWebhookCacheTTLSeconds = b.dur(PathAuthnCacheTTL, a.Webhook.CacheTTL.Duration, defaultAuthnCacheTTL)
	out.ClientCAFile = a.X509.ClientCAFile
	out.AuthorizationMode = string(kc.Authorization.Mode)
	if out.AuthorizationMode == "" {
		out.AuthorizationMode = defaultAuthorizationMode
	}
	out.WebhookCacheAuthorizedTTLSeconds = b.dur(PathAuthzAuthorizedTTL, w.CacheAuthorizedTTL.Duration, defaultAuthorizedTTL)
	out.WebhookCacheUnauthorizedTTLSeconds = b.dur(PathAuthzUnauthorizedTTL, w.CacheUnauthorizedTTL.Duration, defaultUnauthorizedTTL)
}

func (b *builder) tls(kc *kubeletv1beta1.KubeletConfiguration) {
	out := &b.out
	out.TLSCertFile = kc.TLSCertFile
	out.TLSPrivateKeyFile = kc.TLSPrivateKeyFile
	out.ServerTLSBootstrap = kc.ServerTLSBootstrap
	out.RotateCertificates = kc.RotateCertificates
	out.TLSCipherSuites = append([]string{}, kc.TLSCipherSuites...)
	out.TLSMinVersion = kc.TLSMinVersion
	maps.Copy(out.FeatureGates, kc.FeatureGates)
}

func (b *builder) server(kc *kubeletv1beta1.KubeletConfiguration) {
	out := &b.out
	out.ReadOnlyPort = kc.ReadOnlyPort
	out.StreamingConnectionIdleTimeoutSeconds = b.dur(PathStreamingIdle, kc.StreamingConnectionIdleTimeout.Duration, defaultStreamingIdle)
	out.MakeIPTablesUtilChains = boolOr(kc.MakeIPTablesUtilChains, defaultMakeIPTables)
	out.EventRecordQPS = int32Or(kc.EventRecordQPS, defaultEventRecordQPS)
	out.PodPidsLimit = defaultPodPidsLimit
	if kc.PodPidsLimit != nil && *kc.PodPidsLimit >= 0 {
		out.PodPidsLimit = *kc.PodPidsLimit
	}
	out.EnableDebuggingHandlers = boolOr(kc.EnableDebuggingHandlers, defaultDebugging)
	out.EnableProfilingHandler = boolOr(kc.EnableProfilingHandler, defaultProfiling)
	out.ProtectKernelDefaults = kc.ProtectKernelDefaults
	// hostnameOverride is no KubeletConfiguration v1beta1 field (1.37): the
	// kubelet ignores it with a strict-decoding warning. Kept so the rule can
	// say so; the flag form comes from the node collector.
	if h, ok := b.d.value[PathHostnameOverride].(string); ok {
		out.HostnameOverride = h
	}
}

// applyKubeadm mirrors what kubeadm writes into the kubelet's config file.
func applyKubeadm(out *facts.KubeletConfig, ka *kubeadmContext) {
	out.Kubeadm = true
	if out.ClientCAFile == "" {
		out.ClientCAFile = strings.TrimSuffix(ka.certDir, "/") + "/" + kubeadmCACertName
	}
	out.RotateCertificates = true
}

// writtenFields returns the audited paths written in d and their lines (only
// those with a known line). Feature gates are listed one by one.
func writtenFields(d doc) ([]string, map[string]int) {
	set := []string{}
	var lines map[string]int
	add := func(p string, line int) {
		set = append(set, p)
		if line > 0 {
			if lines == nil {
				lines = map[string]int{}
			}
			lines[p] = line
		}
	}
	for _, p := range auditedPaths {
		if line, ok := d.lines[p]; ok {
			add(p, line)
		}
	}
	for p, line := range d.lines {
		if strings.HasPrefix(p, PathFeatureGates+".") {
			add(p, line)
		}
	}
	sort.Strings(set)
	return set, lines
}

func boolOr(p *bool, def bool) bool {
	if p == nil {
		return def
	}
	return *p
}

func int32Or(p *int32, def int32) int32 {
	if p == nil {
		return def
	}
	return *p
}
