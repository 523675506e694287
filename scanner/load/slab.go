package load

import (
	"runtime"
	"slices"
	"sync"

	"github.com/kubelet-audit/kubelet-audit/scanner/inventory"
)

// Allocation helpers. Loading L (89k objects) used to allocate each object
// three or four times (a temporary that escaped, the per-file slice
// doubling, the merge) and every verb list separately; GC was a fifth of
// the CPU. These helpers let a worker decode objects in place into blocks
// it shares among its files and carve small slices from blocks.
//
// Every slice handed out is clipped (cap == len): an append by a later
// stage reallocates instead of writing over a neighbour.

const (
	// objectBlock is the least number of objects a run block holds.
	objectBlock = 128
	// carveBlock is the number of elements of a carver block; a request
	// over a quarter of it gets its own allocation.
	carveBlock = 1024
)

// chain holds the objects of one kind that one file yields, in parts cut
// from blocks the worker shares among its files: no object is copied while
// loading, and Load copies each once into the final inventory.
type chain[T any] struct {
	parts [][]T // full parts, clipped
	cur   []T   // the part being filled; its spare capacity is its own
	n     int   // objects in parts and cur
}

// push appends a zero object and returns it for decoding in place.
func (c *chain[T]) push() *T {
	if len(c.cur) == cap(c.cur) {
		if len(c.cur) > 0 {
			c.parts = append(c.parts, c.cur)
		}
		c.cur = make([]T, 0, objectBlock)
	}
	c.cur = c.cur[:len(c.cur)+1]
	c.n++
	return &c.cur[len(c.cur)-1]
}

// pop removes the object push returned, zeroing it: spare capacity must
// stay zero for the next push.
func (c *chain[T]) pop() {
	var zero T
	c.cur[len(c.cur)-1] = zero
	c.cur = c.cur[:len(c.cur)-1]
	c.n--
}

// begin starts the chain in spare, the unused end of a block.
func (c *chain[T]) begin(spare []T) { c.cur = spare[:0] }

// end clips the chain and returns the unused end of its block.
func (c *chain[T]) end() (spare []T) {
	spare = c.cur[len(c.cur):cap(c.cur)]
	c.cur = c.cur[:len(c.cur):len(c.cur)]
	return spare
}

// copyTo copies the chain's objects to the start of dst.
func (c *chain[T]) copyTo(dst []T) {
	for _, p := range c.parts {
		dst = dst[copy(dst, p):]
	}
	copy(dst, c.cur)
}

// objects are the chains of one file (or stream).
type objects struct {
	clusterRoles        chain[inventory.ClusterRole]
	roles               chain[inventory.Role]
	clusterRoleBindings chain[inventory.ClusterRoleBinding]
	roleBindings        chain[inventory.RoleBinding]
	workloads           chain[inventory.Workload]
	serviceAccounts     chain[inventory.ServiceAccount]
}

// spares are the unused ends of one worker's blocks, handed from one file's
// objects to the next (files of a worker load one after another).
type spares struct {
	clusterRoles        []inventory.ClusterRole
	roles               []inventory.Role
	clusterRoleBindings []inventory.ClusterRoleBinding
	roleBindings        []inventory.RoleBinding
	workloads           []inventory.Workload
	serviceAccounts     []inventory.ServiceAccount
}

// begin starts every chain in the worker's spares.
func (o *objects) begin(s *spares) {
	o.clusterRoles.begin(s.clusterRoles)
	o.roles.begin(s.roles)
	o.clusterRoleBindings.begin(s.clusterRoleBindings)
	o.roleBindings.begin(s.roleBindings)
	o.workloads.begin(s.workloads)
	o.serviceAccounts.begin(s.serviceAccounts)
}

// end closes every chain and gives the unused ends back to the worker.
func (o *objects) end(s *spares) {
	s.clusterRoles = o.clusterRoles.end()
	s.roles = o.roles.end()
	s.clusterRoleBindings = o.clusterRoleBindings.end()
	s.roleBindings = o.roleBindings.end()
	s.workloads = o.workloads.end()
	s.serviceAccounts = o.serviceAccounts.end()
}

// counts are numbers (or offsets) of objects per kind.
type counts struct {
	clusterRoles, roles, clusterRoleBindings, roleBindings, workloads, serviceAccounts int
}

func (c counts) plus(d counts) counts {
	return counts{
		c.clusterRoles + d.clusterRoles, c.roles + d.roles, c.clusterRoleBindings + d.clusterRoleBindings,
		c.roleBindings + d.roleBindings, c.workloads + d.workloads, c.serviceAccounts + d.serviceAccounts,
	}
}

func (c counts) sum() int {
	return c.clusterRoles + c.roles + c.clusterRoleBindings + c.roleBindings + c.workloads + c.serviceAccounts
}

func (o *objects) counts() counts {
	return counts{
		o.clusterRoles.n, o.roles.n, o.clusterRoleBindings.n, o.roleBindings.n, o.workloads.n, o.serviceAccounts.n,
	}
}

// copyTo copies the objects into inv's slices at the offsets at.
func (o *objects) copyTo(inv *inventory.Inventory, at counts) {
	o.clusterRoles.copyTo(inv.ClusterRoles[at.clusterRoles:])
	o.roles.copyTo(inv.Roles[at.roles:])
	o.clusterRoleBindings.copyTo(inv.ClusterRoleBindings[at.clusterRoleBindings:])
	o.roleBindings.copyTo(inv.RoleBindings[at.roleBindings:])
	o.workloads.copyTo(inv.Workloads[at.workloads:])
	o.serviceAccounts.copyTo(inv.ServiceAccounts[at.serviceAccounts:])
}

// mergeShare is the least number of objects worth a copying goroutine.
const mergeShare = 4096

// appendObjects appends the objects of all, in order, to inv. The slices
// grow once, and the copying (tens of MB at L, with write barriers when
// the GC runs) is split among up to GOMAXPROCS goroutines by ranges of all.
func appendObjects(inv *inventory.Inventory, all []*objects) {
	at := make([]counts, len(all))
	next := counts{len(inv.ClusterRoles), len(inv.Roles), len(inv.ClusterRoleBindings),
		len(inv.RoleBindings), len(inv.Workloads), len(inv.ServiceAccounts)}
	first := next
	for i, o := range all {
		at[i] = next
		next = next.plus(o.counts())
	}
	inv.ClusterRoles = extend(inv.ClusterRoles, next.clusterRoles)
	inv.Roles = extend(inv.Roles, next.roles)
	inv.ClusterRoleBindings = extend(inv.ClusterRoleBindings, next.clusterRoleBindings)
	inv.RoleBindings = extend(inv.RoleBindings, next.roleBindings)
	inv.Workloads = extend(inv.Workloads, next.workloads)
	inv.ServiceAccounts = extend(inv.ServiceAccounts, next.serviceAccounts)
	total := next.sum() - first.sum()
	n := min(runtime.GOMAXPROCS(0), 1+total/mergeShare)
	var wg sync.WaitGroup
	lo := 0
	for g := range n {
		// jobs [lo, hi) hold about the g-th n-th of the objects
		hi, goal := lo, first.sum()+total*(g+1)/n
		for hi < len(all) && (g == n-1 || at[hi].sum() < goal) {
			hi++
		}
		part, starts := all[lo:hi], at[lo:hi]
		wg.Go(func() {
			for i, o := range part {
				o.copyTo(inv, starts[i])
			}
		})
		lo = hi
	}
	wg.Wait()
}

// extend grows s to length n, leaving a nil slice nil when n is 0 (an
// empty inventory has nil slices).
func extend[T any](s []T, n int) []T {
	if n == len(s) {
		return s
	}
	return slices.Grow(s, n-len(s))[:n]
}

// carver hands out small slices cut from shared blocks: one allocation per
// carveBlock elements instead of one per slice.
type carver[T any] struct {
	free []T
}

// take returns a zeroed slice of n elements (empty but non-nil for 0, as the
// JSON decoder makes for []).
func (c *carver[T]) take(n int) []T {
	switch {
	case n == 0:
		return []T{}
	case n > carveBlock/4:
		return make([]T, n)
	case n > len(c.free):
		c.free = make([]T, carveBlock)
	}
	s := c.free[:n:n]
	c.free = c.free[n:]
	return s
}
