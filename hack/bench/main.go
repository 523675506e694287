// Command bench is `make bench`: it generates the synthetic corpora of
// hack/gen-rbac (cached), runs full scans with the built binary (every
// built-in rule, JSON and SARIF reports) measuring wall time, CPU time and
// peak RSS of the scan process, checks the report against the generator's
// true answer, prints a table, then runs the Go benchmarks and the
// 1,000-kubelet probe benchmark. Results go to docs/benchmarks.md by hand.
//
//	go run ./hack/bench -bin bin/kubelet-audit            # S, M, L
//	BENCH_XL=1 go run ./hack/bench -bin bin/kubelet-audit # plus XL
//
// Peak RSS comes from the child's rusage (ProcessState.SysUsage), so
// nothing needs installing.
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
)

// config is the command line.
type config struct {
	bin     string
	cache   string
	sizes   []string
	seed    uint64
	runs    int
	goBench bool
	probe   bool
}

func main() {
	cfg := config{}
	sizes := flag.String("sizes", "S,M,L", "corpus sizes to scan (BENCH_XL=1 adds XL)")
	flag.StringVar(&cfg.bin, "bin", "bin/kubelet-audit", "kubelet-audit binary to measure")
	flag.StringVar(&cfg.cache, "cache", ".cache/bench", "directory for generated corpora, reports and profiles")
	flag.Uint64Var(&cfg.seed, "seed", 1, "generator seed")
	flag.IntVar(&cfg.runs, "runs", 3, "scans per size; the table shows the fastest (the machine is shared)")
	flag.BoolVar(&cfg.goBench, "go-bench", true, "also run the Go benchmarks (loader, resolver, policies, reports)")
	flag.BoolVar(&cfg.probe, "probe", true, "also run BenchmarkProbe1000 (1,000 loopback kubelets)")
	flag.Parse()
	cfg.sizes = strings.Split(*sizes, ",")
	if os.Getenv("BENCH_XL") == "1" && !contains(cfg.sizes, "XL") {
		cfg.sizes = append(cfg.sizes, "XL")
	}
	if err := run(cfg); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// run measures every size, prints the table, and fails when a scan's
// report disagrees with the answer.
func run(cfg config) error {
	printMachine()
	var rows []row
	for _, name := range cfg.sizes {
		r, err := measureSize(cfg, name)
		if err != nil {
			return err
		}
		rows = append(rows, r)
	}
	printTable(rows)
	wrong := 0
	for _, r := range rows {
		wrong += r.check.missed + r.check.false + r.check.findingErrs
	}
	if cfg.probe {
		if err := probeBench(cfg); err != nil {
			return err
		}
	}
	if cfg.goBench {
		if err := goBenchmarks(); err != nil {
			return err
		}
	}
	if wrong > 0 {
		return fmt.Errorf("%d disagreement(s) with the generator's answer (see the table)", wrong)
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}
