package testbed

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"sync"

	cadvisorapi "github.com/google/cadvisor/lib/model"
	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
	"k8s.io/cri-streaming/pkg/streaming/portforward"
	remotecommandserver "k8s.io/cri-streaming/pkg/streaming/remotecommand"
	statsapi "k8s.io/kubelet/pkg/apis/stats/v1alpha1"
	"k8s.io/kubernetes/pkg/kubelet/server"
	"k8s.io/kubernetes/pkg/kubelet/server/stats"
)

// errNoRuntime is what every runtime method of the stub host answers: the
// test bed has no container runtime, and nothing may ever run.
var errNoRuntime = errors.New("testbed: no container runtime")

// Host is the kubelet "host" behind one test bed kubelet server: it serves a
// fixed pod list and node logs, and records every call that would have
// reached the container runtime (exec, run, attach, port-forward, container
// logs, checkpoint) so tests can prove a probe never ran anything. Methods
// the server does not need stay nil and panic, like an unimplemented kubelet.
type Host struct {
	server.HostInterface
	node string

	mu      sync.Mutex
	pods    []*v1.Pod
	runtime []string
}

var _ server.HostInterface = (*Host)(nil)

// NewHost returns a host for node with no pods.
func NewHost(node string) *Host { return &Host{node: node} }

// SetPods replaces the pods the kubelet reports on /pods and /runningpods/.
// A pod in this list is "found" by exec-family handlers, which then reach
// the (recorded, refusing) runtime.
func (h *Host) SetPods(pods []*v1.Pod) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.pods = append([]*v1.Pod(nil), pods...)
}

// RuntimeCalls lists the runtime calls that reached this host, e.g.
// "exec ns/pod/ctr [cmd]". A safe prober leaves it empty.
func (h *Host) RuntimeCalls() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := append([]string(nil), h.runtime...)
	sort.Strings(out)
	return out
}

func (h *Host) record(format string, args ...any) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.runtime = append(h.runtime, fmt.Sprintf(format, args...))
}

// GetPods returns the configured pods.
func (h *Host) GetPods() []*v1.Pod {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]*v1.Pod(nil), h.pods...)
}

// GetRunningPods returns the configured pods.
func (h *Host) GetRunningPods(context.Context) ([]*v1.Pod, error) { return h.GetPods(), nil }

// GetPodByName finds a configured pod; unknown pods give the kubelet's
// "pod does not exist" answer.
func (h *Host) GetPodByName(namespace, name string) (*v1.Pod, bool) {
	for _, p := range h.GetPods() {
		if p.Namespace == namespace && p.Name == name {
			return p, true
		}
	}
	return nil, false
}

// SyncLoopHealthCheck reports a healthy sync loop (/healthz).
func (h *Host) SyncLoopHealthCheck(*http.Request) error { return nil }

// ServeLogs answers /logs/ with a fixed node log line.
func (h *Host) ServeLogs(w http.ResponseWriter, _ *http.Request) {
	_, _ = fmt.Fprintf(w, "testbed node %s: no real logs\n", h.node)
}

// RunInContainer records the attempt and refuses (/run).
func (h *Host) RunInContainer(_ context.Context, name string, _ types.UID, container string, cmd []string) ([]byte, error) {
	h.record("run %s/%s %v", name, container, cmd)
	return nil, errNoRuntime
}

// GetExec records the attempt and refuses (/exec).
func (h *Host) GetExec(_ context.Context, name string, _ types.UID, container string, cmd []string, _ remotecommandserver.Options) (*url.URL, error) {
	h.record("exec %s/%s %v", name, container, cmd)
	return nil, errNoRuntime
}

// GetAttach records the attempt and refuses (/attach).
func (h *Host) GetAttach(_ context.Context, name string, _ types.UID, container string, _ remotecommandserver.Options) (*url.URL, error) {
	h.record("attach %s/%s", name, container)
	return nil, errNoRuntime
}

// GetPortForward records the attempt and refuses (/portForward).
func (h *Host) GetPortForward(_ context.Context, name, namespace string, _ types.UID, _ portforward.V4Options) (*url.URL, error) {
	h.record("portforward %s/%s", namespace, name)
	return nil, errNoRuntime
}

// GetKubeletContainerLogs records the attempt and refuses (/containerLogs).
func (h *Host) GetKubeletContainerLogs(_ context.Context, name, container string, _ *v1.PodLogOptions, _, _ io.Writer) error {
	h.record("containerlogs %s/%s", name, container)
	return errNoRuntime
}

// CheckpointContainer records the attempt and refuses (/checkpoint).
func (h *Host) CheckpointContainer(_ context.Context, _ types.UID, name, container string, _ *runtimeapi.CheckpointContainerRequest) error {
	h.record("checkpoint %s/%s", name, container)
	return errNoRuntime
}

// GetVersionInfo, GetCachedMachineInfo and GetRequestedContainersInfo feed
// /metrics/cadvisor with empty data instead of panicking.
func (h *Host) GetVersionInfo() (*cadvisorapi.VersionInfo, error) {
	return &cadvisorapi.VersionInfo{KernelVersion: "testbed"}, nil
}

// GetCachedMachineInfo returns an empty machine.
func (h *Host) GetCachedMachineInfo() (*cadvisorapi.MachineInfo, error) {
	return &cadvisorapi.MachineInfo{}, nil
}

// GetRequestedContainersInfo returns no containers.
func (h *Host) GetRequestedContainersInfo(string, cadvisorapi.RequestOptions) (map[string]*cadvisorapi.ContainerInfo, error) {
	return map[string]*cadvisorapi.ContainerInfo{}, nil
}

// ListMetricDescriptors returns no CRI metrics.
func (h *Host) ListMetricDescriptors(context.Context) ([]*runtimeapi.MetricDescriptor, error) {
	return nil, nil
}

// ListPodSandboxMetrics returns no CRI metrics.
func (h *Host) ListPodSandboxMetrics(context.Context) ([]*runtimeapi.PodSandboxMetrics, error) {
	return nil, nil
}

// analyzer is the stats.ResourceAnalyzer for /stats/summary and
// /metrics/resource: an empty summary naming the node.
type analyzer struct{ node string }

var _ stats.ResourceAnalyzer = analyzer{}

func (a analyzer) Start(context.Context) {}

func (a analyzer) GetPodVolumeStats(types.UID) (stats.PodVolumeStats, bool) {
	return stats.PodVolumeStats{}, false
}

func (a analyzer) Get(context.Context, bool) (*statsapi.Summary, error) {
	return &statsapi.Summary{Node: statsapi.NodeStats{NodeName: a.node}}, nil
}

func (a analyzer) GetCPUAndMemoryStats(context.Context) (*statsapi.Summary, error) {
	return a.Get(context.Background(), false)
}
