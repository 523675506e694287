package main

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/kubelet-audit/kubelet-audit/hack/gen-rbac/gen"
)

// usage is what one child process cost.
type usage struct {
	wall, cpu time.Duration
	maxRSS    int64 // bytes
	exit      int
}

// row is one size's line in the table.
type row struct {
	size   gen.Size
	counts gen.Counts
	use    usage
	check  check
}

// measureSize generates (or reuses) the corpus and scans it cfg.runs times.
func measureSize(cfg config, name string) (row, error) {
	size, err := gen.SizeByName(name)
	if err != nil {
		return row{}, err
	}
	dir, answer, err := corpus(cfg, size)
	if err != nil {
		return row{}, err
	}
	out := filepath.Join(dir, "out")
	if err := os.MkdirAll(out, 0o755); err != nil {
		return row{}, fmt.Errorf("bench %s: %w", name, err)
	}
	jsonPath, sarifPath := filepath.Join(out, "report.json"), filepath.Join(out, "report.sarif")
	args := []string{"scan", filepath.Join(dir, gen.ManifestsDir),
		"--format", "json", "-o", jsonPath, "--format", "sarif", "-o", sarifPath, "--fail-on", "none"}
	var best usage
	for i := range max(1, cfg.runs) {
		// Each run writes new files, as a CI job or CronJob pod does:
		// truncating the previous run's reports (830 MB at XL) is kernel
		// work that would be timed as the scan's (≈ 0.2 s at XL).
		for _, p := range []string{jsonPath, sarifPath} {
			if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return row{}, fmt.Errorf("bench %s: %w", name, err)
			}
		}
		u, err := timed(cfg.bin, args...)
		if err != nil {
			return row{}, fmt.Errorf("bench %s: %w", name, err)
		}
		fmt.Fprintf(os.Stderr, "  %s run %d: wall %v, cpu %v, peak RSS %s, exit %d\n", name, i+1, u.wall.Round(time.Millisecond), u.cpu.Round(time.Millisecond), mib(u.maxRSS), u.exit)
		if i == 0 || u.wall < best.wall {
			best = u
		}
	}
	if best.exit != 0 {
		return row{}, fmt.Errorf("bench %s: scan exited %d (see %s)", name, best.exit, jsonPath)
	}
	ch, err := checkReport(jsonPath, answer)
	if err != nil {
		return row{}, fmt.Errorf("bench %s: %w", name, err)
	}
	return row{size: size, counts: answer.Counts, use: best, check: ch}, nil
}

// corpus returns the cached corpus directory for size, generating it on
// first use; the directory name carries the generator version and seed.
func corpus(cfg config, size gen.Size) (string, *gen.Answer, error) {
	dir := filepath.Join(cfg.cache, fmt.Sprintf("%s-seed%d-v%d", size.Name, cfg.seed, gen.Version))
	if a, err := gen.ReadAnswer(filepath.Join(dir, gen.AnswerFile)); err == nil {
		return dir, a, nil
	}
	fmt.Fprintf(os.Stderr, "generating %s into %s\n", size.Name, dir)
	tmp := dir + ".tmp"
	if err := os.RemoveAll(tmp); err != nil {
		return "", nil, fmt.Errorf("generate %s: %w", size.Name, err)
	}
	a, err := gen.Write(tmp, size, cfg.seed)
	if err != nil {
		return "", nil, err
	}
	if err := os.RemoveAll(dir); err != nil {
		return "", nil, fmt.Errorf("generate %s: %w", size.Name, err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		return "", nil, fmt.Errorf("generate %s: %w", size.Name, err)
	}
	return dir, a, nil
}

// timed runs a command and returns its wall time, CPU time and peak RSS
// (rusage of the child; ru_maxrss is in KiB on Linux). Output goes to
// stderr; a non-zero exit is reported, not an error.
func timed(name string, args ...string) (usage, error) {
	resetPeakRSS()
	cmd := exec.Command(name, args...)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = os.Stderr, &stderr
	start := time.Now()
	err := cmd.Run()
	u := usage{wall: time.Since(start)}
	if cmd.ProcessState == nil {
		return u, fmt.Errorf("run %s: %w", name, err)
	}
	u.exit = cmd.ProcessState.ExitCode()
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		u.maxRSS = ru.Maxrss * 1024
		u.cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	if u.exit != 0 {
		fmt.Fprint(os.Stderr, stderr.String())
	}
	return u, nil
}

// resetPeakRSS lowers this process's peak-RSS mark to its current size.
// os/exec starts children with vfork (CLONE_VM), and Linux records the
// shared address space's peak as the child's starting ru_maxrss at exec:
// without the reset, the memory this driver used checking the previous
// report (hundreds of MiB at XL) would be charged to the next command.
func resetPeakRSS() {
	runtime.GC()
	debug.FreeOSMemory()
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) // 5: reset peak RSS
}

// printMachine describes the machine the numbers come from.
func printMachine() {
	fmt.Printf("machine: %d CPUs (GOMAXPROCS %d), %s, %s/%s, %s\n",
		runtime.NumCPU(), runtime.GOMAXPROCS(0), cpuModel(), runtime.GOOS, runtime.GOARCH, goVersion())
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		fmt.Printf("load average at start: %s\n", strings.Join(strings.Fields(string(b))[:3], " "))
	}
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}

func goVersion() string {
	out, err := exec.Command("go", "version").Output()
	if err != nil {
		return runtime.Version()
	}
	return strings.TrimSpace(string(out))
}

func mib(b int64) string { return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20)) }
