package cluster

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/rest"
)

const configzBody = `{"kubeletconfig":{"authentication":{"anonymous":{"enabled":true}},"authorization":{"mode":"AlwaysAllow"}}}`

// apiServer is a stand-in API server on 127.0.0.1 that answers the node
// proxy paths the way kube-apiserver does.
func apiServer(t *testing.T) kubernetes.Interface {
	t.Helper()
	status := func(w http.ResponseWriter, code int, reason, msg string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		_, _ = w.Write([]byte(`{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"` + reason +
			`","message":"` + msg + `","code":` + strconv.Itoa(code) + `}`))
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/nodes/n1/proxy/configz", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(configzBody))
	})
	mux.HandleFunc("GET /api/v1/nodes/exact/proxy/configz", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(strings.Repeat("x", MaxConfigzBytes)))
	})
	mux.HandleFunc("GET /api/v1/nodes/huge/proxy/configz", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(strings.Repeat("x", MaxConfigzBytes+1)))
	})
	mux.HandleFunc("GET /api/v1/nodes/locked/proxy/configz", func(w http.ResponseWriter, _ *http.Request) {
		status(w, http.StatusForbidden, "Forbidden", `nodes \"locked\" is forbidden: User \"scanner\" cannot get resource \"nodes/proxy\"`)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		status(w, http.StatusNotFound, "NotFound", "not found: "+r.URL.Path)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	client, err := kubernetes.NewForConfig(&rest.Config{Host: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	return client
}

func TestConfigz(t *testing.T) {
	client := apiServer(t)
	tests := []struct {
		node    string
		wantLen int
		wantErr string
	}{
		{node: "n1", wantLen: len(configzBody)},
		{node: "exact", wantLen: MaxConfigzBytes},
		{node: "huge", wantErr: "configz of node huge: body larger than 1048576 bytes"},
		{node: "locked", wantErr: "configz of node locked (forbidden): needs get nodes/proxy (the API server node proxy checks nodes/proxy, not nodes/configz)"},
		{node: "missing", wantErr: "configz of node missing (not found): no such node, or the kubelet serves no /configz"},
	}
	for _, tt := range tests {
		t.Run(tt.node, func(t *testing.T) {
			body, err := Configz(context.Background(), client, tt.node)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || len(body) != tt.wantLen {
				t.Fatalf("%d bytes, error %v; want %d bytes", len(body), err, tt.wantLen)
			}
		})
	}
	body, _ := Configz(context.Background(), client, "n1")
	if string(body) != configzBody {
		t.Errorf("body %q", body)
	}
}

func TestConfigzFakeClientset(t *testing.T) {
	if _, err := Configz(context.Background(), fake.NewClientset(), "n1"); err == nil {
		t.Error("a fake clientset has no transport: want an error, not a panic")
	}
}
