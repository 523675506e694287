package testbed

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"

	kubeletv1beta1 "k8s.io/kubelet/config/v1beta1"
	kubeletconfig "k8s.io/kubernetes/pkg/kubelet/apis/config"
	kubeletscheme "k8s.io/kubernetes/pkg/kubelet/apis/config/scheme"
)

// defaultedConfig returns the internal KubeletConfiguration a kubelet
// started from an empty config file would run with (v1beta1 defaults).
func defaultedConfig() (*kubeletconfig.KubeletConfiguration, error) {
	scheme, _, err := kubeletscheme.NewSchemeAndCodecs()
	if err != nil {
		return nil, fmt.Errorf("kubelet config scheme: %w", err)
	}
	ext := &kubeletv1beta1.KubeletConfiguration{}
	scheme.Default(ext)
	cfg := &kubeletconfig.KubeletConfiguration{}
	if err := scheme.Convert(ext, cfg, nil); err != nil {
		return nil, fmt.Errorf("default kubelet config: %w", err)
	}
	return cfg, nil
}

// configzBody renders what the kubelet serves on /configz:
// {"kubeletconfig": <v1beta1 KubeletConfiguration>}.
func configzBody(cfg *kubeletconfig.KubeletConfiguration) ([]byte, error) {
	scheme, _, err := kubeletscheme.NewSchemeAndCodecs()
	if err != nil {
		return nil, fmt.Errorf("kubelet config scheme: %w", err)
	}
	ext := &kubeletv1beta1.KubeletConfiguration{}
	if err := scheme.Convert(cfg, ext, nil); err != nil {
		return nil, fmt.Errorf("configz: %w", err)
	}
	ext.SetGroupVersionKind(kubeletv1beta1.SchemeGroupVersion.WithKind("KubeletConfiguration"))
	return json.Marshal(map[string]any{"kubeletconfig": ext})
}

// withConfigz serves each kubelet's own /configz. The real handler reads a
// process-global registry, which cannot tell six in-process kubelets apart,
// so the kubelet handler still authenticates and authorizes the request and
// only a 200 body is replaced by this kubelet's configuration.
func withConfigz(next http.Handler, body func() ([]byte, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/configz" {
			next.ServeHTTP(w, r)
			return
		}
		rec := &recorder{header: http.Header{}, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		for k, v := range rec.header {
			w.Header()[k] = v
		}
		out := rec.body.Bytes()
		if rec.status == http.StatusOK {
			b, err := body()
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			out = b
			w.Header().Del("Content-Length")
		}
		w.WriteHeader(rec.status)
		_, _ = w.Write(out)
	})
}

// recorder buffers a small response (/configz answers are a few KiB).
type recorder struct {
	mu     sync.Mutex
	header http.Header
	status int
	wrote  bool
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(code int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.wrote {
		r.status, r.wrote = code, true
	}
}

func (r *recorder) Write(b []byte) (int, error) {
	r.WriteHeader(http.StatusOK)
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.body.Write(b)
}
