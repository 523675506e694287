package testbed

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"sync"
)

// fakeTB satisfies k8s.io/kubernetes/test/utils/ktesting.TB outside a test,
// so StartTestServer runs from TestMain and from the lab program. Logs go to
// out; cleanups run in reverse order on cleanup(). Fatal* ends the calling
// goroutine like testing.T does, after recording the failure.
type fakeTB struct {
	mu       sync.Mutex
	out      io.Writer
	cleanups []func()
	failed   bool
	tmpDirs  []string
}

func newFakeTB(out io.Writer) *fakeTB { return &fakeTB{out: out} }

func (f *fakeTB) logf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fmt.Fprintf(f.out, format+"\n", args...)
}

func (f *fakeTB) Attr(key, value string)  { f.logf("attr %s=%s", key, value) }
func (f *fakeTB) Chdir(string)            { panic("testbed: Chdir is not supported") }
func (f *fakeTB) Setenv(string, string)   { panic("testbed: Setenv is not supported") }
func (f *fakeTB) Helper()                 {}
func (f *fakeTB) Name() string            { return "testbed" }
func (f *fakeTB) Log(args ...any)         { f.logf("%s", fmt.Sprint(args...)) }
func (f *fakeTB) Logf(s string, a ...any) { f.logf(s, a...) }
func (f *fakeTB) Error(args ...any)       { f.Log(args...); f.Fail() }
func (f *fakeTB) Errorf(s string, a ...any) {
	f.logf(s, a...)
	f.Fail()
}
func (f *fakeTB) Fail() {
	f.mu.Lock()
	f.failed = true
	f.mu.Unlock()
}
func (f *fakeTB) FailNow()          { f.Fail(); runtime.Goexit() }
func (f *fakeTB) Fatal(args ...any) { f.Error(args...); runtime.Goexit() }
func (f *fakeTB) Fatalf(s string, a ...any) {
	f.Errorf(s, a...)
	runtime.Goexit()
}
func (f *fakeTB) Skip(args ...any)         { f.Fatal(append([]any{"skip: "}, args...)...) }
func (f *fakeTB) Skipf(s string, a ...any) { f.Fatalf("skip: "+s, a...) }
func (f *fakeTB) SkipNow()                 { f.Fatal("skip") }
func (f *fakeTB) Skipped() bool            { return false }
func (f *fakeTB) Failed() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.failed
}

func (f *fakeTB) Cleanup(fn func()) {
	f.mu.Lock()
	f.cleanups = append(f.cleanups, fn)
	f.mu.Unlock()
}

func (f *fakeTB) TempDir() string {
	dir, err := os.MkdirTemp("", "testbed-")
	if err != nil {
		panic(fmt.Sprintf("testbed: temp dir: %v", err))
	}
	f.mu.Lock()
	f.tmpDirs = append(f.tmpDirs, dir)
	f.mu.Unlock()
	return dir
}

// cleanup runs the registered cleanups in reverse order, then removes temp dirs.
func (f *fakeTB) cleanup() {
	f.mu.Lock()
	fns, dirs := f.cleanups, f.tmpDirs
	f.cleanups, f.tmpDirs = nil, nil
	f.mu.Unlock()
	for i := len(fns) - 1; i >= 0; i-- {
		fns[i]()
	}
	for _, d := range dirs {
		_ = os.RemoveAll(d)
	}
}
