// Package e2e runs kubelet-audit against a real control plane and real
// kubelet servers started in-process by package testbed: the real RBAC
// authorizer, the real kubelet authentication/authorization code, the real
// CLI binary. One environment serves the whole test binary (TestMain); the
// cases are parallel-safe because they only read the seeded cluster or use
// identities of their own.
package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kubelet-audit/kubelet-audit/test/e2e/testbed"
)

// Shared by every test: the running environment and the CLI binary.
var (
	env     *testbed.Env
	cliPath string
	// repoRoot is the kubelet-audit repository (deploy/ manifests).
	repoRoot string
	// kubeconfigs of the seeded identities.
	adminKubeconfig, scannerKubeconfig, limitedKubeconfig string
)

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	root, err := filepath.Abs("../..")
	if err != nil {
		return fail("repo root: %v", err)
	}
	repoRoot = root
	tmp, err := os.MkdirTemp("", "kubelet-audit-e2e-")
	if err != nil {
		return fail("temp dir: %v", err)
	}
	defer os.RemoveAll(tmp)
	built := make(chan error, 1)
	cliPath = filepath.Join(tmp, "kubelet-audit")
	go func() { built <- buildCLI(cliPath) }()

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if err := startEnv(ctx, filepath.Join(tmp, "testbed")); err != nil {
		if env != nil {
			env.Close()
		}
		<-built
		return fail("%v", err)
	}
	if err := <-built; err != nil {
		env.Close()
		return fail("%v", err)
	}
	code := m.Run()
	if calls := env.RuntimeCalls(); len(calls) > 0 {
		fmt.Fprintf(os.Stderr, "FAIL: a probe reached the container runtime of a kubelet: %v\n", calls)
		code = 1
	}
	if code != 0 {
		fmt.Fprintf(os.Stderr, "test bed log: %s\n", keepLog(env.LogFile))
	}
	addrs := listeningAddrs()
	env.Close()
	if open := stillOpen(addrs); len(open) > 0 {
		fmt.Fprintf(os.Stderr, "FAIL: ports still accept connections after Close: %v\n", open)
		code = 1
	}
	return code
}

func fail(format string, args ...any) int {
	fmt.Fprintf(os.Stderr, "e2e setup: "+format+"\n", args...)
	return 1
}

// buildCLI builds the real CLI once, in the main module with its own go.mod
// and go.sum: the binary users get (this module's dependency graph differs,
// and its go.sum lacks CLI-only modules).
func buildCLI(out string) error {
	cmd := exec.Command("go", "build", "-o", out, "./cmd/kubelet-audit")
	cmd.Dir = repoRoot
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("build kubelet-audit: %v\n%s", err, stderr.String())
	}
	return nil
}

// startEnv starts the test bed with the default kubelets, seeds it and
// writes the kubeconfigs.
func startEnv(ctx context.Context, dir string) error {
	var err error
	env, err = testbed.Start(ctx, testbed.Options{Dir: dir, Kubelets: testbed.DefaultKubelets()})
	if err != nil {
		return err
	}
	if err := testbed.SeedInsecureCluster(ctx, env, filepath.Join(repoRoot, "deploy")); err != nil {
		return err
	}
	if adminKubeconfig, err = env.WriteKubeconfig("admin.kubeconfig", env.Admin); err != nil {
		return err
	}
	if scannerKubeconfig, err = saKubeconfig(ctx, testbed.ScannerNamespace, testbed.ScannerSA); err != nil {
		return err
	}
	limitedKubeconfig, err = saKubeconfig(ctx, testbed.ScannerNamespace, testbed.LimitedSA)
	return err
}

func saKubeconfig(ctx context.Context, ns, name string) (string, error) {
	id, err := env.ServiceAccount(ctx, ns, name)
	if err != nil {
		return "", err
	}
	return env.WriteKubeconfig(ns+"-"+name+".kubeconfig", id)
}

// keepLog copies the test bed log out of the temporary directory.
func keepLog(path string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return "(unreadable: " + err.Error() + ")"
	}
	out := filepath.Join(os.TempDir(), "kubelet-audit-e2e-testbed.log")
	if err := os.WriteFile(out, data, 0o600); err != nil {
		return "(not kept: " + err.Error() + ")"
	}
	return out
}

// listeningAddrs are the kubelet and API server addresses.
func listeningAddrs() []string {
	addrs := []string{strings.TrimPrefix(env.Server(), "https://")}
	for _, k := range env.Kubelets {
		addrs = append(addrs, k.Addr)
		if k.ReadOnlyAddr != "" {
			addrs = append(addrs, k.ReadOnlyAddr)
		}
	}
	return addrs
}

// stillOpen returns the addresses that still accept TCP connections.
func stillOpen(addrs []string) []string {
	var open []string
	for _, a := range addrs {
		c, err := net.DialTimeout("tcp", a, time.Second)
		if err == nil {
			c.Close()
			open = append(open, a)
		} else if !errors.Is(err, syscall.ECONNREFUSED) {
			open = append(open, a+" ("+err.Error()+")")
		}
	}
	return open
}
