package gcfloor

import (
	"bytes"
	"os"
	"strconv"
	"strings"
	"syscall"
	"unsafe"
)

const thpDir = "/sys/kernel/mm/transparent_hugepage/"

// hugePageSize is the transparent huge page size when the kernel grants
// them only to memory that asks (enabled = madvise), 0 otherwise: with
// "always" the heap gets them unasked, with "never" not at all. The
// runtime's own switch GODEBUG=disablethp=1 turns the request off too.
func hugePageSize() uintptr {
	if godebugDisablesTHP(os.Getenv("GODEBUG")) {
		return 0
	}
	mode, err := os.ReadFile(thpDir + "enabled")
	if err != nil || !madviseMode(mode) {
		return 0
	}
	size, err := os.ReadFile(thpDir + "hpage_pmd_size")
	if err != nil {
		return 0
	}
	return pageSize(size)
}

// madviseMode reports whether the enabled file selects "madvise", e.g.
// "always [madvise] never".
func madviseMode(enabled []byte) bool {
	return bytes.Contains(enabled, []byte("[madvise]"))
}

// pageSize parses hpage_pmd_size; 0 unless it is a power of two.
func pageSize(text []byte) uintptr {
	n, err := strconv.ParseUint(strings.TrimSpace(string(text)), 10, 64)
	if err != nil || n == 0 || n&(n-1) != 0 {
		return 0
	}
	return uintptr(n)
}

// godebugDisablesTHP reports whether GODEBUG sets disablethp=1 (the last
// setting of a repeated key wins, as in the runtime).
func godebugDisablesTHP(godebug string) bool {
	off := false
	for kv := range strings.SplitSeq(godebug, ",") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(kv), "disablethp="); ok {
			off = v == "1"
		}
	}
	return off
}

// adviseHuge asks for huge pages on the huge-page-aligned part of b. It is
// best effort: a kernel without THP refuses, and the heap keeps 4 KiB pages.
func adviseHuge(b []byte, huge uintptr) {
	start := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	beg := (start + huge - 1) &^ (huge - 1)
	end := (start + uintptr(len(b))) &^ (huge - 1)
	if beg >= end {
		return
	}
	_ = syscall.Madvise(b[beg-start:end-start], syscall.MADV_HUGEPAGE)
}
