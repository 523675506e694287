// Package load turns Kubernetes manifests (files, directories, stdin) into an
// inventory.Inventory, keeping for every object the file and line it came
// from. It never stops at a bad file: every problem becomes a
// finding.ScanError naming file:line and the rest is loaded.
//
// Documents are split on `---` lines and parsed in batches into yaml.Node
// trees (which keep positions): by a fast parser for plain block YAML
// (fastyaml.go), else by go.yaml.in/yaml/v3, whose errors and positions are
// authoritative. The common kinds are decoded straight from the nodes
// (fastdecode.go); everything else is converted to JSON and decoded into
// the k8s.io/api types with the case-sensitive decoder Kubernetes itself
// uses (sigs.k8s.io/json). Differential tests and fuzz targets check that
// the fast paths agree with the slow ones. Splitting ourselves, rather than
// running one yaml.Decoder over the whole stream, lets the scan resume after
// a broken document and keeps memory bounded by the largest single document.
//
// Files are loaded on GOMAXPROCS workers. A worker decodes objects in place
// into blocks it shares among its files (slab.go) and reuses its parsing
// buffers; the files' objects are then copied once, in input order, into
// the inventory.
package load

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/kubelet-audit/kubelet-audit/scanner/finding"
	"github.com/kubelet-audit/kubelet-audit/scanner/inventory"
)

// Stage is the finding.ScanError stage of every error this package reports.
const Stage = "load"

// DefaultMaxFileSize is the size limit used when Options.MaxFileSize is 0.
const DefaultMaxFileSize int64 = 256 << 20

// ErrNothingLoaded is returned (wrapped) by Load when no document could be
// parsed from any path. It wraps finding.ErrNothingScanned, so the CLI maps it
// to exit code 2 with errors.Is.
var ErrNothingLoaded = fmt.Errorf("no Kubernetes manifest could be loaded: %w", finding.ErrNothingScanned)

// Options configure Load and LoadReader.
type Options struct {
	// Stdin is read for the path "-"; nil means os.Stdin.
	Stdin io.Reader
	// MaxFileSize caps each file or stream: a larger regular file is an
	// error and is not read at all; a stream is read up to the cap. 0 means
	// DefaultMaxFileSize, a negative value means no limit.
	MaxFileSize int64
	// Sized, when set, is called once with the total size of the files
	// found (streams not counted) before any is read.
	Sized func(bytes int64)
}

func (o Options) maxSize() int64 {
	switch {
	case o.MaxFileSize == 0:
		return DefaultMaxFileSize
	case o.MaxFileSize < 0:
		return -1
	default:
		return o.MaxFileSize
	}
}

// Result is what Load and LoadReader return. Inventory is never nil.
//
// Sources: File is the path as given (relative stays relative; "-" for
// stdin; files found in a directory are joined to it) and Line is the line
// of the object's first key, or of its "- " item inside a List. RuleLines
// hold the line each rule starts on (its "- " item in the usual layout).
//
// Namespaced objects (Role, RoleBinding, ServiceAccount, workloads) without
// metadata.namespace get "default", as `kubectl apply` with the default
// context would. RBAC objects of the removed v1beta1/v1alpha1 versions are
// decoded as (and labelled) rbac.authorization.k8s.io/v1: the schema is the same.
type Result struct {
	Inventory *inventory.Inventory
	// Errors are the problems found, in input order (path, then line).
	Errors []finding.ScanError
	// Files is the number of files (or streams) opened and read.
	Files int
	// Documents is the number of documents that parsed as Kubernetes objects
	// (they have a kind; a List counts once). Zero means nothing scannable.
	Documents int
	// Objects is the number of objects seen, List items counted one by one.
	Objects int
	// Ignored is the number of objects of kinds the audit does not use
	// (ConfigMap, Service, CRDs, ...).
	Ignored int
}

// Load reads files, directories and "-" (stdin). Directories are walked
// recursively in lexical order for *.yaml, *.yml and *.json, skipping hidden
// files and directories (.git, ...) and symlinked directories; a file named
// explicitly is read whatever its extension. Load never stops at a bad file:
// problems come back in Result.Errors (Stage "load") naming file:line, and
// the rest is loaded.
//
// The error is non-nil only when ctx is cancelled (the partial Result is still
// returned) or when no document could be parsed at all (Result.Documents ==
// 0, e.g. every path missing or broken); the latter wraps ErrNothingLoaded.
func Load(ctx context.Context, paths []string, opts Options) (*Result, error) {
	l := newLoader(ctx, opts)
	for _, p := range paths {
		if err := ctx.Err(); err != nil {
			break
		}
		l.path(p)
	}
	if l.opts.Sized != nil {
		l.opts.Sized(l.plannedBytes())
	}
	l.runJobs()
	if err := ctx.Err(); err != nil {
		return l.res, fmt.Errorf("load manifests: %w", err)
	}
	if l.res.Documents == 0 {
		return l.res, fmt.Errorf("load manifests: %d path(s), %d error(s): %w",
			len(paths), len(l.res.Errors), ErrNothingLoaded)
	}
	return l.res, nil
}

// job is one file found by path/dir, loaded later on a worker; errs are the
// problems found while walking just before it (kept in input order).
type job struct {
	path string
	fi   fs.FileInfo
	errs []finding.ScanError
	res  *Result
	objs *objects // res's objects, but for KubeletConfigs
}

// plannedBytes is the total size of the files found.
func (l *loader) plannedBytes() int64 {
	var n int64
	for _, j := range l.jobs {
		if j.fi != nil {
			n += j.fi.Size()
		}
	}
	return n
}

// runJobs loads the planned files on GOMAXPROCS workers (parsing is CPU
// bound) and merges their results in input order, so the outcome does not
// depend on scheduling.
func (l *loader) runJobs() {
	jobs := append(l.jobs, job{errs: l.res.Errors}) // trailing walk errors
	l.jobs, l.res.Errors = nil, nil
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), max(len(jobs), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			reuse := new(buffers)
			for i := range next {
				if jobs[i].fi == nil {
					continue
				}
				w := newWorkerLoader(l.ctx, l.opts, reuse)
				w.file(jobs[i].path, jobs[i].fi)
				jobs[i].res, jobs[i].objs = w.res, w.objs
			}
		}()
	}
	for i := range jobs {
		next <- i
	}
	close(next)
	wg.Wait()
	all := make([]*objects, 0, len(jobs))
	for _, j := range jobs {
		if j.objs != nil {
			all = append(all, j.objs)
		}
	}
	appendObjects(l.res.Inventory, all)
	for _, j := range jobs {
		l.res.Errors = append(l.res.Errors, j.errs...)
		if j.res != nil {
			l.res.merge(j.res)
		}
	}
}

// merge adds another result's KubeletConfigs, errors and counts (its other
// objects are in chains).
func (r *Result) merge(o *Result) {
	r.Inventory.KubeletConfigs = append(r.Inventory.KubeletConfigs, o.Inventory.KubeletConfigs...)
	r.Errors = append(r.Errors, o.Errors...)
	r.Files += o.Files
	r.Documents += o.Documents
	r.Objects += o.Objects
	r.Ignored += o.Ignored
}

// LoadReader loads one stream; name is used in sources and errors ("-" for
// stdin). Options.MaxFileSize caps the bytes read. The error is non-nil only
// when ctx is cancelled; everything else is in Result.Errors.
func LoadReader(ctx context.Context, name string, r io.Reader, opts Options) (*Result, error) {
	l := newLoader(ctx, opts)
	l.stream(name, r)
	appendObjects(l.res.Inventory, []*objects{l.objs})
	if err := ctx.Err(); err != nil {
		return l.res, fmt.Errorf("load %s: %w", name, err)
	}
	return l.res, nil
}

// loader carries the state of one Load call (or of one file on a worker).
type loader struct {
	ctx  context.Context
	opts Options
	res  *Result
	enc  jsonEncoder
	// buf is shared by the files one worker loads.
	buf *buffers
	// objs are the objects loaded, in chains (res.Inventory holds only
	// KubeletConfigs until they are appended to it).
	objs *objects
	// jobs are the files Load found, loaded by runJobs.
	jobs []job
}

func newLoader(ctx context.Context, opts Options) *loader {
	return newWorkerLoader(ctx, opts, new(buffers))
}

// newWorkerLoader makes a loader for one file of a worker that shares buf
// among its files.
func newWorkerLoader(ctx context.Context, opts Options, buf *buffers) *loader {
	return &loader{ctx: ctx, opts: opts, res: &Result{Inventory: &inventory.Inventory{}}, buf: buf, objs: new(objects)}
}

// buffers are the parsing state a worker reuses from one file to the next.
type buffers struct {
	reader  *bufio.Reader
	batch   batch
	fast    fastParser
	scratch scratch
	spares  spares
	ints    carver[int]
}

// errorf records a ScanError for source at line (0 = whole source).
func (l *loader) errorf(source string, line int, format string, args ...any) {
	l.res.Errors = append(l.res.Errors, finding.ScanError{
		Stage: Stage, Source: source, Line: line, Message: fmt.Sprintf(format, args...),
	})
}

// pathError records an os error without repeating the path in the message.
func (l *loader) pathError(p string, err error) {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	l.errorf(p, 0, "cannot read: %v", err)
}

func (l *loader) path(p string) {
	if p == "-" {
		in := l.opts.Stdin
		if in == nil {
			in = os.Stdin
		}
		w := newLoader(l.ctx, l.opts)
		w.stream("-", in)
		l.queue(job{res: w.res, objs: w.objs})
		return
	}
	fi, err := os.Stat(p)
	if err != nil {
		l.pathError(p, err)
		return
	}
	if fi.IsDir() {
		l.dir(p)
		return
	}
	l.queue(job{path: p, fi: fi})
}

// queue plans a job, carrying the walk errors recorded before it.
func (l *loader) queue(j job) {
	j.errs, l.res.Errors = l.res.Errors, nil
	l.jobs = append(l.jobs, j)
}

// dir walks root in lexical order (filepath.WalkDir sorts each directory).
func (l *loader) dir(root string) {
	if fi, err := os.Lstat(root); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		// WalkDir does not descend into a symlinked root; a trailing
		// separator makes it resolve the link (paths below stay clean).
		root += string(filepath.Separator)
	}
	_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if cerr := l.ctx.Err(); cerr != nil {
			return cerr
		}
		if err != nil {
			l.pathError(p, err)
			return nil // an unreadable directory is reported and its contents skipped
		}
		if p != root && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() || !isManifestName(d.Name()) {
			return nil
		}
		fi, err := os.Stat(p) // follows symlinks to files
		if err != nil {
			l.pathError(p, err)
			return nil
		}
		if fi.IsDir() {
			return nil // symlinked directory: not followed, avoids loops
		}
		l.queue(job{path: p, fi: fi})
		return nil
	})
}

func isManifestName(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".yaml", ".yml", ".json":
		return true
	}
	return false
}

// file reads one file; a regular file over the limit is rejected unread.
func (l *loader) file(p string, fi fs.FileInfo) {
	if max := l.opts.maxSize(); max >= 0 && fi.Mode().IsRegular() && fi.Size() > max {
		l.errorf(p, 0, "file is %s, over the %s limit (MaxFileSize); not read", size(fi.Size()), size(max))
		return
	}
	f, err := os.Open(p)
	if err != nil {
		l.pathError(p, err)
		return
	}
	defer f.Close()
	l.stream(p, f)
}

// size renders a byte count for messages.
func size(n int64) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%d bytes", n)
}

// stream splits r into documents and loads them one at a time.
func (l *loader) stream(name string, r io.Reader) {
	l.res.Files++
	l.objs.begin(&l.buf.spares)
	defer l.objs.end(&l.buf.spares)
	br := l.buf.reader
	if br == nil {
		br = bufio.NewReaderSize(r, 64<<10)
		l.buf.reader = br
	}
	br.Reset(r)
	defer br.Reset(nil) // do not keep the file
	if looksBinary(br) {
		l.errorf(name, 0, "binary file (contains NUL bytes), not a YAML or JSON manifest; skipped")
		return
	}
	sp := newSplitter(br, l.opts.maxSize())
	b := &l.buf.batch
	b.text, b.chunks = b.text[:0], b.chunks[:0]
	for l.ctx.Err() == nil {
		c, err := sp.next()
		if b.keep(c) && b.add(c) {
			l.flush(name, b)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			l.flush(name, b)
			var pe *fs.PathError
			if errors.As(err, &pe) {
				err = fmt.Errorf("cannot read: %w", pe.Err)
			}
			l.errorf(name, sp.line+1, "%v; the rest is not read", err)
			return
		}
	}
	l.flush(name, b)
}
