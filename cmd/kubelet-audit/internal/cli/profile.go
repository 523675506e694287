package cli

import (
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"

	"github.com/spf13/cobra"
)

// profileFlags are the hidden --cpuprofile and --memprofile developer flags
// (docs/benchmarks.md "Where time goes").
type profileFlags struct {
	cpu, mem string
	timings  bool
}

func (p *profileFlags) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&p.cpu, "cpuprofile", "", "write a CPU profile of the scan to FILE (go tool pprof)")
	f.StringVar(&p.mem, "memprofile", "", "write a heap profile (allocations) at the end of the scan to FILE")
	f.BoolVar(&p.timings, "timings", false, "print the wall time of each scan stage to stderr")
	_ = f.MarkHidden("cpuprofile") // the flags exist: MarkHidden cannot fail
	_ = f.MarkHidden("memprofile")
	_ = f.MarkHidden("timings")
}

// run calls fn between starting and stopping the requested profiles.
func (p *profileFlags) run(fn func() error) error {
	if p.cpu != "" {
		f, err := os.Create(p.cpu)
		if err != nil {
			return fmt.Errorf("cpuprofile: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("cpuprofile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	err := fn()
	if p.mem != "" {
		if werr := writeHeapProfile(p.mem); werr != nil && err == nil {
			err = werr
		}
	}
	return err
}

func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("memprofile: %w", err)
	}
	defer f.Close()
	runtime.GC() // up-to-date live-heap numbers; allocation totals are unaffected
	if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
		return fmt.Errorf("memprofile: %w", err)
	}
	return nil
}
