package sqlstore_test

import (
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/acctsetup/acctsetup/checklists"
	"github.com/acctsetup/acctsetup/checklists/sqlstore"
)

// Open builds "file:"+path+"?"+pragmas, a URI in which SQLite decodes %XX
// and stops the path at "?" or "#": the store lands in another file.
func TestOpenPathWithURIMetacharacters(t *testing.T) {
	t.Parallel()
	// The subtest names stay plain: TempDir puts them in the directory
	// name, and a '#' there would send the stray file outside the test's
	// own directory.
	tests := []struct{ name, file string }{
		{"hash", "a#b.db"},
		{"percent", "100%25.db"},
		{"question mark", "what?.db"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			path := filepath.Join(dir, tt.file)
			s, created, err := sqlstore.Open(t.Context(), path)
			if err != nil {
				t.Fatalf("Open(%s) = %v", path, err)
			}
			defer s.Close()
			if !created {
				t.Errorf("created = false, want true")
			}
			if _, err := os.Stat(path); err != nil {
				t.Errorf("Open(%s) did not create that file: %v", path, err)
			}
		})
	}
}

// The first Open creates the database (and its -wal and -shm files) with the
// process umask and only then chmods the database itself: the WAL file, which
// holds every recent change, stays world-readable while the process runs.
func TestOpenWALFilesPrivate(t *testing.T) {
	t.Parallel()
	s, path := openStore(t)
	saveStep(t, s, stepRecord("xero", "sandbox", "create-app", checklists.Done, t0))
	for _, f := range []string{path, path + "-wal", path + "-shm"} {
		if got := fileMode(t, f); got&0o077 != 0 {
			t.Errorf("%s mode = %v, want no group or other access", filepath.Base(f), got)
		}
	}
}

// A store locked by another process past the busy timeout cannot be reached:
// the command layer maps ErrUnavailable to exit code 3, but change() returns
// the SQLITE_BUSY error unwrapped. This test waits for the 10 s busy timeout.
func TestLockedStoreUnavailable(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for the busy timeout")
	}
	s, path := openStore(t)
	locker, err := sql.Open("sqlite", "file:"+path+"?_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	defer locker.Close()
	tx, err := locker.BeginTx(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback() //nolint:errcheck // only releases the lock
	err = s.SaveStep(t.Context(), stepRecord("xero", "sandbox", "create-app", checklists.Done, t0),
		event("step.done", "xero", "sandbox", "create-app", "", t0))
	if !errors.Is(err, checklists.ErrUnavailable) {
		t.Errorf("SaveStep on a locked store = %v, want it to wrap ErrUnavailable", err)
	}
}

// The "unknown database" error quotes the whole DSN, password included.
func TestOpenDSNErrorHidesPassword(t *testing.T) {
	t.Parallel()
	_, _, err := sqlstore.Open(t.Context(), "mysql://acct:hunter2@db.example.com/acctsetup")
	if err == nil {
		t.Fatal("Open(mysql://...) = nil error")
	}
	if strings.Contains(err.Error(), "hunter2") {
		t.Errorf("Open error = %q, want the password left out", err)
	}
}
