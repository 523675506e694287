package cluster

import (
	"context"
	"errors"
	"fmt"
	"io"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// MaxConfigzBytes caps a /configz body; real ones are a few KiB.
const MaxConfigzBytes = 1 << 20

// ConfigzPermission is what Configz needs: the API server authorizes
// /api/v1/nodes/<n>/proxy/... as nodes/proxy whatever the path behind it
// (the fine-grained nodes/configz is checked only by a kubelet read
// directly). Granting it to the scanner is itself an exec-equivalent grant.
const ConfigzPermission = "get nodes/proxy"

// Configz reads the node's /configz through the API server node proxy
// (GET /api/v1/nodes/<node>/proxy/configz) and returns the raw body, at most
// MaxConfigzBytes; the kubeletconfig package parses it. It needs
// ConfigzPermission; a 403 says so.
func Configz(ctx context.Context, client kubernetes.Interface, node string) ([]byte, error) {
	rc := client.CoreV1().RESTClient()
	if r, ok := rc.(*rest.RESTClient); rc == nil || (ok && r == nil) {
		return nil, errors.New("configz: the client has no REST transport (fake clientset?)")
	}
	stream, err := rc.Get().Resource("nodes").Name(node).SubResource("proxy", "configz").Stream(ctx)
	if err != nil {
		return nil, configzError(node, err)
	}
	defer stream.Close()
	body, err := io.ReadAll(io.LimitReader(stream, MaxConfigzBytes+1))
	if err != nil {
		return nil, fmt.Errorf("configz of node %s: read body: %w", node, err)
	}
	if len(body) > MaxConfigzBytes {
		return nil, fmt.Errorf("configz of node %s: body larger than %d bytes", node, MaxConfigzBytes)
	}
	return body, nil
}

func configzError(node string, err error) error {
	switch {
	case apierrors.IsForbidden(err):
		return fmt.Errorf("configz of node %s (forbidden): needs %s (the API server node proxy checks nodes/proxy, not nodes/configz): %w",
			node, ConfigzPermission, err)
	case apierrors.IsNotFound(err):
		return fmt.Errorf("configz of node %s (not found): no such node, or the kubelet serves no /configz (enableDebuggingHandlers: false): %w", node, err)
	default:
		return fmt.Errorf("configz of node %s: %w", node, err)
	}
}
