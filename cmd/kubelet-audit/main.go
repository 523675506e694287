// Command kubelet-audit answers who and what can reach the kubelet.
package main

import (
	"context"
	"os"

	"github.com/kubelet-audit/kubelet-audit/cmd/kubelet-audit/internal/cli"
)

func main() { os.Exit(cli.Run(context.Background(), os.Args, os.Stdin, os.Stdout, os.Stderr)) }
