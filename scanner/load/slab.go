package load

import (
	"slices"

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

// appendTo appends the chain's objects to dst.
func (c *chain[T]) appendTo(dst []T) []T {
	for _, p := range c.parts {
		dst = append(dst, p...)
	}
	return append(dst, c.cur...)
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

// reserve grows inv's slices for the objects of all of os at once.
func reserve(inv *inventory.Inventory, os []*objects) {
	var cr, r, crb, rb, w, sa int
	for _, o := range os {
		cr, r, crb, rb = cr+o.clusterRoles.n, r+o.roles.n, crb+o.clusterRoleBindings.n, rb+o.roleBindings.n
		w, sa = w+o.workloads.n, sa+o.serviceAccounts.n
	}
	inv.ClusterRoles = grow(inv.ClusterRoles, cr)
	inv.Roles = grow(inv.Roles, r)
	inv.ClusterRoleBindings = grow(inv.ClusterRoleBindings, crb)
	inv.RoleBindings = grow(inv.RoleBindings, rb)
	inv.Workloads = grow(inv.Workloads, w)
	inv.ServiceAccounts = grow(inv.ServiceAccounts, sa)
}

// grow is slices.Grow that leaves a nil slice nil when n is 0 (an empty
// inventory has nil slices).
func grow[T any](s []T, n int) []T {
	if n == 0 {
		return s
	}
	return slices.Grow(s, n)
}

// appendTo appends the objects to inv, kind by kind.
func (o *objects) appendTo(inv *inventory.Inventory) {
	inv.ClusterRoles = o.clusterRoles.appendTo(inv.ClusterRoles)
	inv.Roles = o.roles.appendTo(inv.Roles)
	inv.ClusterRoleBindings = o.clusterRoleBindings.appendTo(inv.ClusterRoleBindings)
	inv.RoleBindings = o.roleBindings.appendTo(inv.RoleBindings)
	inv.Workloads = o.workloads.appendTo(inv.Workloads)
	inv.ServiceAccounts = o.serviceAccounts.appendTo(inv.ServiceAccounts)
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
