package agevault_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/acctsetup/acctsetup/vault"
	agevault "github.com/acctsetup/acctsetup/vault/age"
)

// precious is what a file outside the vault holds; no vault operation may
// change it.
const precious = "someone else's file\n"

// TestLinksNotFollowed plants a symbolic link at the vault file, its lock
// and its temporary file, pointing at another file and at a path where
// none exists yet. Every operation that would open the path fails with
// ErrNotRegular and an error naming it; the other file keeps its content
// and mode, the missing one is not created, and the link stays as it was.
func TestLinksNotFollowed(t *testing.T) {
	t.Parallel()
	for _, at := range []struct {
		name string
		path func(vaultPath string) string
		// which operations open the path: reads take the lock and read
		// the file; only writes make the temporary file.
		reads bool
	}{
		{"vault file", func(p string) string { return p }, true},
		{"lock file", func(p string) string { return p + ".lock" }, true},
		{"temporary file", func(p string) string { return filepath.Join(filepath.Dir(p), ".vault.age.tmp") }, false},
	} {
		for _, target := range []string{"existing", "missing"} {
			t.Run(at.name+"/"+target, func(t *testing.T) {
				t.Parallel()
				v, path, _, _ := seeded(t)
				outside := filepath.Join(t.TempDir(), "target")
				if target == "existing" {
					if err := os.WriteFile(outside, []byte(precious), 0o644); err != nil {
						t.Fatal(err)
					}
				}
				link := at.path(path)
				if at.name == "vault file" {
					// The vault's content moves to the target: a link to a
					// perfectly good vault is refused all the same.
					if target == "existing" {
						if err := os.Rename(path, outside); err != nil {
							t.Fatal(err)
						}
					} else if err := os.Remove(path); err != nil {
						t.Fatal(err)
					}
				} else if err := os.Remove(link); err != nil && !errors.Is(err, fs.ErrNotExist) {
					t.Fatal(err)
				}
				before := snapshot(t, outside)
				if err := os.Symlink(outside, link); err != nil {
					t.Fatal(err)
				}

				ctx := context.Background()
				ops := map[string]error{
					"Set":    v.Set(ctx, refID, vault.NewSecret("agevault-test-new-value"), vault.Meta{}),
					"Delete": v.Delete(ctx, refSecret),
					"Rewrap": v.Rewrap(ctx),
				}
				if at.reads {
					_, ops["Get"] = v.Get(ctx, refID)
					_, ops["List"] = v.List(ctx)
				}
				for op, err := range ops {
					if !errors.Is(err, agevault.ErrNotRegular) {
						t.Errorf("%s with a link at the %s: error = %v, want ErrNotRegular", op, at.name, err)
						continue
					}
					if want := at.name + ` "` + link + `" is a symbolic link`; !strings.Contains(err.Error(), want) {
						t.Errorf("%s error = %q, want it to say %q", op, err, want)
					}
				}
				if after := snapshot(t, outside); after != before {
					t.Errorf("the link's target changed: %s, was %s", after, before)
				}
				if got, err := os.Readlink(link); err != nil || got != outside {
					t.Errorf("the link is now %q (%v), want it left pointing at %q", got, err, outside)
				}
			})
		}
	}
}

// snapshot describes a file's content and mode, or its absence.
func snapshot(t *testing.T, path string) string {
	t.Helper()
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "absent"
	}
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().String() + " " + string(readFile(t, path))
}

// TestFIFONotOpened: a FIFO at the vault or lock path would block an open
// for reading until someone writes to it; the vault refuses it at once.
func TestFIFONotOpened(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"vault.age", "vault.age.lock"} {
		v, path, _, _ := seeded(t)
		fifo := filepath.Join(filepath.Dir(path), name)
		if err := os.Remove(fifo); err != nil {
			t.Fatal(err)
		}
		if err := unix.Mkfifo(fifo, 0o600); err != nil {
			t.Skipf("mkfifo: %v", err)
		}
		done := make(chan error, 1)
		go func() {
			_, err := v.Get(context.Background(), refID)
			done <- err
		}()
		select {
		case err := <-done:
			if !errors.Is(err, agevault.ErrNotRegular) || !strings.Contains(err.Error(), "is not a regular file") {
				t.Errorf("Get with a FIFO at %s: error = %v, want ErrNotRegular", name, err)
			}
		case <-time.After(10 * time.Second): // Get takes milliseconds; this only turns a hang into a failure
			t.Fatalf("Get with a FIFO at %s has not returned after 10s: it opened the FIFO", name)
		}
	}
}

// TestStaleTemporaryFileReplaced: a write killed after creating the
// temporary file leaves it behind; the next write replaces it, whatever
// mode and content it had, and leaves none.
func TestStaleTemporaryFileReplaced(t *testing.T) {
	t.Parallel()
	v, path, _, _ := seeded(t)
	tmp := filepath.Join(filepath.Dir(path), ".vault.age.tmp")
	if err := os.WriteFile(tmp, []byte("age-encryption.org/v1\n-> half a file"), 0o600); err != nil {
		t.Fatal(err)
	}
	set(t, v, refID, "agevault-test-after-a-kill")
	if got := get(t, v, refID); got != "agevault-test-after-a-kill" {
		t.Error("Set after a killed write stored a different value")
	}
	if got := get(t, v, refSecret); got != valueSecret {
		t.Error("Set after a killed write lost another secret")
	}
	if _, err := os.Lstat(tmp); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the temporary file is still there after a write (stat error %v)", err)
	}
}
