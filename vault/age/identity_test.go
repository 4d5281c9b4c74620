package agevault_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"filippo.io/age"

	agevault "github.com/acctsetup/acctsetup/vault/age"
)

func TestLoadOrCreateIdentity(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "project", ".acctsetup")
	path := filepath.Join(dir, "identity.txt")

	id, created, err := agevault.LoadOrCreateIdentity(path)
	if err != nil || !created || id == nil {
		t.Fatalf("first LoadOrCreateIdentity = %v, %v, %v; want a new identity", id, created, err)
	}
	for p, want := range map[string]os.FileMode{path: 0o600, dir: 0o700 | os.ModeDir} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode() != want {
			t.Errorf("%s mode = %v, want %v", p, fi.Mode(), want)
		}
	}
	content := string(readFile(t, path))
	format := regexp.MustCompile(`^# created: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n# public key: (age1[a-z0-9]+)\n(AGE-SECRET-KEY-1[A-Z0-9]+)\n$`)
	m := format.FindStringSubmatch(content)
	if m == nil {
		t.Fatalf("identity file is not in age-keygen format:\n%s", content)
	}
	if m[1] != id.Recipient().String() || m[2] != id.String() {
		t.Error("identity file does not hold the returned identity")
	}

	again, created, err := agevault.LoadOrCreateIdentity(path)
	if err != nil || created {
		t.Fatalf("second LoadOrCreateIdentity = %v, %v; want the existing identity", created, err)
	}
	if again.String() != id.String() {
		t.Error("second LoadOrCreateIdentity returned a different identity")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries, want only the identity file", len(entries))
	}
}

func TestLoadOrCreateIdentityExisting(t *testing.T) {
	t.Parallel()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		content string
		mode    os.FileMode
		wantErr string // with PATH replaced by the file's path
	}{
		{name: "age-keygen output", mode: 0o600,
			content: "# created: 2025-01-01T00:00:00Z\n# public key: " + id.Recipient().String() + "\n" + id.String() + "\n"},
		{name: "bare key, owner read-only", mode: 0o400, content: id.String()},
		{name: "world-readable", mode: 0o644, content: id.String(),
			wantErr: `agevault: identity file "PATH" is accessible by group or others (mode 0644); restrict it with: chmod 600 PATH`},
		{name: "group-readable", mode: 0o640, content: id.String(),
			wantErr: `agevault: identity file "PATH" is accessible by group or others (mode 0640); restrict it with: chmod 600 PATH`},
		{name: "garbage", mode: 0o600, content: "AGE-SECRET-KEY-1NOTAKEY\n",
			wantErr: `agevault: identity file "PATH": error at line 1: malformed secret key: `},
		{name: "unknown line", mode: 0o600, content: "hunter2\n",
			wantErr: `agevault: identity file "PATH": error at line 1: unknown identity type`},
		{name: "only comments", mode: 0o600, content: "# nothing here\n",
			wantErr: `agevault: identity file "PATH": no identities found`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "identity.txt")
			if err := os.WriteFile(path, []byte(tt.content), tt.mode); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, tt.mode); err != nil { // beat the umask
				t.Fatal(err)
			}
			got, created, err := agevault.LoadOrCreateIdentity(path)
			if created {
				t.Error("created = true for an existing file")
			}
			if tt.wantErr != "" {
				want := strings.ReplaceAll(tt.wantErr, "PATH", path)
				if err == nil || !strings.HasPrefix(err.Error(), want) {
					t.Fatalf("error = %v, want prefix %q", err, want)
				}
				if strings.Contains(err.Error(), "NOTAKEY") || strings.Contains(err.Error(), "hunter2") {
					t.Errorf("error %q quotes the file's content", err)
				}
				if string(readFile(t, path)) != tt.content {
					t.Error("identity file changed")
				}
				return
			}
			if err != nil {
				t.Fatalf("error = %v", err)
			}
			if got.String() != id.String() {
				t.Error("loaded a different identity")
			}
		})
	}
}

func TestLoadOrCreateIdentityConcurrent(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "identity.txt")
	const n = 10
	ids := make([]string, n)
	errs := make([]error, n)
	createdCount := make(chan bool, n)
	done := make(chan struct{})
	for i := range n {
		go func() {
			defer func() { done <- struct{}{} }()
			id, created, err := agevault.LoadOrCreateIdentity(path)
			errs[i] = err
			if err == nil {
				ids[i] = id.String()
			}
			createdCount <- created
		}()
	}
	for range n {
		<-done
	}
	close(createdCount)
	var c int
	for created := range createdCount {
		if created {
			c++
		}
	}
	if c != 1 {
		t.Errorf("%d callers created the identity, want 1", c)
	}
	for i := range n {
		if errs[i] != nil {
			t.Errorf("caller %d: %v", i, errs[i])
		} else if ids[i] != ids[0] {
			t.Errorf("caller %d got a different identity", i)
		}
	}
}
