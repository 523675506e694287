//go:build !linux

package gcfloor

// hugePageSize is 0: only Linux has transparent huge pages to ask for.
func hugePageSize() uintptr { return 0 }

func adviseHuge([]byte, uintptr) {}
