package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// targets are issue 7's budgets per size: wall time and peak RSS.
var targets = map[string]struct {
	wall time.Duration
	rss  int64
}{
	"M":  {500 * time.Millisecond, 0},
	"L":  {2 * time.Second, 300 << 20},
	"XL": {10 * time.Second, 1 << 30},
}

// printTable prints the scan results as a Markdown table.
func printTable(rows []row) {
	fmt.Println()
	fmt.Println("| size | roles / bindings | objects | files | wall | CPU | peak RSS | findings | access edges | who-can vs answer | proxy/log findings vs answer | target |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|---|---|---|")
	for _, r := range rows {
		c := r.check
		fmt.Printf("| %s | %d / %d | %d | %d | %s | %s | %s | %d | %d | %s | %s | %s |\n",
			r.size.Name, r.size.Roles, r.size.Bindings, r.counts.Objects, r.counts.Files,
			secs(r.use.wall), secs(r.use.cpu), mib(r.use.maxRSS), c.findings, c.access,
			verdict(c.holders, c.missed, c.false), okText(c.findingErrs == 0), targetText(r))
	}
	var m, l *row
	for i := range rows {
		switch rows[i].size.Name {
		case "M":
			m = &rows[i]
		case "L":
			l = &rows[i]
		}
	}
	if m != nil && l != nil {
		ratio := l.use.wall.Seconds() / m.use.wall.Seconds()
		fmt.Printf("\nM -> L wall-time ratio: %.1fx for %.0fx the input (target <= 12x): %s\n",
			ratio, float64(l.size.Roles+l.size.Bindings)/float64(m.size.Roles+m.size.Bindings), okText(ratio <= 12))
	}
}

func verdict(holders, missed, falsePos int) string {
	s := fmt.Sprintf("%d holders, %d missed, %d false", holders, missed, falsePos)
	if missed+falsePos > 0 {
		return "**" + s + "**"
	}
	return s
}

func targetText(r row) string {
	t, ok := targets[r.size.Name]
	if !ok {
		return "-"
	}
	var parts []string
	parts = append(parts, fmt.Sprintf("wall <= %s: %s", secs(t.wall), okText(r.use.wall <= t.wall)))
	if t.rss > 0 {
		parts = append(parts, fmt.Sprintf("RSS <= %s: %s", mib(t.rss), okText(r.use.maxRSS <= t.rss)))
	}
	return strings.Join(parts, ", ")
}

func okText(ok bool) string {
	if ok {
		return "ok"
	}
	return "**over**"
}

func secs(d time.Duration) string { return fmt.Sprintf("%.2f s", d.Seconds()) }

// probeBench builds the scanner/kubelet test binary and runs
// BenchmarkProbe1000 once, measuring the whole process (prober and the
// 1,000 fake kubelets it serves, so RSS is an upper bound for the prober).
func probeBench(cfg config) error {
	bin := filepath.Join(cfg.cache, "kubelet.test")
	build := exec.Command("go", "test", "-c", "-o", bin, "./scanner/kubelet")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("build probe benchmark: %w", err)
	}
	fmt.Println("\nBenchmarkProbe1000 (1,000 loopback kubelets, default concurrency, one pass):")
	u, err := timed(bin, "-test.run", "^$", "-test.bench", "^BenchmarkProbe1000$", "-test.benchtime", "1x")
	if err != nil {
		return err
	}
	fmt.Printf("| probe | wall | CPU | peak RSS (prober + fake kubelets) | target |\n|---|---|---|---|---|\n")
	fmt.Printf("| 1,000 kubelets | %s | %s | %s | wall <= 10 s: %s, RSS <= 200 MiB: %s |\n",
		secs(u.wall), secs(u.cpu), mib(u.maxRSS), okText(u.wall <= 10*time.Second), okText(u.maxRSS <= 200<<20))
	if u.exit != 0 {
		return fmt.Errorf("BenchmarkProbe1000 exited %d", u.exit)
	}
	return nil
}

// goBenchmarks runs the per-stage Go benchmarks on the generated corpus.
func goBenchmarks() error {
	fmt.Println("\nGo benchmarks (size M corpus; KUBELET_AUDIT_BENCH_SIZE=L for L):")
	cmd := exec.Command("go", "test", "-run", "^$", "-bench", "Corpus", "-benchmem", "-benchtime", "3x",
		"./scanner/load", "./scanner/rbac", "./scanner/engine", "./reports")
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go benchmarks: %w", err)
	}
	return nil
}
