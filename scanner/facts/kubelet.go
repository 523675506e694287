package facts

// Probe outcomes, judged from status code and body (kubelet-facts.md).
const (
	OutcomeUnauthenticated = "unauthenticated" // 401: anonymous auth off / credentials rejected
	OutcomeForbidden       = "forbidden"       // 403 from the kubelet authorizer (body names the user)
	OutcomeAllowed         = "allowed"         // 2xx
	OutcomeExecAuthorized  = "exec-authorized" // 404 "pod does not exist" on an exec-family path
	OutcomeDebugDisabled   = "debug-disabled"  // 405 "... disabled"
	OutcomeNotFound        = "not-found"       // 404 page not found (endpoint absent)
	// OutcomeMethodRejected: the handler itself answered (so authentication
	// and authorization passed) but refuses the method, e.g. 406
	// "unsupported http method" on GET /debug/flags/v when it is enabled.
	OutcomeMethodRejected = "method-rejected"
	OutcomeUnexpected     = "unexpected" // anything else; see Evidence
	OutcomeError          = "error"      // no HTTP answer: see Error
)

// Kubelet states: whether a target could be checked at all.
const (
	StateChecked     = "checked"
	StateUnreachable = "unreachable" // connection refused / no route
	StateTimeout     = "timeout"
	StateTLSError    = "tls-error"
	StateProtocol    = "protocol-error" // not HTTPS / garbage answers
	// StateClosed is used for the read-only port only: the connection was
	// refused, nothing listens there (the safe state of 10255).
	StateClosed = "closed"
)

// Kubelet is what probing one kubelet found.
type Kubelet struct {
	// Target is host:port of the authenticated port (10250).
	Target string `json:"target"`
	// Node is the node name when known (cluster mode).
	Node     string   `json:"node,omitempty"`
	Location Location `json:"location"`
	// State is one of the State* constants; anything but "checked" means the
	// kubelet could not be checked and is never a pass.
	State string `json:"state"`
	Error string `json:"error,omitempty"`
	// Anonymous is "enabled" (403 naming system:anonymous, or 2xx without
	// credentials), "disabled" (401) or "unknown".
	Anonymous string        `json:"anonymous"`
	TLS       *TLSFacts     `json:"tls,omitempty"`
	Probes    []Probe       `json:"probes"`
	ReadOnly  *ReadOnlyPort `json:"readOnly,omitempty"`
	// Config is the /configz body when one was read.
	Config *KubeletConfig `json:"config,omitempty"`
	// AuthPass describes the authenticated pass, when one ran.
	AuthPass *AuthPass `json:"authPass,omitempty"`
	// ConfigzBody is the first 2xx /configz body a probe read (capped at
	// MaxBody), for the KubeletConfiguration parser that fills Config. It is
	// not part of the policy input.
	ConfigzBody []byte `json:"-"`
}

// AuthPass describes the authenticated (token or client certificate) pass
// of a probe.
type AuthPass struct {
	// Identity is the Probe.Identity of its probes: "token", "cert" or "cert+token".
	Identity string `json:"identity"`
	// LowPrivilege is true when the caller vouched that the identity holds
	// no node RBAC (cluster mode's own probe identity), so any 2xx it gets
	// proves kubelet authorization mode AlwaysAllow.
	LowPrivilege bool `json:"lowPrivilege"`
}

// Probe is one safe request and its classified answer.
type Probe struct {
	// ID is the plan step, e.g. "T1".
	ID     string `json:"id"`
	Method string `json:"method"`
	Path   string `json:"path"`
	// Subresource and Verb are what the kubelet authorizes for this request;
	// Subresource lists the subresources it tries comma-separated, the
	// fine-grained one first (e.g. "pods,proxy").
	Subresource string `json:"subresource"`
	Verb        string `json:"verb"`
	// Identity is "anonymous", or "token"/"cert" for authenticated passes.
	Identity string `json:"identity"`
	Status   int    `json:"status"`
	Outcome  string `json:"outcome"`
	// User is the user named in a 403 body (e.g. system:anonymous).
	User string `json:"user,omitempty"`
	// DeniedVerb and DeniedSubresources are the verb and the subresource(s)
	// a 403 body names (both body forms: subresource=proxy and
	// subresource(s)=[pods proxy]).
	DeniedVerb         string   `json:"deniedVerb,omitempty"`
	DeniedSubresources []string `json:"deniedSubresources,omitempty"`
	// Evidence is the status line and a short body excerpt.
	Evidence string `json:"evidence"`
	Error    string `json:"error,omitempty"`
	// PodCount is the number of pods in a /pods answer (-1 when unknown).
	PodCount int `json:"podCount,omitempty"`
}

// ReadOnlyPort is the plain-HTTP read-only port check (10255).
type ReadOnlyPort struct {
	Port     int    `json:"port"`
	Open     bool   `json:"open"`
	State    string `json:"state"`
	Status   int    `json:"status,omitempty"`
	Evidence string `json:"evidence,omitempty"`
	Error    string `json:"error,omitempty"`
}

// TLSFacts describes the kubelet's serving TLS.
type TLSFacts struct {
	Version     string   `json:"version"`
	CipherSuite string   `json:"cipherSuite"`
	Subject     string   `json:"subject"`
	Issuer      string   `json:"issuer"`
	DNSNames    []string `json:"dnsNames"`
	IPAddresses []string `json:"ipAddresses"`
	NotBefore   string   `json:"notBefore"`
	NotAfter    string   `json:"notAfter"`
	// DaysLeft until NotAfter (negative when expired).
	DaysLeft int `json:"daysLeft"`
	// SelfSigned is true for the kubelet's own <host>@<ts> certificate.
	SelfSigned bool `json:"selfSigned"`
	// Verified is true when the chain verified against --ca-file.
	Verified    bool   `json:"verified"`
	VerifyError string `json:"verifyError,omitempty"`
	// ClientCertRequested is true when the server asks for a client certificate.
	ClientCertRequested bool     `json:"clientCertRequested"`
	AcceptableCAs       []string `json:"acceptableCAs"`
	// WeakProtocols / WeakCiphers that the server accepted when offered.
	WeakProtocols []string `json:"weakProtocols"`
	WeakCiphers   []string `json:"weakCiphers"`
}

// KubeletConfig is a KubeletConfiguration with the defaults applied that the
// kubelet would apply for its origin (file defaults vs legacy flag defaults).
type KubeletConfig struct {
	// Origin is "file", "configz" or "flags".
	Origin   string   `json:"origin"`
	Node     string   `json:"node,omitempty"`
	Location Location `json:"location"`
	// Name is what findings call the config: the node name, else the file's
	// base name, else the location URI.
	Name string `json:"name"`
	// Kubeadm is true when the document sits in a kubeadm configuration file:
	// kubeadm's defaults (clientCAFile <certificatesDir>/ca.crt, rotateCertificates
	// forced true) were applied on top of the kubelet's file defaults.
	Kubeadm bool `json:"kubeadm"`
	// ZeroDefaulted lists audited fields written as zero (e.g. "0s") that the
	// kubelet's file defaulting replaces with the default, so the written value
	// has no effect.
	ZeroDefaulted []string `json:"zeroDefaulted"`

	AnonymousAuth     bool   `json:"anonymousAuth"`
	WebhookAuthn      bool   `json:"webhookAuthn"`
	AuthorizationMode string `json:"authorizationMode"`
	ClientCAFile      string `json:"clientCAFile"`
	ReadOnlyPort      int32  `json:"readOnlyPort"`
	// StreamingConnectionIdleTimeoutSeconds: 0 means never time out.
	StreamingConnectionIdleTimeoutSeconds int64           `json:"streamingConnectionIdleTimeoutSeconds"`
	MakeIPTablesUtilChains                bool            `json:"makeIPTablesUtilChains"`
	HostnameOverride                      string          `json:"hostnameOverride"`
	EventRecordQPS                        int32           `json:"eventRecordQPS"`
	TLSCertFile                           string          `json:"tlsCertFile"`
	TLSPrivateKeyFile                     string          `json:"tlsPrivateKeyFile"`
	ServerTLSBootstrap                    bool            `json:"serverTLSBootstrap"`
	RotateCertificates                    bool            `json:"rotateCertificates"`
	TLSCipherSuites                       []string        `json:"tlsCipherSuites"`
	TLSMinVersion                         string          `json:"tlsMinVersion"`
	PodPidsLimit                          int64           `json:"podPidsLimit"`
	EnableDebuggingHandlers               bool            `json:"enableDebuggingHandlers"`
	EnableProfilingHandler                bool            `json:"enableProfilingHandler"`
	ProtectKernelDefaults                 bool            `json:"protectKernelDefaults"`
	WebhookCacheAuthorizedTTLSeconds      int64           `json:"webhookCacheAuthorizedTTLSeconds"`
	WebhookCacheUnauthorizedTTLSeconds    int64           `json:"webhookCacheUnauthorizedTTLSeconds"`
	AuthnWebhookCacheTTLSeconds           int64           `json:"authnWebhookCacheTTLSeconds"`
	FeatureGates                          map[string]bool `json:"featureGates"`
	// Set lists the fields written explicitly (JSON names), so rules can tell
	// a default from a choice.
	Set []string `json:"set"`
	// FieldLines maps JSON field paths (e.g. "authentication.anonymous.enabled")
	// to their line in the file, when known.
	FieldLines map[string]int `json:"fieldLines,omitempty"`
}
