package agevault_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/acctsetup/acctsetup/vault"
	agevault "github.com/acctsetup/acctsetup/vault/age"
)

// Environment of a child process started by TestKilledWriter.
const (
	envKillDir  = "AGEVAULT_TEST_KILL_DIR"  // holds identity.txt and vault.age
	envKillFrom = "AGEVAULT_TEST_KILL_FROM" // the first secret to set
)

// TestKilledWriter starts a process that sets one secret after another in
// a vault, and kills it with SIGKILL at a random moment, 50 times. After
// every kill the age tool decrypts the vault; every secret whose Set
// returned is in it with its value (the one in flight may be, with its
// value); a temporary file left behind is readable by its owner only; and
// the next write takes the lock at once.
func TestKilledWriter(t *testing.T) {
	if testing.Short() {
		t.Skip("kills 50 writer processes (about 3 s)")
	}
	tool := ageTool(t)
	t.Parallel()
	dir := t.TempDir()
	id, idPath := newIdentity(t, dir, "identity.txt")
	path := filepath.Join(dir, "vault.age")
	tmp := filepath.Join(dir, ".vault.age.tmp")
	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 0))
	t.Logf("random seed %d", seed)

	set(t, agevault.Open(path, id, nil), childRef(0), childValue(0)) // a kill before the first write finds a vault
	committed, tempLeft := 1, 0                                      // secrets 0 to committed-1 are set
	for range 50 {
		// The child writes back to back, so any moment is within a Set.
		inFlight := runKilled(t, dir, committed, time.Duration(rng.Int64N(int64(20*time.Millisecond))))

		got := decryptWithTool(t, tool, idPath, path)
		for n := range inFlight {
			if got[childRef(n).String()] != childValue(n) {
				t.Fatalf("after a kill, secret %d, whose Set had returned, is missing or changed", n)
			}
		}
		if v, ok := got[childRef(inFlight).String()]; ok && v != childValue(inFlight) {
			t.Fatalf("after a kill, the secret being set holds another value")
		}
		if len(got) > inFlight+1 {
			t.Fatalf("after a kill, the vault holds %d secrets, want at most %d", len(got), inFlight+1)
		}
		if fi, err := os.Lstat(tmp); err == nil {
			tempLeft++
			if perm := fi.Mode().Perm(); perm != 0o600 {
				t.Fatalf("the kill left the temporary file with mode %04o, want 0600", perm)
			}
		} else if !errors.Is(err, fs.ErrNotExist) {
			t.Fatal(err)
		}

		// The lock died with its holder: the next write does not wait.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err := agevault.Open(path, id, nil).Set(ctx, childRef(inFlight), vault.NewSecret(childValue(inFlight)), vault.Meta{})
		cancel()
		if err != nil {
			t.Fatalf("Set after a kill: %v", err)
		}
		committed = inFlight + 1
	}
	// How many kills landed between creating the temporary file and the
	// rename: the rest hit the child between writes or while encrypting.
	t.Logf("50 kills: %d secrets set, %d kills left the temporary file behind", committed, tempLeft)
}

// runKilled starts a child that sets secrets from the one numbered from on,
// kills it after delay once it has opened the vault, and returns the number
// of the first secret whose Set had not returned: the one in flight.
func runKilled(t *testing.T, dir string, from int, delay time.Duration) int {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestSetUntilKilled$", "-test.count=1")
	cmd.Env = append(os.Environ(), envKillDir+"="+dir, envKillFrom+"="+strconv.Itoa(from))
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	next := from
	lines := bufio.NewScanner(out)
	if !lines.Scan() || lines.Text() != "ready" {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		t.Fatalf("writer did not start: %q", lines.Text())
	}
	timer := time.AfterFunc(delay, func() { _ = cmd.Process.Signal(syscall.SIGKILL) })
	defer timer.Stop()
	for lines.Scan() {
		if n, ok := strings.CutPrefix(lines.Text(), "set "); ok {
			if next, err = strconv.Atoi(n); err != nil {
				t.Fatal(err)
			}
			next++
		}
	}
	err = cmd.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("writer ended with %v, want killed", err)
	}
	return next
}

// TestSetUntilKilled is the body of one child of TestKilledWriter: it
// sets secrets until it is killed, printing the number of each once its
// Set has returned.
func TestSetUntilKilled(t *testing.T) {
	dir := os.Getenv(envKillDir)
	if dir == "" {
		t.Skip("helper process for TestKilledWriter")
	}
	n, err := strconv.Atoi(os.Getenv(envKillFrom))
	if err != nil {
		t.Fatal(err)
	}
	id, _, err := agevault.LoadOrCreateIdentity(filepath.Join(dir, "identity.txt"))
	if err != nil {
		t.Fatal(err)
	}
	v := agevault.Open(filepath.Join(dir, "vault.age"), id, nil)
	fmt.Println("ready")
	for ; ; n++ {
		if err := v.Set(context.Background(), childRef(n), vault.NewSecret(childValue(n)), vault.Meta{}); err != nil {
			t.Fatal(err)
		}
		fmt.Println("set", n)
	}
}

// decryptWithTool decrypts the vault file with "age -d" and returns its
// values by ref.
func decryptWithTool(t *testing.T, tool, identity, path string) map[string]string {
	t.Helper()
	out, err := exec.Command(tool, "-d", "-i", identity, path).Output()
	if err != nil {
		t.Fatalf("age -d %s: %v", path, err)
	}
	var doc struct {
		Secrets []struct{ Provider, Environment, Field, Value string } `json:"secrets"`
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatalf("age -d %s printed no vault JSON: %v", path, err)
	}
	values := make(map[string]string, len(doc.Secrets))
	for _, s := range doc.Secrets {
		values[vault.Ref{Provider: s.Provider, Environment: s.Environment, Field: s.Field}.String()] = s.Value
	}
	return values
}
