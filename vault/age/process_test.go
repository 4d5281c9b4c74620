package agevault_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/acctsetup/acctsetup/vault"
	agevault "github.com/acctsetup/acctsetup/vault/age"
)

// Environment of a child process started by TestMultiProcessSet.
const (
	envChildDir = "AGEVAULT_TEST_CHILD_DIR" // holds identity.txt, vault.age and the "go" start file
	envChildN   = "AGEVAULT_TEST_CHILD_N"   // which ref to set
)

func childRef(n int) vault.Ref {
	return vault.Ref{Provider: "proc", Environment: "test", Field: fmt.Sprintf("field_%02d", n)}
}

func childValue(n int) string { return fmt.Sprintf("agevault-test-process-%02d-value", n) }

// TestMultiProcessSet starts 20 processes that each Set a different ref in
// the same vault at the same moment, then checks that no write was lost.
func TestMultiProcessSet(t *testing.T) {
	if testing.Short() {
		t.Skip("starts 20 processes")
	}
	t.Parallel()
	const n = 20
	dir := t.TempDir()
	id, _ := newIdentity(t, dir, "identity.txt")
	path := filepath.Join(dir, "vault.age")
	set(t, agevault.Open(path, id, nil), refID, valueID) // existing content must survive too

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	outputs := make([][]byte, n)
	errs := make([]error, n)
	for i := range n {
		cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestSetFromChildProcess$", "-test.count=1", "-test.v")
		cmd.Env = append(os.Environ(), envChildDir+"="+dir, envChildN+"="+strconv.Itoa(i))
		wg.Go(func() { outputs[i], errs[i] = cmd.CombinedOutput() })
	}
	// Release every child at once.
	if err := os.WriteFile(filepath.Join(dir, "go"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("child %d: %v\n%s", i, err, outputs[i])
		}
	}

	v := agevault.Open(path, id, nil)
	entries, err := v.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != n+1 {
		t.Errorf("vault holds %d secrets after %d concurrent processes, want %d", len(entries), n, n+1)
	}
	for i := range n {
		s, err := v.Get(context.Background(), childRef(i))
		if err != nil {
			t.Errorf("Get(%s) error = %v", childRef(i), err)
		} else if s.Reveal() != childValue(i) {
			t.Errorf("Get(%s) returned a different value", childRef(i))
		}
	}
	if got := get(t, v, refID); got != valueID {
		t.Error("secret stored before the processes ran was changed")
	}
}

// TestSetFromChildProcess is the body of one child of TestMultiProcessSet.
func TestSetFromChildProcess(t *testing.T) {
	dir := os.Getenv(envChildDir)
	if dir == "" {
		t.Skip("helper process for TestMultiProcessSet")
	}
	n, err := strconv.Atoi(os.Getenv(envChildN))
	if err != nil {
		t.Fatal(err)
	}
	id, created, err := agevault.LoadOrCreateIdentity(filepath.Join(dir, "identity.txt"))
	if err != nil || created {
		t.Fatalf("LoadOrCreateIdentity = %v, %v", created, err)
	}
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(time.Millisecond) {
		if _, err := os.Stat(filepath.Join(dir, "go")); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("start signal never came")
		}
	}
	v := agevault.Open(filepath.Join(dir, "vault.age"), id, nil)
	if err := v.Set(context.Background(), childRef(n), vault.NewSecret(childValue(n)), vault.Meta{}); err != nil {
		t.Fatal(err)
	}
}
