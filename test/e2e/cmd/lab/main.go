// Command lab starts kubelet-audit's test bed — an in-process etcd,
// kube-apiserver and six real kubelet servers on 127.0.0.1 — seeds a
// realistic insecure cluster, writes kubeconfigs and prints how to scan it.
// It stays up until interrupted (Ctrl-C / SIGTERM). Run it with `make lab`.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/kubelet-audit/kubelet-audit/test/e2e/testbed"
)

func main() {
	dir := flag.String("dir", "", "directory for kubeconfigs, CA and log (default: a new temporary directory, removed on exit)")
	deploy := flag.String("deploy", "../../deploy", "the repository's deploy/ directory (scanner RBAC)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *dir, *deploy, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "lab:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, dir, deploy string, out io.Writer) error {
	start := time.Now()
	fmt.Fprintln(out, "starting etcd, kube-apiserver and 6 kubelets on 127.0.0.1 ...")
	env, err := testbed.Start(ctx, testbed.Options{Dir: dir, Kubelets: testbed.DefaultKubelets()})
	if err != nil {
		return err
	}
	defer env.Close()
	if err := testbed.SeedInsecureCluster(ctx, env, deploy); err != nil {
		return err
	}
	files, err := writeKubeconfigs(ctx, env)
	if err != nil {
		return err
	}
	printGuide(out, env, files, time.Since(start))
	<-ctx.Done()
	fmt.Fprintln(out, "\nshutting down ...")
	return nil
}

// kubeconfigs written by the lab.
type kubeconfigs struct{ admin, scanner, limited, nobody string }

func writeKubeconfigs(ctx context.Context, env *testbed.Env) (kubeconfigs, error) {
	var k kubeconfigs
	var err error
	if k.admin, err = env.WriteKubeconfig("admin.kubeconfig", env.Admin); err != nil {
		return k, err
	}
	for _, sa := range []struct {
		ns, name, file string
		dst            *string
	}{
		{testbed.ScannerNamespace, testbed.ScannerSA, "scanner.kubeconfig", &k.scanner},
		{testbed.ScannerNamespace, testbed.LimitedSA, "limited.kubeconfig", &k.limited},
		{"default", "nobody", "nobody.kubeconfig", &k.nobody},
	} {
		id, err := env.ServiceAccount(ctx, sa.ns, sa.name)
		if err != nil {
			return k, err
		}
		if *sa.dst, err = env.WriteKubeconfig(sa.file, id); err != nil {
			return k, err
		}
	}
	return k, nil
}

func printGuide(out io.Writer, env *testbed.Env, k kubeconfigs, took time.Duration) {
	bin := "bin/kubelet-audit"
	fmt.Fprintf(out, "\nkubelet-audit lab is up (%s). API server %s\n\n", took.Round(100*time.Millisecond), env.Server())
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NODE\tKUBELET\tREAD-ONLY\tSETUP")
	for _, kl := range env.Kubelets {
		ro := "-"
		if kl.ReadOnlyAddr != "" {
			ro = kl.ReadOnlyAddr
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", kl.Options.Name, kl.Addr, ro, describe(kl.Options))
	}
	_ = tw.Flush()
	fmt.Fprintf(out, `
From the repository root, build the CLI and scan the cluster:

  make build
  %[1]s scan --cluster --kubeconfig %[2]s
  %[1]s scan --cluster --kubeconfig %[3]s --verify --ca-file %[4]s --format json

  (%[2]s: system:masters; %[3]s: the least-privilege
   scanner ServiceAccount from deploy/; %[5]s cannot list Roles:
   its scan is partial, exit 3 with --fail-on none)

Who reaches the kubelets, and probe one directly:

  %[1]s who-can nodes/proxy --cluster --kubeconfig %[2]s
  %[1]s probe %[6]s
  %[1]s probe %[7]s --read-only-port %[8]d

Files: %[9]s (log: %[10]s). Ctrl-C stops the lab.
`, bin, k.admin, k.scanner, env.CAFile, k.limited, env.Kubelet(testbed.NodeOpen).Addr,
		env.Kubelet(testbed.NodeReadOnly).Addr, env.Kubelet(testbed.NodeReadOnly).ReadOnlyPort,
		env.Dir, filepath.Base(env.LogFile))
}

// describe says how a kubelet is configured, in kubelet-config terms.
func describe(o testbed.KubeletOptions) string {
	s := "anonymous=" + onOff(o.Anonymous) + " authz="
	if o.AlwaysAllow {
		s += "AlwaysAllow"
	} else {
		s += "Webhook"
	}
	s += " debug=" + onOff(!o.DisableDebuggingHandlers) + " tls="
	if o.CASigned {
		s += "ca-signed"
	} else {
		s += "self-signed"
	}
	return s
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}
