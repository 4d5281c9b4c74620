package sqlstore_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/acctsetup/acctsetup/checklists"
	"github.com/acctsetup/acctsetup/checklists/sqlstore"
)

// appendSteps saves n done steps named prefix-1 ... prefix-n, each with its
// own audit event.
func appendSteps(s *sqlstore.Store, t *testing.T, prefix string, n int) error {
	for i := range n {
		r := stepRecord("xero", "sandbox", fmt.Sprintf("%s-%d", prefix, i+1), checklists.Done, time.Now())
		r.Actor = prefix
		ev := event("step.done", r.Provider, r.Environment, r.Step, "", r.At)
		ev.Actor = prefix
		if err := s.SaveStep(t.Context(), r, ev); err != nil {
			return fmt.Errorf("%s: step %d: %w", prefix, i+1, err)
		}
	}
	return nil
}

// checkShared asserts that the file holds the events of every writer,
// chained once each, and one step record per event.
func checkShared(t *testing.T, path string, writers []string, each int) {
	t.Helper()
	s, created, err := sqlstore.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if created {
		t.Errorf("Open after the writers: created = true, want false")
	}
	events := verifyChain(t, s, len(writers)*each)
	perActor := map[string]int{}
	for _, ev := range events {
		perActor[ev.Actor]++
	}
	for _, w := range writers {
		if perActor[w] != each {
			t.Errorf("events by %s = %d, want %d", w, perActor[w], each)
		}
	}
	recs, err := s.Steps(t.Context(), "", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != len(writers)*each {
		t.Errorf("step records = %d, want %d", len(recs), len(writers)*each)
	}
}

// TestConcurrentStores has two stores on one file append at the same time:
// the busy timeout and immediate transactions must serialise them into one
// unbroken chain.
func TestConcurrentStores(t *testing.T) {
	const each = 50
	path := filepath.Join(t.TempDir(), "state.db")
	writers := []string{"alpha", "beta"}
	stores := make([]*sqlstore.Store, len(writers))
	for i := range stores {
		s, _, err := sqlstore.Open(t.Context(), path)
		if err != nil {
			t.Fatalf("Open #%d = %v", i+1, err)
		}
		defer s.Close()
		stores[i] = s
	}

	start := make(chan struct{})
	errs := make(chan error, len(writers))
	var wg sync.WaitGroup
	for i, name := range writers {
		wg.Go(func() {
			<-start
			errs <- appendSteps(stores[i], t, name, each)
		})
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	checkShared(t, path, writers, each)
}

const helperEnv = "ACCTSETUP_SQLSTORE_HELPER"

// TestHelperProcess is not a test: TestConcurrentProcesses runs the test
// binary again with this test selected and helperEnv set, to get writers in
// separate processes. It opens the store named by helperEnv, says "ready",
// waits for its standard input to close, then appends its events.
func TestHelperProcess(t *testing.T) {
	spec := os.Getenv(helperEnv)
	if spec == "" {
		return
	}
	var path, name string
	var each int
	if _, err := fmt.Sscanf(spec, "%s %s %d", &path, &name, &each); err != nil {
		t.Fatalf("bad %s=%q: %v", helperEnv, spec, err)
	}
	s, _, err := sqlstore.Open(t.Context(), path)
	if err != nil {
		t.Fatalf("%s: Open = %v", name, err)
	}
	defer s.Close()
	fmt.Println("ready")
	if _, err := io.Copy(io.Discard, os.Stdin); err != nil {
		t.Fatal(err)
	}
	if err := appendSteps(s, t, name, each); err != nil {
		t.Fatal(err)
	}
}

// TestConcurrentProcesses has five processes open one new state file at
// once (racing to create it and apply the migrations), then append at once.
func TestConcurrentProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("starts five processes")
	}
	const procs, each = 5, 20
	path := filepath.Join(t.TempDir(), "state.db")
	var writers []string
	type proc struct {
		cmd    *exec.Cmd
		stdin  io.WriteCloser
		stdout *bufio.Reader
		stderr *bytes.Buffer
	}
	var ps []proc
	for i := range procs {
		name := "proc" + strconv.Itoa(i+1)
		writers = append(writers, name)
		cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
		cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s %s %d", helperEnv, path, name, each))
		stdin, err := cmd.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		stderr := new(bytes.Buffer)
		cmd.Stderr = stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		ps = append(ps, proc{cmd, stdin, bufio.NewReader(stdout), stderr})
	}
	t.Cleanup(func() {
		for _, p := range ps {
			p.stdin.Close()
			p.cmd.Wait() //nolint:errcheck // reported below when it matters
		}
	})

	// Wait until every process has the store open, then start them together.
	for i, p := range ps {
		line, err := p.stdout.ReadString('\n')
		if line != "ready\n" {
			rest, _ := io.ReadAll(p.stdout)
			t.Fatalf("%s said %q (%v), want ready\nstdout: %s\nstderr: %s", writers[i], line, err, rest, p.stderr)
		}
	}
	for _, p := range ps {
		p.stdin.Close()
	}
	for i, p := range ps {
		out, _ := io.ReadAll(p.stdout)
		if err := p.cmd.Wait(); err != nil {
			t.Errorf("%s: %v\nstdout: %s\nstderr: %s", writers[i], err, out, p.stderr)
		}
	}
	if t.Failed() {
		return
	}
	checkShared(t, path, writers, each)
	if got := fileMode(t, path); got != 0o600 {
		t.Errorf("state file mode = %v, want 0600", got)
	}
}
