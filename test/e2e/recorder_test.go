package e2e

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kubeletconfig "k8s.io/kubernetes/pkg/kubelet/apis/config"
	"k8s.io/kubernetes/pkg/kubelet/server"

	"github.com/kubelet-audit/kubelet-audit/test/e2e/testbed"
)

// TestRuntimeRecorderControl is the positive control for "nothing ran": an
// exec-family request that names a pod the kubelet has does reach the host's
// runtime, and the host records it. So the empty RuntimeCalls checked after
// every probe means the probes never got that far.
func TestRuntimeRecorderControl(t *testing.T) {
	t.Parallel()
	host := testbed.NewHost("control")
	host.SetPods([]*v1.Pod{{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "real", UID: "uid-1"},
		Spec:       v1.PodSpec{Containers: []v1.Container{{Name: "c"}}},
	}})
	cfg := &kubeletconfig.KubeletConfiguration{EnableDebuggingHandlers: true}
	h := server.NewServer(context.Background(), host, nil, nil, nil, nil, cfg)
	srv := httptest.NewServer(&h) // 127.0.0.1, no auth: the recorder is what is tested
	defer srv.Close()
	for _, r := range []struct{ method, path string }{
		{"POST", "/run/ns/real/c?cmd=id"},
		{"GET", "/exec/ns/real/c?command=id&output=1"},
		{"GET", "/exec/ns/made-up/c?command=id&output=1"}, // unknown pod: never reaches the runtime
	} {
		req, _ := http.NewRequest(r.method, srv.URL+r.path, nil)
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	got := host.RuntimeCalls()
	sameStrings(t, "recorded runtime calls", got, []string{"exec real_ns/c [id]", "run real_ns/c [id]"})
}
