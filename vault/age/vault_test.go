package agevault_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
	"golang.org/x/sys/unix"

	"github.com/acctsetup/acctsetup/vault"
	agevault "github.com/acctsetup/acctsetup/vault/age"
	"github.com/acctsetup/acctsetup/vault/vaulttest"
)

func TestConformance(t *testing.T) {
	vaulttest.Run(t, func(t *testing.T) vault.Vault {
		id, err := age.GenerateX25519Identity()
		if err != nil {
			t.Fatal(err)
		}
		return agevault.Open(filepath.Join(t.TempDir(), "vault.age"), id, nil)
	})
}

func TestReference(t *testing.T) {
	t.Parallel()
	v := agevault.Open("unused.age", nil, nil)
	if got, want := v.Reference(refID), "age://xero/production/client_id"; got != want {
		t.Errorf("Reference() = %q, want %q", got, want)
	}
}

func TestMissingFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	id, _ := newIdentity(t, dir, "identity.txt")
	path := filepath.Join(dir, "state", "nested", "vault.age")
	v := agevault.Open(path, id, nil)

	if _, err := v.Get(context.Background(), refID); !errors.Is(err, vault.ErrNotFound) {
		t.Errorf("Get on missing file error = %v, want ErrNotFound", err)
	}
	if entries, err := v.List(context.Background()); err != nil || len(entries) != 0 {
		t.Errorf("List on missing file = %v, %v, want empty", entries, err)
	}
	if err := v.Delete(context.Background(), refID); !errors.Is(err, vault.ErrNotFound) {
		t.Errorf("Delete on missing file error = %v, want ErrNotFound", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("vault file exists after reads (stat error %v); reads must not create it", err)
	}

	set(t, v, refID, valueID)
	for _, tt := range []struct {
		path string
		mode os.FileMode
	}{
		{path, 0o600},
		{path + ".lock", 0o600},
		{filepath.Dir(path), 0o700 | os.ModeDir},
	} {
		fi, err := os.Stat(tt.path)
		if err != nil {
			t.Fatalf("after Set: %v", err)
		}
		if fi.Mode() != tt.mode {
			t.Errorf("%s mode = %v, want %v", tt.path, fi.Mode(), tt.mode)
		}
	}
	if got := get(t, v, refID); got != valueID {
		t.Error("Get after Set returned a different value")
	}
}

func TestFileFormat(t *testing.T) {
	t.Parallel()
	v, path, id, _ := seeded(t)
	set(t, v, vault.Ref{Provider: "acme", Environment: "sandbox", Field: "token"}, `<&"special">`)

	r, err := age.Decrypt(bytes.NewReader(readFile(t, path)), id)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Version int `json:"version"`
		Secrets []struct {
			Provider    string `json:"provider"`
			Environment string `json:"environment"`
			Field       string `json:"field"`
			Value       string `json:"value"`
			SetAt       string `json:"set_at"`
		} `json:"secrets"`
	}
	dec := json.NewDecoder(bytes.NewReader(plain))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&got); err != nil {
		t.Fatalf("decrypted content is not the documented JSON: %v", err)
	}
	if got.Version != 2 {
		t.Errorf("version = %d, want 2", got.Version)
	}
	want := [][4]string{
		{"acme", "sandbox", "token", `<&"special">`},
		{"xero", "production", "client_id", valueID},
		{"xero", "production", "client_secret", valueSecret},
	}
	if len(got.Secrets) != len(want) {
		t.Fatalf("file has %d secrets, want %d", len(got.Secrets), len(want))
	}
	for i, s := range got.Secrets {
		if g := [4]string{s.Provider, s.Environment, s.Field, s.Value}; g != want[i] {
			t.Errorf("secret %d = %s/%s/%s, want %s/%s/%s (or a different value)", i, g[0], g[1], g[2], want[i][0], want[i][1], want[i][2])
		}
		ts, err := time.Parse(time.RFC3339, s.SetAt)
		if err != nil || ts.Location() != time.UTC || time.Since(ts) > time.Minute {
			t.Errorf("secret %d set_at = %q (%v), want a recent RFC 3339 UTC time", i, s.SetAt, err)
		}
	}
}

func TestSetAtKeptForOtherSecrets(t *testing.T) {
	t.Parallel()
	v, _, _, _ := seeded(t)
	before, err := v.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(10 * time.Millisecond)
	set(t, v, refSecret, "agevault-test-rotated")
	after, err := v.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !after[0].SetAt.Equal(before[0].SetAt) {
		t.Errorf("%s SetAt changed from %v to %v when another secret was set", refID, before[0].SetAt, after[0].SetAt)
	}
	if !after[1].SetAt.After(before[1].SetAt) {
		t.Errorf("%s SetAt = %v after overwrite, want later than %v", refSecret, after[1].SetAt, before[1].SetAt)
	}
}

func TestNoTemporaryFilesLeft(t *testing.T) {
	t.Parallel()
	v, path, _, _ := seeded(t)
	if err := v.Delete(context.Background(), refID); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	want := []string{"identity.txt", "vault.age", "vault.age.lock"}
	if !slices.Equal(names, want) {
		t.Errorf("directory holds %v, want %v", names, want)
	}
}

func TestTwoRecipients(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	alice, _ := newIdentity(t, dir, "alice.txt")
	bob, _ := newIdentity(t, dir, "bob.txt")
	path := filepath.Join(dir, "vault.age")

	// Alice writes, naming Bob; her own key is added automatically.
	set(t, agevault.Open(path, alice, []age.Recipient{bob.Recipient()}), refID, valueID)

	for name, id := range map[string]*age.X25519Identity{"alice": alice, "bob": bob} {
		if got := get(t, agevault.Open(path, id, nil), refID); got != valueID {
			t.Errorf("%s read a different value", name)
		}
	}

	// Bob writes with the same recipient list (Alice and Bob): both still read.
	set(t, agevault.Open(path, bob, []age.Recipient{alice.Recipient(), bob.Recipient()}), refSecret, valueSecret)
	for name, id := range map[string]*age.X25519Identity{"alice": alice, "bob": bob} {
		if got := get(t, agevault.Open(path, id, nil), refSecret); got != valueSecret {
			t.Errorf("%s read a different value after bob's write", name)
		}
	}
}

func TestWrongIdentity(t *testing.T) {
	t.Parallel()
	_, path, _, _ := seeded(t)
	original := readFile(t, path)
	other, otherPath := newIdentity(t, t.TempDir(), "other.txt")

	for op, err := range allOps(agevault.Open(path, other, nil, agevault.WithIdentityPath(otherPath))) {
		if err == nil {
			t.Errorf("%s with wrong identity succeeded", op)
			continue
		}
		var noMatch *age.NoIdentityMatchError
		if !errors.As(err, &noMatch) || !errors.Is(err, age.ErrIncorrectIdentity) || !errors.Is(err, agevault.ErrWrongIdentity) {
			t.Errorf("%s error = %v, want one wrapping *age.NoIdentityMatchError , age.ErrIncorrectIdentity and agevault.ErrWrongIdentity", op, err)
		}
		want := `agevault: identity "` + otherPath + `" (public key ` + other.Recipient().String() + `) does not match vault file "` + path + `"`
		if msg := err.Error(); !strings.HasPrefix(msg, want) {
			t.Errorf("%s error = %q, want prefix %q", op, msg, want)
		}
		noSecrets(t, err)
	}
	if !bytes.Equal(readFile(t, path), original) {
		t.Error("vault file changed after failed operations")
	}

	// Without WithIdentityPath the message still names the vault file.
	_, err := agevault.Open(path, other, nil).Get(context.Background(), refID)
	want := `agevault: identity (public key ` + other.Recipient().String() + `) does not match vault file "` + path + `"`
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("Get error = %v, want prefix %q", err, want)
	}
}

func TestCorruptedFile(t *testing.T) {
	t.Parallel()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		plaintext string // encrypted to id; ignored if raw is set
		raw       func(t *testing.T) []byte
		wantErr   string // after `agevault: vault file "<path>" `
	}{
		{name: "not age", raw: func(*testing.T) []byte {
			return []byte(`{"version":1,"secrets":[{"value":"` + valueSecret + `"}]}`)
		}, wantErr: "is not an age-encrypted file"},
		{name: "empty", raw: func(*testing.T) []byte { return nil }, wantErr: "is not an age-encrypted file"},
		{name: "bad JSON", plaintext: `{"version":1,"secrets":[{"value":"` + valueSecret + `"x}]}`, wantErr: "is corrupted: invalid JSON at byte offset"},
		{name: "not JSON", plaintext: valueSecret, wantErr: "is corrupted: invalid JSON"},
		{name: "wrong type", plaintext: `{"version":1,"secrets":[{"provider":"xero","environment":"production","field":"client_id","value":12345678}]}`, wantErr: `is corrupted: invalid JSON: field "secrets.value" has the wrong type`},
		{name: "bad time", plaintext: `{"version":1,"secrets":[{"provider":"xero","environment":"production","field":"client_id","value":"v","set_at":"` + valueSecret + `"}]}`, wantErr: "is corrupted: invalid JSON: a time is not in RFC 3339 form"},
		{name: "unknown field", plaintext: `{"version":1,"secrets":[],"extra":true}`, wantErr: `is corrupted: invalid JSON: unknown field "extra"`},
		{name: "trailing data", plaintext: `{"version":1,"secrets":[]} {}`, wantErr: "is corrupted: trailing data after the JSON object"},
		{name: "version 3", plaintext: `{"version":3,"secrets":[]}`, wantErr: "is corrupted: unsupported format version 3 (want 2)"},
		{name: "updated_at in version 2", plaintext: `{"version":2,"secrets":[{"provider":"xero","environment":"production","field":"client_id","value":"v","updated_at":"2025-01-02T03:04:05Z"}]}`,
			wantErr: "is corrupted: secret 0: updated_at belongs to version 1; version 2 has set_at"},
		{name: "time past 9999 in UTC", plaintext: `{"version":2,"secrets":[{"provider":"xero","environment":"production","field":"client_id","value":"v","set_at":"9999-12-31T23:59:59-23:59"}]}`,
			wantErr: "is corrupted: secret 0: a time is outside the years 0000 to 9999 in UTC"},
		{name: "invalid ref", plaintext: `{"version":1,"secrets":[{"provider":"Xero","environment":"production","field":"client_id","value":"v"}]}`, wantErr: `is corrupted: secret 0: vault: invalid ref "Xero/production/client_id"`},
		{name: "duplicate ref", plaintext: `{"version":1,"secrets":[` +
			`{"provider":"xero","environment":"production","field":"client_id","value":"a"},` +
			`{"provider":"xero","environment":"production","field":"client_id","value":"b"}]}`, wantErr: "is corrupted: secret 1: duplicate ref xero/production/client_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "vault.age")
			if tt.raw != nil {
				if err := os.WriteFile(path, tt.raw(t), 0o600); err != nil {
					t.Fatal(err)
				}
			} else {
				encryptTo(t, path, []byte(tt.plaintext), id.Recipient())
			}
			original := readFile(t, path)

			for op, err := range allOps(agevault.Open(path, id, nil)) {
				if err == nil {
					t.Errorf("%s on corrupted file succeeded", op)
					continue
				}
				want := `agevault: vault file "` + path + `" ` + tt.wantErr
				if !strings.HasPrefix(err.Error(), want) {
					t.Errorf("%s error = %q, want prefix %q", op, err, want)
				}
				if !errors.Is(err, agevault.ErrDamaged) {
					t.Errorf("%s error = %q does not wrap agevault.ErrDamaged", op, err)
				}
				if errors.Is(err, vault.ErrNotFound) {
					t.Errorf("%s error wraps ErrNotFound: %v", op, err)
				}
				noSecrets(t, err)
			}
			if !bytes.Equal(readFile(t, path), original) {
				t.Error("vault file changed after failed operations")
			}
		})
	}
}

func TestTruncatedFileWithRightIdentity(t *testing.T) {
	t.Parallel()
	_, path, id, _ := seeded(t)
	b := readFile(t, path)
	if err := os.WriteFile(path, b[:len(b)-20], 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := agevault.Open(path, id, nil).Get(context.Background(), refID)
	want := `agevault: decrypt vault file "` + path + `": `
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("Get on truncated file error = %v, want prefix %q", err, want)
	}
	noSecrets(t, err)
}

func TestNoRecipients(t *testing.T) {
	t.Parallel()
	// A non-X25519 identity contributes no recipient of its own.
	path := filepath.Join(t.TempDir(), "vault.age")
	err := agevault.Open(path, nil, nil).Set(context.Background(), refID, vault.NewSecret(valueID), vault.Meta{})
	want := `agevault: write vault file "` + path + `": no recipients to encrypt to`
	if err == nil || err.Error() != want {
		t.Errorf("Set error = %v, want %q", err, want)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("vault file created despite the error (stat: %v)", err)
	}
}

func TestLockTimeout(t *testing.T) {
	t.Parallel()
	v, path, _, _ := seeded(t)
	original := readFile(t, path)

	// Hold the lock as another process would.
	f, err := os.OpenFile(path+".lock", os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err = v.Set(ctx, refID, vault.NewSecret("agevault-test-blocked"), vault.Meta{})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Set while locked error = %v, want context.DeadlineExceeded", err)
	}
	if _, err := v.Get(ctx, refID); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Get while locked error = %v, want context.DeadlineExceeded", err)
	}
	if !bytes.Equal(readFile(t, path), original) {
		t.Error("vault file changed while another process held the lock")
	}

	if err := unix.Flock(int(f.Fd()), unix.LOCK_UN); err != nil {
		t.Fatal(err)
	}
	if got := get(t, v, refID); got != valueID {
		t.Error("Get after unlock returned a different value")
	}
}
