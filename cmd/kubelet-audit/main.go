// Command kubelet-audit answers who and what can reach the kubelet.
package main

import (
	"context"
	"os"

	"github.com/kubelet-audit/kubelet-audit/cmd/kubelet-audit/internal/cli"
	"github.com/kubelet-audit/kubelet-audit/internal/gcfloor"
)

// heapFloor is the heap size below which the collector does not run just
// because the live heap doubled (internal/gcfloor; GOGC or GOMEMLIMIT in
// the environment turn it off).
const heapFloor = 192 << 20

func main() {
	gcfloor.Set(heapFloor)
	os.Exit(cli.Run(context.Background(), os.Args, os.Stdin, os.Stdout, os.Stderr))
}
