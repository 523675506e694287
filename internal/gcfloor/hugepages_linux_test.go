package gcfloor

import (
	"bufio"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"unsafe"
)

func TestMadviseMode(t *testing.T) {
	for text, want := range map[string]bool{
		"always [madvise] never\n": true,
		"[always] madvise never\n": false,
		"always madvise [never]\n": false,
		"":                         false,
	} {
		if got := madviseMode([]byte(text)); got != want {
			t.Errorf("madviseMode(%q) = %v, want %v", text, got, want)
		}
	}
}

func TestPageSize(t *testing.T) {
	for text, want := range map[string]uintptr{
		"2097152\n": 2 << 20,
		"65536":     64 << 10,
		"3000000\n": 0, // not a power of two
		"0\n":       0,
		"huge":      0,
	} {
		if got := pageSize([]byte(text)); got != want {
			t.Errorf("pageSize(%q) = %d, want %d", text, got, want)
		}
	}
}

func TestGodebugDisablesTHP(t *testing.T) {
	for godebug, want := range map[string]bool{
		"":                          false,
		"disablethp=1":              true,
		"gctrace=1, disablethp=1":   true,
		"disablethp=1,disablethp=0": false, // the last setting wins
		"disablethp=0":              false,
		"xdisablethp=1":             false,
	} {
		if got := godebugDisablesTHP(godebug); got != want {
			t.Errorf("godebugDisablesTHP(%q) = %v, want %v", godebug, got, want)
		}
	}
}

// hugeRanges lists this process's mappings that carry the MADV_HUGEPAGE
// flag ("hg" in their VmFlags in /proc/self/smaps).
func hugeRanges(t *testing.T) [][2]uintptr {
	t.Helper()
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Skipf("no smaps: %v", err)
	}
	defer f.Close()
	var out [][2]uintptr
	var cur [2]uintptr
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if lo, hi, ok := mappingRange(line); ok {
			cur = [2]uintptr{lo, hi}
			continue
		}
		if flags, ok := strings.CutPrefix(line, "VmFlags:"); ok && slices.Contains(strings.Fields(flags), "hg") {
			out = append(out, cur)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// mappingRange parses the "lo-hi perms ..." header line of a mapping.
func mappingRange(line string) (lo, hi uintptr, ok bool) {
	span, _, found := strings.Cut(line, " ")
	a, b, dash := strings.Cut(span, "-")
	if !found || !dash {
		return 0, 0, false
	}
	l, err1 := strconv.ParseUint(a, 16, 64)
	h, err2 := strconv.ParseUint(b, 16, 64)
	if err1 != nil || err2 != nil {
		return 0, 0, false
	}
	return uintptr(l), uintptr(h), true
}

// covered reports whether ranges cover [lo, hi) completely.
func covered(ranges [][2]uintptr, lo, hi uintptr) bool {
	for lo < hi {
		next := lo
		for _, r := range ranges {
			if r[0] <= lo && lo < r[1] {
				next = r[1]
			}
		}
		if next == lo {
			return false
		}
		lo = next
	}
	return true
}

// TestAdviseHuge: the huge-page-aligned interior of a fresh mapping is
// advised MADV_HUGEPAGE, on a kernel that grants huge pages on request. (A
// mapping of its own, as heap memory may have been advised by an earlier
// test.)
func TestAdviseHuge(t *testing.T) {
	t.Setenv("GODEBUG", "")
	huge := hugePageSize()
	if huge == 0 {
		t.Skip("transparent huge pages are not in madvise mode here")
	}
	b, err := syscall.Mmap(-1, 0, 32<<20, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Munmap(b)
	start := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	lo, hi := (start+huge-1)&^(huge-1), (start+uintptr(len(b)))&^(huge-1)
	if covered(hugeRanges(t), lo, hi) {
		t.Fatal("a fresh mapping is already advised")
	}
	adviseHuge(b, huge)
	if !covered(hugeRanges(t), lo, hi) {
		t.Errorf("adviseHuge left part of [%#x, %#x) without MADV_HUGEPAGE", lo, hi)
	}
	t.Setenv("GODEBUG", "disablethp=1")
	if s := hugePageSize(); s != 0 {
		t.Errorf("hugePageSize with GODEBUG=disablethp=1 = %d, want 0", s)
	}
}
