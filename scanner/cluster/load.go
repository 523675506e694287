package cluster

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/kubelet-audit/kubelet-audit/scanner/finding"
	"github.com/kubelet-audit/kubelet-audit/scanner/inventory"
)

// DefaultPageSize is the list page size (limit) when LoadOptions leaves it 0.
const DefaultPageSize int64 = 500

// lastApplied is dropped from every object: it doubles memory on clusters
// managed with kubectl apply and no rule reads it.
const lastApplied = "kubectl.kubernetes.io/last-applied-configuration"

// LoadOptions tune Load.
type LoadOptions struct {
	// PageSize is the list limit per request (0 = DefaultPageSize).
	PageSize int64
	// Namespaces restricts namespaced lists (empty = all namespaces).
	// Cluster-scoped objects are always listed.
	Namespaces []string
}

// Result is what Load read from the API server.
type Result struct {
	Inventory *inventory.Inventory
	// Nodes holds one kubelet target per node that has a usable address.
	Nodes []Node
	// Errors are lists that failed (stage "cluster"), each naming the
	// permission it needed, and nodes without a usable address.
	Errors []finding.ScanError
	// Listed maps each resource that was read (at least partly) to the number
	// of objects read; resources whose list failed at once are absent.
	Listed map[string]int
}

// Load lists, page by page, ClusterRoles, ClusterRoleBindings, Roles,
// RoleBindings, ServiceAccounts, Nodes, Pods, ReplicaSets and Jobs (the
// FeatureScan rows of RequiredPermissions), builds the inventory with k8s://
// locations and attributes running pods to their top owner. A list that fails
// (forbidden or otherwise) becomes an Error naming the permission it needed,
// and the other lists go on. The error is non-nil only when ctx ends.
func Load(ctx context.Context, client kubernetes.Interface, opts LoadOptions) (*Result, error) {
	if opts.PageSize <= 0 {
		opts.PageSize = DefaultPageSize
	}
	l := &loader{client: client, opts: opts, listed: map[string]int{}}
	l.run(ctx)
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("load cluster: %w", err)
	}
	return l.result(), nil
}

// loader holds the state of one Load: each list goroutine writes only its
// own field; errs and listed are shared and guarded by mu.
type loader struct {
	client kubernetes.Interface
	opts   LoadOptions

	inv    inventory.Inventory
	nodes  []nodeInfo
	pods   []podInfo
	rsets  map[string]ownerInfo
	jobs   map[string]ownerInfo
	mu     sync.Mutex
	errs   []finding.ScanError
	listed map[string]int
}

// run lists every resource concurrently; the client's rate limiter bounds
// the request rate.
func (l *loader) run(ctx context.Context) {
	steps := []func(context.Context){
		l.listClusterRoles, l.listClusterRoleBindings, l.listRoles, l.listRoleBindings,
		l.listServiceAccounts, l.listNodes, l.listPods, l.listReplicaSets, l.listJobs,
	}
	var wg sync.WaitGroup
	for _, step := range steps {
		wg.Go(func() { step(ctx) })
	}
	wg.Wait()
}

// result assembles the inventory once every list is done.
func (l *loader) result() *Result {
	l.inv.Workloads = attribute(l.pods, l.rsets, l.jobs)
	targets, errs := Targets(nodeObjects(l.nodes))
	l.errs = append(l.errs, errs...)
	finding.SortErrors(l.errs)
	inv := l.inv
	return &Result{Inventory: &inv, Nodes: targets, Errors: l.errs, Listed: l.listed}
}

// namespaces returns the namespaces to list in ("" = all).
func (l *loader) namespaces() []string {
	if len(l.opts.Namespaces) == 0 {
		return []string{metav1.NamespaceAll}
	}
	return l.opts.Namespaces
}

// record notes how many objects of perm's resource were read and the error,
// if any, that cut the list short.
func (l *loader) record(ctx context.Context, p Permission, ns string, n int, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if n > 0 || err == nil {
		l.listed[p.Resource] += n
	}
	if err == nil || ctx.Err() != nil {
		return
	}
	l.errs = append(l.errs, listError(p, ns, n, err))
}

// listError turns a failed list into a ScanError naming the permission.
func listError(p Permission, ns string, read int, err error) finding.ScanError {
	scope := "at cluster scope"
	source := p.Qualified()
	if ns != "" {
		scope = "in namespace " + ns
		source += " (namespace " + ns + ")"
	}
	var msg string
	switch {
	case apierrors.IsForbidden(err):
		msg = fmt.Sprintf("could not check %s (forbidden): needs %s %s", p.Resource, p.Needs(), scope)
	case apierrors.IsUnauthorized(err):
		msg = fmt.Sprintf("could not check %s (unauthorized): the API server rejected the scanner's credentials", p.Resource)
	default:
		msg = fmt.Sprintf("could not check %s: %v", p.Resource, err)
	}
	if read > 0 {
		msg += fmt.Sprintf(" (list stopped after %d objects)", read)
	}
	return finding.ScanError{Stage: "cluster", Source: source, Message: msg}
}

// pageFunc lists one page: items and the continue token.
type pageFunc[T any] func(ctx context.Context, opts metav1.ListOptions) ([]T, string, error)

// paginate lists every page (limit/continue) and converts each item right
// away, so only the compact form of a page outlives it. When the continue
// token expires mid-list (410 Gone) it falls back to one full list, as
// client-go's tools/pager does. It returns what it read even on error.
func paginate[T, U any](ctx context.Context, pageSize int64, list pageFunc[T], convert func(*T) (U, bool)) ([]U, error) {
	var out []U
	opts := metav1.ListOptions{Limit: pageSize}
	for {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		items, cont, err := list(ctx, opts)
		if err != nil {
			if opts.Continue != "" && apierrors.IsResourceExpired(err) {
				out, opts = out[:0], metav1.ListOptions{}
				continue
			}
			return out, err
		}
		for i := range items {
			if u, ok := convert(&items[i]); ok {
				out = append(out, u)
			}
		}
		if cont == "" {
			return out, nil
		}
		opts.Continue = cont
	}
}

// listEach runs paginate in every namespace (or once, cluster-wide) and
// records counts and errors against perm.
func listEach[T, U any](ctx context.Context, l *loader, p Permission, namespaced bool, list func(ns string) pageFunc[T], convert func(*T) (U, bool)) []U {
	nss := []string{metav1.NamespaceAll}
	if namespaced {
		nss = l.namespaces()
	}
	var out []U
	for _, ns := range nss {
		items, err := paginate(ctx, l.opts.PageSize, list(ns), convert)
		l.record(ctx, p, ns, len(items), err)
		out = append(out, items...)
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			break
		}
	}
	return out
}

// trim drops what no rule reads: managed fields and the last-applied copy.
func trim(m *metav1.ObjectMeta) {
	m.ManagedFields = nil
	delete(m.Annotations, lastApplied)
}

// uri is an object's location: k8s://<kind>/<ns>/<name>, or
// k8s://<kind>/<name> for cluster-scoped objects.
func uri(kind, ns, name string) inventory.Source {
	kind = strings.ToLower(kind)
	if ns == "" {
		return inventory.Source{URI: "k8s://" + kind + "/" + name}
	}
	return inventory.Source{URI: "k8s://" + kind + "/" + ns + "/" + name}
}
